"""Configuration drift fails the build: the variables the services' settings classes read are exactly the ones
docker-compose.yml and the Helm chart provide (names; values are each deployment's business)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from nocturna_auth.settings import AuthSettings
from nocturna_platform.settings import ServiceSettings

from deploy.tests.chart_rendering import OVERLAYS, SERVICES, declared_values, named, render
from deploy.tests.settings_env import SETTINGS, environment_variables, uses, variables_of

ROOT = Path(__file__).resolve().parents[2]
# Variables of the image itself (deploy/docker/entrypoint.sh), not of a settings class.
IMAGE_VARIABLES = {"NOCTURNA_SERVICE"}
JSON_MAP_SETTINGS = {"ENCRYPTION__KEYS", "BILLING__STRIPE_PRICES"}


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The chart's naming rule: snake_case keys upper-cased, nested groups joined with `__`."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key.upper()}"
        if isinstance(value, dict) and name not in JSON_MAP_SETTINGS:
            flat.update(_flatten(value, f"{name}__"))
        else:
            flat[name] = value
    return flat


def _helm_tree(values: dict[str, Any], service: str, kind: str) -> dict[str, Any]:
    own = values["services"][service]
    flat = _flatten(values[kind].get("common") or {})
    for group in ("database", "broker"):
        if own["uses"][group]:
            flat.update(_flatten(values[kind].get(group) or {}))
    flat.update(_flatten(own.get(kind) or {}))
    return flat


def test_the_walk_finds_nested_groups_secrets_and_optional_settings() -> None:
    found = {var.name: var for var in environment_variables(AuthSettings)}
    assert found["EMAIL__SMTP__HOST"].secret is False
    assert found["EMAIL__SMTP__PASSWORD"].secret
    assert found["EMAIL__SMTP__PASSWORD"].optional
    assert found["DATABASE_URL"].secret
    assert not found["DATABASE_URL"].optional
    assert "EMAIL__SMTP" not in found


def test_services_without_a_database_or_broker_read_none_of_their_settings() -> None:
    gateway = variables_of("gateway")
    assert "DATABASE_URL" not in gateway
    assert "AMQP_URL" not in gateway
    assert "UPSTREAMS__CHART" in gateway
    assert "DATABASE_URL" in variables_of("geocoding")
    assert "AMQP_URL" not in variables_of("geocoding")


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
@pytest.mark.parametrize("service", SERVICES)
def test_helm_values_name_exactly_the_settings(overlay: str, service: str) -> None:
    values = declared_values(overlay)
    assert values["services"][service]["uses"] == uses(service), "`uses` must match what the service runs"
    expected = variables_of(service)
    settings = _helm_tree(values, service, "settings")
    secrets = _helm_tree(values, service, "secrets")
    assert set(settings) | set(secrets) == set(expected), "values.yaml settings/secrets ≠ the settings class"
    assert not set(settings) & set(secrets)
    assert set(secrets) == {name for name, var in expected.items() if var.secret}, (
        "secret settings belong under `secrets`, the others under `settings`"
    )
    left_unset = {name for name, value in (settings | secrets).items() if value is None}
    assert left_unset <= {name for name, var in expected.items() if var.optional}


@pytest.mark.parametrize("service", SERVICES)
def test_rendered_configmap_and_secret_carry_every_set_value(service: str) -> None:
    manifests = render("dev")  # the overlay with inline secrets: both objects are rendered
    values = declared_values("dev")
    config = named(manifests, "ConfigMap", f"nocturna-{service}")["data"]
    secret = named(manifests, "Secret", f"nocturna-{service}")["stringData"]
    provided = (set(config) - IMAGE_VARIABLES) | set(secret)
    tree = _helm_tree(values, service, "settings") | _helm_tree(values, service, "secrets")
    assert provided == {name for name, value in tree.items() if value is not None}
    assert provided <= set(variables_of(service))
    assert config["NOCTURNA_SERVICE"] == service


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


@pytest.mark.parametrize("service", SERVICES)
def test_compose_provides_exactly_the_settings(service: str) -> None:
    environment = _compose()["services"][service]["environment"]
    expected = variables_of(service)
    assert set(environment) - IMAGE_VARIABLES == set(expected)
    assert environment["NOCTURNA_SERVICE"] == service
    unset = {name for name, value in environment.items() if value is None}
    assert unset <= {name for name, var in expected.items() if var.optional}, (
        "only optional settings may be unset"
    )


def _interpolate_defaults(value: str) -> str:
    """Compose's `${VAR:-default}` as it resolves without a .env file."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def _settings_from(
    service: str, environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    for name in variables_of(service):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return SETTINGS[service]()


@pytest.mark.parametrize("service", SERVICES)
def test_compose_values_are_accepted_by_the_settings_class(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = _compose()["services"][service]["environment"]
    provided = {
        name: _interpolate_defaults(str(value))
        for name, value in environment.items()
        if value is not None and name not in IMAGE_VARIABLES
    }
    settings = _settings_from(service, provided, monkeypatch)
    assert settings.service_name == service
    assert settings.http.host == "0.0.0.0"
    assert settings.redis_url.get_secret_value() == "redis://redis:6379/0"


@pytest.mark.parametrize("service", SERVICES)
def test_rendered_helm_values_are_accepted_by_the_settings_class(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifests = render("dev")
    config = named(manifests, "ConfigMap", f"nocturna-{service}")["data"]
    secret = named(manifests, "Secret", f"nocturna-{service}")["stringData"]
    provided = {k: v for k, v in config.items() if k not in IMAGE_VARIABLES} | secret
    settings = _settings_from(service, provided, monkeypatch)
    assert settings.service_name == service
    assert settings.environment == "development"
    assert [str(network) for network in settings.http.trusted_proxies] == ["10.0.0.0/8"]
