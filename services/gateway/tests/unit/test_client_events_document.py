from __future__ import annotations

from nocturna_gateway.api_docs.client_events import WEBSOCKET_PATH, client_asyncapi


def test_the_socket_document_lists_the_users_own_events_and_no_internal_ones() -> None:
    document = client_asyncapi("1.0.0")
    messages = document["components"]["messages"]
    assert document["channels"]["events"]["address"] == WEBSOCKET_PATH
    assert {
        "chart.chart.calculated.v1",
        "chart.batch.progressed.v1",
        "subscription.subscription.changed.v1",
        "subscription.quota.threshold_reached.v1",
    } <= set(messages)
    assert not any(name.startswith("auth.") for name in messages)
    changed = messages["subscription.subscription.changed.v1"]["payload"]
    assert changed["properties"]["data"] == {"$ref": "#/components/schemas/SubscriptionChanged"}
    assert "Entitlements" in document["components"]["schemas"]
