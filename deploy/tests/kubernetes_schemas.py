"""Strict Kubernetes schema validation with kubernetes-validate's bundled (offline) schemas, one validator per
kind and version kept for the session: the library itself re-reads its multi-megabyte definitions per object."""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
import referencing
from kubernetes_validate import utils


@functools.cache
def _definitions(schema_dir: str, version: str) -> referencing.Resource[Any]:
    contents = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    return referencing.Resource.from_contents(contents)


@functools.cache
def _validator(kind: str, api_version: str, version: str) -> jsonschema.protocols.Validator:
    """The same schema files and draft `kubernetes_validate.validate(..., strict=True)` uses."""
    schema_version = [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(version)][
        -1
    ]
    schema_dir = f"v{schema_version}-local-strict"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = utils.schema_contents(
        f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group_version}.json", version
    )
    registry: referencing.Registry[Any] = referencing.Resource.from_contents(schema) @ referencing.Registry()
    registry = _definitions(schema_dir, version) @ registry
    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return validator


def validate(manifest: dict[str, Any], version: str) -> None:
    """Raises jsonschema.ValidationError for an invalid manifest, FileNotFoundError for an unknown kind."""
    _validator(manifest["kind"], manifest["apiVersion"], version).validate(manifest)
