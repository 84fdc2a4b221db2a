"""The Dockerfile passes hadolint and keeps the image rules; the entrypoint's modes reach the right CLI."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "docker" / "entrypoint.sh"


def _stages() -> list[list[str]]:
    """Instructions per build stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(stripped)
    return stages


def _final() -> list[str]:
    return _stages()[-1]


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_an_unpinned_base(tmp_path: Path) -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install tzdata\n")
    assert subprocess.run([str(hadolint), str(bad)], capture_output=True, check=False).returncode != 0


def test_the_base_image_is_python_311_slim_pinned_to_a_patch_version() -> None:
    default = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert default is not None
    assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", default.group(1))
    assert "latest" not in DOCKERFILE.read_text()
    assert [stage[0] for stage in _stages()] == [
        "FROM ${PYTHON_IMAGE} AS builder",
        "FROM ${PYTHON_IMAGE} AS runtime",
    ]


def test_the_final_stage_runs_as_a_numeric_non_root_user() -> None:
    users = [line.split()[1] for line in _final() if line.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0].isdigit()
    assert users[-1].split(":")[0] != "0"


def test_the_final_stage_installs_tzdata_and_no_compiler() -> None:
    runs = " ".join(line for line in _final() if line.startswith("RUN "))
    assert "tzdata" in runs
    assert "--no-install-recommends" in runs
    for compiler in ("gcc", "g++", "build-essential", "clang", "make ", "-dev "):
        assert compiler not in runs
    assert not [line for line in _final() if line.startswith("COPY requirements.lock")], "deps come built"


def test_dependencies_come_from_the_lock_file() -> None:
    builder = " ".join(_stages()[0])
    assert "COPY requirements.lock" in builder
    assert "--constraint /tmp/constraints.txt" in builder


def test_healthcheck_labels_entrypoint_and_read_only_friendly_environment() -> None:
    final = _final()
    assert any(line.startswith("HEALTHCHECK ") and "healthcheck.py" in line for line in final)
    labels = " ".join(line for line in final if line.startswith("LABEL "))
    for label in ("title", "version", "revision", "created", "source", "licenses"):
        assert f"org.opencontainers.image.{label}=" in labels
    env = " ".join(line for line in final if line.startswith("ENV "))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "HOME=/tmp" in env
    assert 'ENTRYPOINT ["nocturna-entrypoint"]' in final
    assert 'CMD ["serve"]' in final


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert lines[lines.index("**") + 1 :].count("!requirements.lock") == 1
    assert "**/tests/" in lines
    assert not any(line.startswith("!.venv") or line.startswith("!.git") for line in lines)


@pytest.fixture
def fake_image(tmp_path: Path) -> Path:
    """A stand-in for /app: the SERVICES list and nocturna-* CLIs that log their arguments and DATABASE_URL."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "SERVICES").write_text("auth\nchart\nsubscription\ngeocoding\ngateway\n")
    for service in ("auth", "chart", "subscription", "geocoding", "gateway"):
        cli = tmp_path / "bin" / f"nocturna-{service}"
        cli.write_text(
            f'#!/bin/sh\necho "{service} $* ${{DATABASE_URL:-}}" | sed "s/ *$//" >> "{tmp_path}/calls"\n'
        )
        cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def _run(image: Path, *args: str, **env: str) -> tuple[int, list[str]]:
    environment = {
        "PATH": f"{image / 'bin'}:{os.environ['PATH']}",
        "NOCTURNA_HOME": str(image),
        **env,
    }
    shell = shutil.which("sh")
    assert shell is not None
    result = subprocess.run(
        [shell, str(ENTRYPOINT), *args], env=environment, capture_output=True, text=True, check=False
    )
    calls = image / "calls"
    return result.returncode, calls.read_text().splitlines() if calls.exists() else []


def test_serve_is_the_default_mode(fake_image: Path) -> None:
    assert _run(fake_image, NOCTURNA_SERVICE="chart") == (0, ["chart serve"])


def test_setup_migrates_every_schema_as_its_own_role_then_seeds(fake_image: Path) -> None:
    code, calls = _run(
        fake_image,
        "setup",
        NOCTURNA_SERVICE="all",
        DATABASE_URL_AUTH="pg-auth",
        DATABASE_URL_SUBSCRIPTION="pg-subscription",
        DATABASE_URL_CHART="pg-chart",
        DATABASE_URL_GEOCODING="pg-geocoding",
    )
    assert code == 0
    assert calls == [
        "auth migrate pg-auth",
        "subscription migrate pg-subscription",
        "chart migrate pg-chart",
        "geocoding migrate pg-geocoding",
        "geocoding seed pg-geocoding",
    ]


def test_setup_provisions_the_gateways_service_client_when_its_credentials_are_given(
    fake_image: Path,
) -> None:
    code, calls = _run(
        fake_image,
        "setup",
        NOCTURNA_SERVICE="all",
        DATABASE_URL_AUTH="pg-auth",
        GATEWAY_SERVICE_CLIENT_ID="0192f3a0-0000-7000-8000-00000000fa7e",
        GATEWAY_SERVICE_CLIENT_SECRET="s" * 40,
    )
    assert code == 0
    provisioned = (
        "auth create-service-client gateway --client-id 0192f3a0-0000-7000-8000-00000000fa7e pg-auth"
    )
    assert calls.index(provisioned) == calls.index("auth migrate pg-auth") + 4  # after every migration
    assert not any("s" * 40 in call for call in calls), "the secret is never an argument"


def test_migrate_of_one_service_and_operator_commands_pass_their_arguments(fake_image: Path) -> None:
    assert _run(fake_image, "migrate", NOCTURNA_SERVICE="auth", DATABASE_URL="pg") == (0, ["auth migrate pg"])
    code, calls = _run(
        fake_image, "replay-dlq", "chart.auth.user.deleted.v1", "--limit", "5", NOCTURNA_SERVICE="chart"
    )
    assert (code, calls[-1]) == (0, "chart replay-dlq chart.auth.user.deleted.v1 --limit 5")
    code, calls = _run(fake_image, "seed", "--force", NOCTURNA_SERVICE="geocoding")
    assert (code, calls[-1]) == (0, "geocoding seed --force")


def test_the_fleet_image_needs_a_service_to_serve_and_unknown_modes_fail(fake_image: Path) -> None:
    assert _run(fake_image, "serve", NOCTURNA_SERVICE="all") == (64, [])
    assert _run(fake_image, "dance", NOCTURNA_SERVICE="auth") == (64, [])
    (fake_image / "SERVICES").write_text("gateway\n")
    assert _run(fake_image, "serve", NOCTURNA_SERVICE="chart") == (64, [])
