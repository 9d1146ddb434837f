"""deploy/: what can be checked here without a container runtime or a running systemd. The unit
goes through ``systemd-analyze verify`` and ``security --offline``; the Dockerfile and the
compose file are read for the properties the README promises."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
    "DynamicUser": "yes", "StateDirectory": "sessionary", "KillSignal": "SIGTERM",
    "ProtectHome": "yes", "RestrictNamespaces": "yes", "CapabilityBoundingSet": "",
}


def _unit_for_this_machine(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this venv's sessionary: verify wants it to exist."""
    here = Path(sys.executable).parent / "sessionary"
    text = (DEPLOY / "sessionary.service").read_text()
    unit = tmp_path / "sessionary.service"
    unit.write_text(text.replace("/opt/sessionary/bin/sessionary", str(here)))
    return unit


def _service_section() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / "sessionary.service").read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys.setdefault(key, []).append(value)
    return keys


def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    done = subprocess.run([ANALYZE, "verify", str(_unit_for_this_machine(tmp_path))],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""


def test_the_systemd_unit_exposure_stays_under_two_of_ten(tmp_path: Path) -> None:
    unit = _unit_for_this_machine(tmp_path)
    done = subprocess.run([ANALYZE, "security", "--offline=yes", "--threshold=20", str(unit)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_systemd_unit_sets_every_hardening_key_the_readme_names() -> None:
    keys = _service_section()
    for key, value in HARDENING.items():
        assert value in keys.get(key, []), key
    assert "@system-service" in keys["SystemCallFilter"]
    assert set(keys["RestrictAddressFamilies"][0].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}


def test_the_unit_waits_longer_than_docker_gives_and_as_long_as_compose() -> None:
    stop = int(_service_section()["TimeoutStopSec"][0])
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    grace = compose["services"]["node1"]["stop_grace_period"]
    assert stop > 10
    assert f"{stop}s" == grace


def test_the_compose_file_migrates_once_before_two_nodes_serve() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["build"]["dockerfile"] == "deploy/Dockerfile"
    for node in ("node1", "node2"):
        assert services[node]["command"] == ["serve"]
        assert services[node]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[node]["image"] == services["migrate"]["image"]
        assert services[node]["environment"]["SESSIONARY_DATABASE_URL"].startswith("postgresql://")
    assert services["node1"]["ports"] != services["node2"]["ports"]


def _instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def test_the_dockerfile_builds_in_two_stages_with_install_sh_and_runs_unprivileged() -> None:
    steps = _instructions()
    assert next(v for k, v in steps if k == "FROM").endswith("AS build")
    assert len([k for k, _ in steps if k == "FROM"]) == 2
    runs = " ".join(v for k, v in steps if k == "RUN")
    assert "install.sh wheel" in runs and "install.sh venv" in runs
    assert "requirements/runtime.txt" in " ".join(v for k, v in steps if k == "COPY")
    user = [v for k, v in steps if k == "USER"]
    assert user and user[-1] not in ("root", "0")


def test_the_dockerfile_checks_readyz_and_execs_the_server_for_its_signals() -> None:
    steps = dict(_instructions())
    assert "/readyz" in steps["HEALTHCHECK"]
    assert re.fullmatch(r'\["sessionary"\]', steps["ENTRYPOINT"])
    assert steps["CMD"] == '["serve"]'
    assert steps["STOPSIGNAL"] == "SIGTERM"
