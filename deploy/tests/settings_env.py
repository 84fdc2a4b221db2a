"""The environment variables each service reads: its settings class walked field by field (pydantic-settings
joins nested groups with `__`), less the groups of subsystems its shell does not run (no database, no broker)."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass

from nocturna_auth.bootstrap import AuthService
from nocturna_auth.settings import AuthSettings
from nocturna_chart.bootstrap import ChartService
from nocturna_chart.settings import ChartSettings
from nocturna_gateway.bootstrap import GatewayService
from nocturna_gateway.settings import GatewaySettings
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.settings import ServiceSettings
from nocturna_platform.shell import ServiceShell
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.settings import SubscriptionSettings
from pydantic import BaseModel, SecretStr

SETTINGS: dict[str, type[ServiceSettings]] = {
    "auth": AuthSettings,
    "chart": ChartSettings,
    "subscription": SubscriptionSettings,
    "geocoding": GeocodingSettings,
    "gateway": GatewaySettings,
}
_BUILDERS: dict[str, Callable[[], typing.Any]] = {
    "auth": AuthService,
    "chart": ChartService,
    "subscription": SubscriptionService,
    "geocoding": GeocodingService,
    "gateway": GatewayService,
}
# Settings of the database and of the broker; a service without one never reads them.
DATABASE_VARIABLES = ("DATABASE_URL", "DATABASE_POOL__")
BROKER_VARIABLES = ("AMQP_URL", "MESSAGING__", "OUTBOX__")


@dataclass(frozen=True)
class EnvVar:
    name: str
    secret: bool
    optional: bool  # None by default: deployments may leave it unset


def _members(annotation: object) -> tuple[object, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return (annotation,)


def _nested_model(annotation: object) -> type[BaseModel] | None:
    members = _members(annotation)
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel):
        return members[0]
    return None


def _is_secret(annotation: object) -> bool:
    return any(
        member is SecretStr or any(_is_secret(arg) for arg in typing.get_args(member))
        for member in _members(annotation)
    )


def environment_variables(model: type[BaseModel], prefix: str = "") -> list[EnvVar]:
    """Every leaf setting of `model` as the environment variable pydantic-settings reads for it."""
    found: list[EnvVar] = []
    for name, field in model.model_fields.items():
        env_name = f"{prefix}{name.upper()}"
        nested = _nested_model(field.annotation)
        if nested is not None:
            found.extend(environment_variables(nested, f"{env_name}__"))
        else:
            optional = field.default is None and field.default_factory is None
            found.append(EnvVar(env_name, _is_secret(field.annotation), optional))
    return found


@functools.cache
def _shell_uses(service: str) -> tuple[bool, bool]:
    """Whether the service's shell runs a database engine and a broker (built, never started)."""
    shell: ServiceShell = _BUILDERS[service]().shell
    return shell.engine is not None, shell.messaging is not None


def variables_of(service: str) -> dict[str, EnvVar]:
    uses_database, uses_broker = _shell_uses(service)
    unused = (() if uses_database else DATABASE_VARIABLES) + (() if uses_broker else BROKER_VARIABLES)
    return {
        var.name: var for var in environment_variables(SETTINGS[service]) if not var.name.startswith(unused)
    }


def uses(service: str) -> dict[str, bool]:
    uses_database, uses_broker = _shell_uses(service)
    return {"database": uses_database, "broker": uses_broker}
