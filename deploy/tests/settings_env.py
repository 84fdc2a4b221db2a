"""The environment variables each service's settings class reads, found by walking its pydantic models."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

from nocturna_auth.settings import AuthSettings
from nocturna_chart.settings import ChartSettings
from nocturna_gateway.settings import GatewaySettings
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.settings import ServiceSettings
from nocturna_subscription.settings import SubscriptionSettings
from pydantic import BaseModel, SecretStr

SETTINGS: dict[str, type[ServiceSettings]] = {
    "auth": AuthSettings,
    "chart": ChartSettings,
    "subscription": SubscriptionSettings,
    "geocoding": GeocodingSettings,
    "gateway": GatewaySettings,
}


@dataclass(frozen=True)
class EnvVar:
    name: str
    secret: bool


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
    for member in _members(annotation):
        if member is SecretStr:
            return True
        if any(_is_secret(arg) for arg in typing.get_args(member)):
            return True
    return False


def environment_variables(model: type[BaseModel], prefix: str = "") -> list[EnvVar]:
    """Leaf settings as `GROUP__FIELD` names (the `__` delimiter of pydantic-settings), nested groups walked."""
    found: list[EnvVar] = []
    for name, field in model.model_fields.items():
        env_name = f"{prefix}{name.upper()}"
        nested = _nested_model(field.annotation)
        if nested is not None:
            found.extend(environment_variables(nested, f"{env_name}__"))
        else:
            found.append(EnvVar(env_name, _is_secret(field.annotation)))
    return found


def variables_of(service: str) -> dict[str, EnvVar]:
    return {var.name: var for var in environment_variables(SETTINGS[service])}
