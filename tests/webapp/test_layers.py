"""Imports point down: blueprint -> service -> converter, models and pure rules; pure rules import no Flask.

The rules are read from the source (every ``import`` and ``from ... import`` of every module of ``webapp``), so a
new module is checked as soon as it exists.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "webapp"
BLUEPRINTS = ("public", "auth", "referrals", "residents", "coordination", "matching", "admin", "coalition", "api")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = {
    _module_name(path): _imports(path) for path in sorted(WEBAPP.rglob("*.py")) if "migrations" not in path.parts
}


def _is_blueprint(name: str) -> bool:
    return any(name == f"webapp.{bp}" or name.startswith(f"webapp.{bp}.") for bp in BLUEPRINTS)


def _offending(importer_prefix: str, forbidden: Callable[[str], bool]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if module == importer_prefix or module.startswith(importer_prefix + ".")
        for name in names
        if forbidden(name)
    )


def test_services_never_import_a_blueprint() -> None:
    assert _offending("webapp.services", _is_blueprint) == []


def test_the_converter_never_imports_a_service_or_a_blueprint() -> None:
    assert _offending("webapp.convert", lambda n: n.startswith("webapp.services") or _is_blueprint(n)) == []


@pytest.mark.parametrize(
    "module", ["webapp.enums", "webapp.rules", "webapp.loneliness", "webapp.figures", "webapp.disclosure"]
)
def test_pure_rules_import_no_flask_and_no_database(module: str) -> None:
    heavy = ("flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "webapp.models", "webapp.extensions")
    assert sorted(n for n in MODULES[module] if n.split(".")[0] in heavy or n in heavy) == []


def test_no_private_name_is_imported_across_modules() -> None:
    private = sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        for name in names
        if name.startswith("webapp.") and name.rsplit(".", 1)[-1].startswith("_") and not name.endswith("__init__")
    )
    assert private == []


def test_pure_rules_load_without_flask_in_a_fresh_interpreter() -> None:
    code = (
        "import sys, webapp.rules, webapp.enums, webapp.loneliness, webapp.figures, webapp.disclosure; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug')); "
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == ""
