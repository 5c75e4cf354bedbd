"""The engine is a pure core: importing it must not load the web app's frameworks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FRAMEWORK_PREFIXES = ("flask", "sqlalchemy")


def modules_loaded_by_importing_matcher(extra_path: Path) -> list[str]:
    """Module names in a fresh interpreter after ``import matcher``; ``extra_path`` joins PYTHONPATH."""
    code = "import json, sys; import matcher; print(json.dumps(sorted(sys.modules)))"
    repo_root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo_root), str(extra_path)])}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo_root, env=env
    )
    return list(json.loads(completed.stdout))


def test_importing_matcher_loads_no_web_framework(tmp_path: Path) -> None:
    # Stand-ins on the path make even a guarded "try: import flask" visible where Flask is not installed.
    for name in ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_wtf"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")

    loaded = modules_loaded_by_importing_matcher(tmp_path)

    assert "matcher" in loaded
    assert [name for name in loaded if name.lower().startswith(FRAMEWORK_PREFIXES)] == []
