"""Renders the Helm chart offline (helm-python-sdk: Helm's own Go engine in a bundled library, no binary)."""

from __future__ import annotations

import copy
import functools
import json
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "nocturna"
RELEASE = "nocturna"
NAMESPACE = "nocturna"

# Each deployable configuration: the overlays, in the order `helm -f a -f b` applies them.
OVERLAYS: dict[str, tuple[str, ...]] = {
    "dev": ("values-dev.yaml",),
    "staging": ("values-staging.yaml",),
    "prod": ("values-prod.yaml",),
    "feature": ("values-staging.yaml", "values-feature.yaml"),
}
SERVICES = ("auth", "chart", "subscription", "geocoding", "gateway")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def overlay_values(name: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for file in OVERLAYS[name]:
        # Parsed by Helm's own YAML reader, as `helm -f` would.
        values = deep_merge(values, helm.values_from_yaml((CHART / file).read_text()) or {})
    return values


def render_values(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every manifest the chart renders for these values (an install), hooks included, NOTES.txt left out."""
    with helm.Chart.load(str(CHART)) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    manifests: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".txt"):
            continue
        manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return manifests


@functools.cache
def _rendered_json(name: str) -> str:
    return json.dumps(render_values(overlay_values(name)))


def render(name: str) -> list[dict[str, Any]]:
    """The manifests of one configuration (cached: each renders once per test session)."""
    manifests: list[dict[str, Any]] = json.loads(_rendered_json(name))
    return manifests


def declared_values(name: str) -> dict[str, Any]:
    """values.yaml with the overlays merged over it, null leaves kept (Helm's own coalescing drops them: a
    null there means "leave the setting to the service", and the drift test counts it as declared)."""
    return deep_merge(yaml.safe_load((CHART / "values.yaml").read_text()), overlay_values(name))


def of_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def named(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def main(argv: list[str]) -> None:
    """`python -m deploy.tests.chart_rendering prod`: the manifests of one configuration, like `helm template`."""
    if len(argv) != 1 or argv[0] not in OVERLAYS:
        raise SystemExit(f"usage: python -m deploy.tests.chart_rendering {{{'|'.join(OVERLAYS)}}}")
    sys.stdout.write(yaml.safe_dump_all(render(argv[0]), sort_keys=False))


if __name__ == "__main__":
    main(sys.argv[1:])
