"""deploy/prometheus/alerts.yml: valid for Prometheus, and its alerts fire when they should.

promtool comes from Debian's prometheus package (``scripts/ensure-promtool``, run by
``make test``); ``PROMTOOL`` names another one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def promtool() -> str:
    beside = Path(sys.executable).parent / "promtool"
    found = os.environ.get("PROMTOOL") or (str(beside) if beside.exists() else None)
    found = found or shutil.which("promtool")
    assert found, "promtool is missing: run scripts/ensure-promtool (make test does)"
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], cwd=RULES, capture_output=True, text=True, timeout=60
    )


def test_the_alert_rules_pass_promtool_check_rules() -> None:
    checked = run("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 9 rules found" in checked.stdout


def test_the_alert_rules_unit_tests_pass() -> None:
    tested = run("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
