"""Where a deployment's variables and a settings class part ways, as one readable line per difference: what is
missing, where it belongs (the values key, the compose entry), what nobody reads, what sits on the wrong side
of the ConfigMap/Secret line. The drift tests fail with these lines, so the fix reads straight off them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deploy.tests.settings_env import EnvVar

# Settings whose value is a map passed as one JSON variable (the chart's `nocturna.jsonMapSettings`).
JSON_MAP_SETTINGS = frozenset({"ENCRYPTION__KEYS", "BILLING__STRIPE_PRICES"})


def flatten(
    tree: Mapping[str, Any], whole: frozenset[str] = JSON_MAP_SETTINGS, prefix: str = ""
) -> dict[str, Any]:
    """The chart's naming rule: snake_case keys upper-cased, nested groups joined with `__`; the names in
    `whole` keep their value as it is (a JSON map, or a map of named entries looked at entry by entry)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key.upper()}"
        if isinstance(value, dict) and name not in whole:
            flat.update(flatten(value, whole, f"{name}__"))
        else:
            flat[name] = value
    return flat


def _key(var: EnvVar) -> str:
    return ".".join(var.path) if var.path else var.name.lower()


def helm_drift(
    expected: Mapping[str, EnvVar], settings: Mapping[str, Any], secrets: Mapping[str, Any], where: str
) -> list[str]:
    """Differences between the settings class and one service's merged `settings`/`secrets` values trees.
    `where` names the service's values (`services.auth`); a map of named entries is checked entry by entry."""
    whole = JSON_MAP_SETTINGS | frozenset(name for name, var in expected.items() if var.is_map)
    return _drift(expected, flatten(settings, whole), flatten(secrets, whole), where)


def _drift(
    expected: Mapping[str, EnvVar],
    flat_settings: Mapping[str, Any],
    flat_secrets: Mapping[str, Any],
    where: str,
) -> list[str]:
    problems: list[str] = []
    for name, var in sorted(expected.items()):
        side, wrong = ("secrets", "settings") if var.secret else ("settings", "secrets")
        if var.is_map:
            problems += _helm_map_drift(var, flat_settings, flat_secrets, where)
        elif name not in flat_settings and name not in flat_secrets:
            problems.append(f"{name}: missing — add `{_key(var)}` under {where}.{side}")
        elif name in (flat_settings if var.secret else flat_secrets):
            problems.append(f"{name}: under {where}.{wrong}, belongs under {where}.{side}")
        elif {**flat_settings, **flat_secrets}[name] is None and not var.optional:
            problems.append(
                f"{name}: null, but the settings class has no default for it — give `{_key(var)}` a value"
            )
    for name in sorted((set(flat_settings) | set(flat_secrets)) - set(expected)):
        side = "settings" if name in flat_settings else "secrets"
        problems.append(f"{name}: not read by the settings class — remove it from {where}.{side}")
    return problems


def _helm_map_drift(
    var: EnvVar, flat_settings: Mapping[str, Any], flat_secrets: Mapping[str, Any], where: str
) -> list[str]:
    """A map of named entries: the map itself under `settings` (and under `secrets` when an entry has secret
    fields: each entry's secret fields go there, under the same name), then each entry like a settings group."""
    problems: list[str] = []
    entries: dict[str, dict[str, Any]] = {"settings": {}, "secrets": {}}
    for side, flat, secret in (("settings", flat_settings, False), ("secrets", flat_secrets, True)):
        needed = any(field.secret == secret for field in var.entry)
        value = flat.get(var.name)
        if not needed and var.name in flat:
            problems.append(
                f"{var.name}: no entry field belongs under {side} — remove `{_key(var)}` from {where}.{side}"
            )
        elif needed and not isinstance(value, dict):
            problems.append(
                f"{var.name}: missing — add `{_key(var)}` (a map by name, {{}} for none) under {where}.{side}"
            )
        elif needed:
            entries[side] = value
    for entry_name in sorted(set(entries["settings"]) | set(entries["secrets"])):
        prefix = f"{var.name}__{entry_name.upper()}__"
        fields = {
            f"{prefix}{field.name}": EnvVar(
                f"{prefix}{field.name}", field.secret, field.optional, (*var.path, entry_name, *field.path)
            )
            for field in var.entry
        }
        entry_settings = flatten(entries["settings"].get(entry_name) or {}, prefix=prefix)
        entry_secrets = flatten(entries["secrets"].get(entry_name) or {}, prefix=prefix)
        problems += _drift(fields, entry_settings, entry_secrets, where)
    return problems


def compose_drift(expected: Mapping[str, EnvVar], environment: Mapping[str, Any], where: str) -> list[str]:
    """Differences between the settings class and one compose service's `environment`. A map of named entries
    is either one JSON variable (`OIDC__PROVIDERS: "{}"`) or every field of each entry, never both."""
    problems: list[str] = []
    claimed: set[str] = set()
    for name, var in sorted(expected.items()):
        if var.is_map:
            entry_vars = {n for n in environment if n.startswith(f"{name}__")}
            claimed |= entry_vars
            problems += _compose_map_drift(var, environment, entry_vars, where)
        elif name not in environment:
            problems.append(f"{name}: missing — add it to {where}")
        elif environment[name] is None and not var.optional:
            problems.append(
                f"{name}: left unset, but the settings class has no default for it — give it a value"
            )
    for name in sorted(set(environment) - set(expected) - claimed):
        problems.append(f"{name}: not read by the settings class — remove it from {where}")
    return problems


def _compose_map_drift(
    var: EnvVar, environment: Mapping[str, Any], entry_vars: set[str], where: str
) -> list[str]:
    if var.name in environment and entry_vars:
        return [
            f"{var.name}: given both as one JSON variable and as {sorted(entry_vars)[0]}, … in {where} — "
            "pydantic-settings would take either, depending on their order: keep one form"
        ]
    if var.name in environment:
        return []
    if not entry_vars:
        return [
            f'{var.name}: missing — add `{var.name}: "{{}}"` (no entries) or each entry\'s variables to {where}'
        ]
    fields = {field.name: field for field in var.entry}
    by_entry: dict[str, set[str]] = {}
    problems: list[str] = []
    for name in entry_vars:
        entry_name, _, field = name.removeprefix(f"{var.name}__").partition("__")
        by_entry.setdefault(entry_name, set()).add(field)
    for entry_name, given in sorted(by_entry.items()):
        prefix = f"{var.name}__{entry_name}__"
        problems += [f"{prefix}{field}: missing — add it to {where}" for field in sorted(set(fields) - given)]
        problems += [
            f"{prefix}{field}: not read by the settings class — remove it from {where}"
            for field in sorted(given - set(fields))
        ]
        problems += [
            f"{prefix}{field}: left unset, but the settings class has no default for it — give it a value"
            for field in sorted(given & set(fields))
            if environment[f"{prefix}{field}"] is None and not fields[field].optional
        ]
    return problems


def read_by(expected: Mapping[str, EnvVar], name: str) -> bool:
    """Whether a rendered variable is one the settings class reads (maps of named entries: any entry's field)."""
    if name in expected:
        return True
    for var in expected.values():
        if var.is_map and name.startswith(f"{var.name}__"):
            _, _, field = name.removeprefix(f"{var.name}__").partition("__")
            if field in {entry_field.name for entry_field in var.entry}:
                return True
    return False
