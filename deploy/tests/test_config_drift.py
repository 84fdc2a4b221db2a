"""Configuration drift fails the build: the variables the services' settings classes read are exactly the ones
docker-compose.yml and the Helm chart provide (names; values are each deployment's business)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml
from nocturna_auth.settings import AuthSettings
from nocturna_platform.settings import ServiceSettings

from deploy.tests.chart_rendering import (
    OVERLAYS,
    SERVICES,
    declared_values,
    deep_merge,
    named,
    overlay_values,
    render,
    render_values,
)
from deploy.tests.env_drift import compose_drift, flatten, helm_drift, read_by
from deploy.tests.settings_env import SETTINGS, EnvVar, environment_variables, uses, variables_of

ROOT = Path(__file__).resolve().parents[2]
# Variables of the image itself (deploy/docker/entrypoint.sh), not of a settings class.
IMAGE_VARIABLES = {"NOCTURNA_SERVICE"}


def _helm_tree(values: dict[str, Any], service: str, kind: str) -> dict[str, Any]:
    """One service's `settings` (or `secrets`) as the chart merges them: common, the groups it uses, its own."""
    own = values["services"][service]
    tree: dict[str, Any] = values[kind].get("common") or {}
    for group in ("database", "broker"):
        if own["uses"][group]:
            tree = deep_merge(tree, values[kind].get(group) or {})
    return deep_merge(tree, own.get(kind) or {})


def test_the_walk_finds_nested_groups_secrets_and_optional_settings() -> None:
    found = {var.name: var for var in environment_variables(AuthSettings)}
    assert found["EMAIL__SMTP__HOST"].secret is False
    assert found["EMAIL__SMTP__PASSWORD"].secret
    assert found["EMAIL__SMTP__PASSWORD"].optional
    assert found["DATABASE_URL"].secret
    assert not found["DATABASE_URL"].optional
    assert "EMAIL__SMTP" not in found
    providers = found["OIDC__PROVIDERS"]
    assert providers.is_map
    assert providers.path == ("oidc", "providers")
    assert {(field.name, field.secret) for field in providers.entry} == {
        ("DISCOVERY_URL", False),
        ("CLIENT_ID", False),
        ("CLIENT_SECRET", True),
        ("SCOPES", False),
    }
    assert not found["OIDC__REDIRECT_BASE_URL"].is_map
    assert "ENCRYPTION__KEYS" not in found  # a map of plain values stays one JSON variable (chart, not auth)


def test_services_without_a_database_or_broker_read_none_of_their_settings() -> None:
    gateway = variables_of("gateway")
    assert "DATABASE_URL" not in gateway
    assert not any(name.startswith("DATABASE_POOL__") for name in gateway)
    assert {"AMQP_URL", "MESSAGING__BATCH_MAX_SIZE", "UPSTREAMS__CHART"} <= set(gateway)
    geocoding = variables_of("geocoding")
    assert "DATABASE_URL" in geocoding
    assert not any(name.startswith(("AMQP_URL", "MESSAGING__", "OUTBOX__")) for name in geocoding)


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
@pytest.mark.parametrize("service", SERVICES)
def test_helm_values_name_exactly_the_settings(overlay: str, service: str) -> None:
    values = declared_values(overlay)
    assert values["services"][service]["uses"] == uses(service), "`uses` must match what the service runs"
    problems = helm_drift(
        variables_of(service),
        _helm_tree(values, service, "settings"),
        _helm_tree(values, service, "secrets"),
        f"services.{service}",
    )
    assert not problems, f"values.yaml + values-{overlay}.yaml ≠ {service}'s settings class:\n" + "\n".join(
        problems
    )


@pytest.mark.parametrize("service", SERVICES)
def test_rendered_configmap_and_secret_carry_every_set_value(service: str) -> None:
    manifests = render("dev")  # the overlay with inline secrets: both objects are rendered
    values = declared_values("dev")
    config = named(manifests, "ConfigMap", f"nocturna-{service}")["data"]
    secret = named(manifests, "Secret", f"nocturna-{service}")["stringData"]
    provided = (set(config) - IMAGE_VARIABLES) | set(secret)
    tree = flatten(_helm_tree(values, service, "settings")) | flatten(_helm_tree(values, service, "secrets"))
    assert provided == {name for name, value in tree.items() if value is not None}
    assert {name for name in provided if not read_by(variables_of(service), name)} == set()
    assert config["NOCTURNA_SERVICE"] == service


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


@pytest.mark.parametrize("service", SERVICES)
def test_compose_provides_exactly_the_settings(service: str) -> None:
    environment = _compose()["services"][service]["environment"]
    assert environment["NOCTURNA_SERVICE"] == service
    settings_env = {name: value for name, value in environment.items() if name not in IMAGE_VARIABLES}
    problems = compose_drift(
        variables_of(service), settings_env, f"docker-compose.yml services.{service}.environment"
    )
    assert not problems, f"docker-compose.yml ≠ {service}'s settings class:\n" + "\n".join(problems)


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


GOOGLE = {
    "discovery_url": "https://accounts.google.com/.well-known/openid-configuration",
    "client_id": "1234-abc.apps.googleusercontent.com",
    "scopes": ["openid", "email"],
}


def _with_google(secret: dict[str, Any]) -> dict[str, Any]:
    auth = {
        "settings": {"oidc": {"providers": {"google": GOOGLE}}},
        "secrets": {"oidc": {"providers": secret}},
    }
    return deep_merge(overlay_values("dev"), {"services": {"auth": auth}, "networkPolicy": {"enabled": True}})


def test_an_oidc_provider_renders_its_fields_to_the_configmap_and_its_client_secret_to_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifests = render_values(_with_google({"google": {"client_secret": "s3cret"}}))
    config = named(manifests, "ConfigMap", "nocturna-auth")["data"]
    secret = named(manifests, "Secret", "nocturna-auth")["stringData"]
    assert {name: value for name, value in config.items() if name.startswith("OIDC__PROVIDERS__")} == {
        "OIDC__PROVIDERS__GOOGLE__DISCOVERY_URL": GOOGLE["discovery_url"],
        "OIDC__PROVIDERS__GOOGLE__CLIENT_ID": GOOGLE["client_id"],
        "OIDC__PROVIDERS__GOOGLE__SCOPES": '["openid","email"]',
    }
    assert {name: value for name, value in secret.items() if name.startswith("OIDC__")} == {
        "OIDC__PROVIDERS__GOOGLE__CLIENT_SECRET": "s3cret"
    }
    provided = {k: v for k, v in config.items() if k not in IMAGE_VARIABLES} | secret
    settings = _settings_from("auth", provided, monkeypatch)
    assert isinstance(settings, AuthSettings)
    google = settings.oidc.providers["google"]
    assert (google.client_id, google.client_secret.get_secret_value()) == (GOOGLE["client_id"], "s3cret")
    assert google.scopes == ["openid", "email"]
    egress = named(manifests, "NetworkPolicy", "nocturna-auth")["spec"]["egress"]
    assert {"ports": [{"port": 443, "protocol": "TCP"}]} in egress
    assert {"ports": [{"port": 443, "protocol": "TCP"}]} not in named(
        render("prod"), "NetworkPolicy", "nocturna-auth"
    )["spec"]["egress"]


def test_an_oidc_provider_without_its_client_secret_does_not_render() -> None:
    with pytest.raises(helm.HelmError, match="OIDC provider google of service auth has no client secret"):
        render_values(_with_google({}))


def _var(name: str, *, secret: bool = False, optional: bool = False) -> EnvVar:
    return EnvVar(name, secret, optional, tuple(name.lower().split("__")))


PROVIDERS = EnvVar(
    "OIDC__PROVIDERS",
    secret=True,
    optional=False,
    path=("oidc", "providers"),
    entry=(
        EnvVar("CLIENT_ID", False, False, ("client_id",)),
        EnvVar("CLIENT_SECRET", True, False, ("client_secret",)),
    ),
)
EXPECTED = {
    "BATCH__SIZE": _var("BATCH__SIZE"),
    "API_KEY": _var("API_KEY", secret=True),
    "OTLP": _var("OTLP", optional=True),
    "OIDC__PROVIDERS": PROVIDERS,
}


def test_the_helm_drift_report_names_each_variable_and_where_it_belongs() -> None:
    settings = {
        "api_key": "k",
        "otlp": None,
        "rate": {"limit": 5},
        "oidc": {"providers": {"google": {"client_id": "x", "client_secret": "s"}}},
    }
    secrets = {"oidc": {"providers": {"google": {}}}}
    assert helm_drift(EXPECTED, settings, secrets, "services.x") == [
        "API_KEY: under services.x.settings, belongs under services.x.secrets",
        "BATCH__SIZE: missing — add `batch.size` under services.x.settings",
        "OIDC__PROVIDERS__GOOGLE__CLIENT_SECRET: under services.x.settings, belongs under services.x.secrets",
        "RATE__LIMIT: not read by the settings class — remove it from services.x.settings",
    ]
    assert helm_drift(EXPECTED, {"batch": {"size": None}, "otlp": None}, {"api_key": "k"}, "services.x") == [
        "BATCH__SIZE: null, but the settings class has no default for it — give `batch.size` a value",
        "OIDC__PROVIDERS: missing — add `oidc.providers` (a map by name, {} for none) under services.x.settings",
        "OIDC__PROVIDERS: missing — add `oidc.providers` (a map by name, {} for none) under services.x.secrets",
    ]


def test_the_compose_drift_report_checks_named_entries_field_by_field() -> None:
    plain = {"BATCH__SIZE": "1", "API_KEY": "k", "OTLP": None}
    assert compose_drift(EXPECTED, plain | {"OIDC__PROVIDERS": "{}"}, "compose") == []
    entries = {"OIDC__PROVIDERS__GOOGLE__CLIENT_ID": "x", "OIDC__PROVIDERS__GOOGLE__SCOPES": "[]"}
    assert compose_drift(EXPECTED, {"API_KEY": None, "EXTRA": "1"} | entries, "compose") == [
        "API_KEY: left unset, but the settings class has no default for it — give it a value",
        "BATCH__SIZE: missing — add it to compose",
        "OIDC__PROVIDERS__GOOGLE__CLIENT_SECRET: missing — add it to compose",
        "OIDC__PROVIDERS__GOOGLE__SCOPES: not read by the settings class — remove it from compose",
        "OTLP: missing — add it to compose",
        "EXTRA: not read by the settings class — remove it from compose",
    ]
    both = plain | {"OIDC__PROVIDERS": "{}", "OIDC__PROVIDERS__GOOGLE__CLIENT_ID": "x"}
    assert [line.split(":")[0] for line in compose_drift(EXPECTED, both, "compose")] == ["OIDC__PROVIDERS"]
