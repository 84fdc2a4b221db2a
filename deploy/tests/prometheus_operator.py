"""Validation of the Prometheus operator's kinds (ServiceMonitor, PrometheusRule): the pydantic models generated
from the operator's CRDs (cloudcoil-models-prometheus-operator) check types and patterns; they tolerate
unknown fields, so these are looked for here, which makes the check as strict as the Kubernetes one."""

from __future__ import annotations

import types
import typing
from typing import Any

from cloudcoil.models.prometheus_operator import v1
from pydantic import BaseModel

MODELS: dict[str, type[BaseModel]] = {
    "ServiceMonitor": v1.ServiceMonitor,
    "PrometheusRule": v1.PrometheusRule,
}
# Object metadata is Kubernetes' own (validated by its schema elsewhere); labels and annotations are free maps.
_FREE_FORM = {"metadata"}


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
    return []


def unknown_fields(model: type[BaseModel], data: Any, path: str = "") -> list[str]:
    """Paths of keys in `data` that `model` (recursively) does not declare."""
    if isinstance(data, list):
        return [
            problem for i, item in enumerate(data) for problem in unknown_fields(model, item, f"{path}[{i}]")
        ]
    if not isinstance(data, dict):
        return []
    by_alias = {field.alias or name: field for name, field in model.model_fields.items()}
    problems: list[str] = []
    for key, value in data.items():
        field = by_alias.get(key)
        if field is None:
            problems.append(f"{path}.{key}")
        elif key not in _FREE_FORM:
            for nested in _models_in(field.annotation):
                problems.extend(unknown_fields(nested, value, f"{path}.{key}"))
    return problems


def validate(manifest: dict[str, Any]) -> None:
    """Raises pydantic.ValidationError for a wrong value, ValueError naming unknown fields."""
    model = MODELS[manifest["kind"]]
    model.model_validate(manifest)
    unknown = unknown_fields(model, manifest)
    if unknown:
        raise ValueError(f"{manifest['kind']} has unknown fields: {', '.join(unknown)}")
