"""The environment variables each service reads: its settings class walked field by field (pydantic-settings
joins nested groups with `__`), less the groups of subsystems its shell does not run (no database, no broker).

A map of models keyed by name (`oidc.providers: dict[str, OidcProviderSettings]`) is one variable family:
`OIDC__PROVIDERS__<NAME>__<FIELD>` for each entry, whose fields (`EnvVar.entry`) are walked the same way. Maps of
plain values (`encryption.keys: dict[str, SecretStr]`) stay one JSON variable."""

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
    path: tuple[str, ...] = ()  # the field names leading to it: its keys in the chart's values trees
    entry: tuple[
        EnvVar, ...
    ] = ()  # a map of models keyed by name: the variables of one entry (names relative)

    @property
    def is_map(self) -> bool:
        return bool(self.entry)


def _members(annotation: object) -> tuple[object, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return (annotation,)


def _nested_model(annotation: object) -> type[BaseModel] | None:
    members = _members(annotation)
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel):
        return members[0]
    return None


def _map_entry_model(annotation: object) -> type[BaseModel] | None:
    """The model of `dict[str, Model]` (a map of named entries), else None."""
    members = _members(annotation)
    if len(members) != 1 or typing.get_origin(members[0]) is not dict:
        return None
    value = typing.get_args(members[0])[1]
    return value if isinstance(value, type) and issubclass(value, BaseModel) else None


def _is_secret(annotation: object) -> bool:
    return any(
        member is SecretStr or any(_is_secret(arg) for arg in typing.get_args(member))
        for member in _members(annotation)
    )


def environment_variables(
    model: type[BaseModel], prefix: str = "", path: tuple[str, ...] = ()
) -> list[EnvVar]:
    """Every leaf setting of `model` as the environment variable pydantic-settings reads for it."""
    found: list[EnvVar] = []
    for name, field in model.model_fields.items():
        env_name = f"{prefix}{name.upper()}"
        field_path = (*path, name)
        nested = _nested_model(field.annotation)
        entry_model = _map_entry_model(field.annotation)
        if nested is not None:
            found.extend(environment_variables(nested, f"{env_name}__", field_path))
        elif entry_model is not None:
            entry = tuple(environment_variables(entry_model))
            secret = any(var.secret for var in entry)
            found.append(EnvVar(env_name, secret, optional=False, path=field_path, entry=entry))
        else:
            optional = field.default is None and field.default_factory is None
            found.append(EnvVar(env_name, _is_secret(field.annotation), optional, field_path))
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
