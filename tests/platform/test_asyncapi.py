"""The committed AsyncAPI document is the one the brokers generate, and it shows every contract event."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from nocturna_contracts import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "asyncapi.json"


def test_the_committed_document_is_what_the_brokers_generate() -> None:
    # a process of its own: building the services configures process-wide logging and tracing
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "asyncapi.py"), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def envelope_of(document: dict[str, Any], channel: dict[str, Any]) -> dict[str, Any]:
    (message,) = channel["messages"].values()
    return resolve(document, resolve(document, message)["payload"])


def operations(document: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [op for op in document["operations"].values() if op["action"] == action]


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_contract_event_is_published_on_its_channel_with_its_schema(
    document: dict[str, Any], event_type: str
) -> None:
    channel = document["channels"][event_type]
    assert channel["address"] == event_type
    assert channel["bindings"]["amqp"]["exchange"] == {
        "name": "nocturna.events",
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "/",
    }
    assert [resolve(document, op["channel"]) for op in operations(document, "send")].count(channel) == 1

    envelope = envelope_of(document, channel)
    assert envelope["properties"]["event_type"]["const"] == event_type
    payload = resolve(document, envelope["properties"]["payload"])
    expected = EVENT_TYPES[event_type].model_json_schema()
    assert payload["properties"].keys() == expected["properties"].keys()
    assert payload["required"] == expected["required"]


def test_every_consumed_queue_carries_the_envelope_of_the_event_it_is_bound_to(
    document: dict[str, Any],
) -> None:
    queues = {}
    for operation in operations(document, "receive"):
        channel = resolve(document, operation["channel"])
        event_type = channel["address"]
        assert event_type in EVENT_TYPES
        assert envelope_of(document, channel)["properties"]["event_type"]["const"] == event_type
        queues[channel["bindings"]["amqp"]["queue"]["name"]] = event_type

    walking_skeleton = {
        "subscription.auth.user.registered.v1": "auth.user.registered.v1",
        "chart.subscription.subscription.changed.v1": "subscription.subscription.changed.v1",
    }
    assert queues.items() >= walking_skeleton.items()
