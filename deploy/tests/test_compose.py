"""docker-compose.yml: valid against the Compose specification, and the stack shape the issue asks for."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
NOCTURNA = ("auth", "chart", "subscription", "geocoding", "gateway")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?+][^}]*)?\}")


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return compose


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(tool), *args], capture_output=True, text=True, check=False, timeout=120)


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    result = _check_jsonschema("--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_schema_check_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = _compose()
    broken["services"]["gateway"]["depends_on"]["auth"]["condition"] = "service_is_up"
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken))
    assert _check_jsonschema("--builtin-schema", "vendor.compose-spec", str(path)).returncode != 0


def test_only_the_gateway_and_the_uis_are_published_on_loopback() -> None:
    published = {
        name: service["ports"] for name, service in _compose()["services"].items() if "ports" in service
    }
    assert set(published) == {"gateway", "rabbitmq", "jaeger"}
    assert published["gateway"] == ["127.0.0.1:${GATEWAY_PORT:-8000}:8000"]
    assert all(port.startswith("127.0.0.1:") for ports in published.values() for port in ports)


def test_services_wait_for_healthy_infrastructure_and_a_finished_setup_job() -> None:
    services = _compose()["services"]
    for name in ("auth", "chart", "subscription", "geocoding"):
        depends = services[name]["depends_on"]
        assert {k: v["condition"] for k, v in depends.items()} == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "rabbitmq": "service_healthy",
            "setup": "service_completed_successfully",
        }
    assert {v["condition"] for v in services["gateway"]["depends_on"].values()} == {"service_healthy"}
    assert services["setup"]["depends_on"] == {"db-roles": {"condition": "service_completed_successfully"}}
    assert services["setup"]["command"] == ["setup"]
    for name in ("postgres", "redis", "rabbitmq", *NOCTURNA):
        assert "test" in services[name]["healthcheck"], f"{name} has no health check"


def test_nocturna_containers_run_read_only_without_capabilities() -> None:
    services = _compose()["services"]
    for name in (*NOCTURNA, "setup"):
        assert services[name]["read_only"] is True
        assert services[name]["cap_drop"] == ["ALL"]
        assert services[name]["tmpfs"] == ["/tmp"]


def test_state_lives_in_named_volumes() -> None:
    compose = _compose()
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "rabbitmq-data"}
    mounts = [v for s in compose["services"].values() for v in s.get("volumes", [])]
    for volume in compose["volumes"]:
        assert any(mount.startswith(f"{volume}:") for mount in mounts)


def test_tracing_is_an_opt_in_profile() -> None:
    services = _compose()["services"]
    assert services["otel-collector"]["profiles"] == ["observability"]
    assert services["jaeger"]["profiles"] == ["observability"]
    assert all("profiles" not in services[name] for name in (*NOCTURNA, "postgres", "redis", "rabbitmq"))


def test_each_service_connects_to_postgres_as_its_own_role() -> None:
    services = _compose()["services"]
    for name in ("auth", "chart", "subscription", "geocoding"):
        assert f"postgresql://nocturna_{name}:" in services[name]["environment"]["DATABASE_URL"]
        assert (
            f"postgresql://nocturna_{name}:"
            in services["setup"]["environment"][f"DATABASE_URL_{name.upper()}"]
        )
    assert "--set=role_prefix=nocturna_" in services["db-roles"]["command"]


def test_env_example_documents_exactly_the_variables_compose_interpolates() -> None:
    used = set(INTERPOLATION.findall(COMPOSE.read_text()))
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}
    assert used == documented
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z0-9_]+=", line):
            above = index - 1
            while re.match(r"^[A-Z0-9_]+=", lines[above]):
                above -= 1
            assert lines[above].startswith("#"), f"{line} has no comment above its group"


@pytest.mark.parametrize("service", NOCTURNA)
def test_every_nocturna_service_names_its_service_for_the_entrypoint(service: str) -> None:
    assert _compose()["services"][service]["environment"]["NOCTURNA_SERVICE"] == service
