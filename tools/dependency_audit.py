"""``make audit``: known vulnerabilities in the installed dependencies (pip-audit, against PyPI's data).

Prints ``dependency audit: skipped (<reason>)`` when that data cannot be reached, and also when it covers none of the
packages: behind a mirror that has the packages but not their vulnerability records, pip-audit skips every package
and still says "No known vulnerabilities found", which would be a false all-clear. Fails only on a vulnerability
found; a skipped or incomplete audit never fails ``make test``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

PROBE_URL = "https://pypi.org/pypi/pip/json"
TIMEOUT_SECONDS = 120  # a hanging audit must not hold up `make test`
OWN_PROJECT_REASON = "distribution marked as editable"


def _print(line: str) -> None:
    print(f"dependency audit: {line}", flush=True)


def _skipped(reason: str) -> int:
    _print(f"skipped ({reason})")
    return 0


def _reasons(skipped: list[dict[str, Any]]) -> str:
    counts = Counter(str(entry["skip_reason"]).split(":", 1)[0] for entry in skipped)
    return "; ".join(f"{reason}: {count}" for reason, count in counts.most_common())


def _run_pip_audit(report: Path) -> str | None:
    """Runs pip-audit into ``report``; a reason when it could not run to the end."""
    command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off"]
    command += ["--format", "json", "--output", str(report)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return f"pip-audit took longer than {TIMEOUT_SECONDS} s"
    if not report.exists() or not report.read_text().strip():
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return f"pip-audit could not finish: {last_line}"
    return None


def main() -> int:
    try:
        urllib.request.urlopen(PROBE_URL, timeout=10).close()
    except OSError as error:
        return _skipped(f"PyPI's vulnerability data at {PROBE_URL} cannot be reached: {error}")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        problem = _run_pip_audit(report)
        if problem:
            return _skipped(problem)
        dependencies = json.loads(report.read_text())["dependencies"]
    own = [d for d in dependencies if str(d.get("skip_reason", "")).startswith(OWN_PROJECT_REASON)]
    skipped = [d for d in dependencies if "skip_reason" in d and d not in own]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vulnerability in dependency["vulns"]:
            fixed = ", ".join(vulnerability.get("fix_versions") or []) or "no fixed version yet"
            _print(f"{dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in {fixed})")
    if vulnerable:
        count = sum(len(d["vulns"]) for d in vulnerable)
        _print(f"FAILED: {count} known vulnerabilities in {len(vulnerable)} of {len(audited)} checked packages")
        return 1
    if not audited:
        return _skipped(f"no vulnerability data for any of the {len(skipped)} installed packages: {_reasons(skipped)}")
    if skipped:
        _print(
            f"incomplete: {len(audited)} of {len(audited) + len(skipped)} packages checked, none with a known "
            f"vulnerability; {len(skipped)} skipped ({_reasons(skipped)})"
        )
        return 0
    _print(f"{len(audited)} packages checked, none with a known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())
