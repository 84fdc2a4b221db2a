"""One trace runs HTTP -> DB -> outbox -> broker -> consumer -> DB, across two services."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.settings import AuthSettings, PasswordHashingSettings
from nocturna_platform.settings import TelemetrySettings
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.plugin import TestRun, isolated_run
from nocturna_platform.testing.serving import serving
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.settings import SubscriptionSettings
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.integration


def test_without_a_collector_nothing_is_traced() -> None:
    """Instrumentation costs a third of a search's CPU: a service with no OTLP endpoint records no spans."""
    assert TelemetrySettings().tracing_enabled is False
    assert TelemetrySettings(otlp_endpoint="http://collector:4318").tracing_enabled is True
    assert TelemetrySettings(otlp_endpoint="http://collector:4318", tracing=False).tracing_enabled is False
    assert SubscriptionService(SubscriptionSettings()).shell.tracer_provider is None


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def own_run(infrastructure: Infrastructure, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestRun]:
    """Its own database and exchange, so no other consumer of the run (the e2e fleet) takes the event."""
    with isolated_run(infrastructure) as run:
        for key, value in run.env().items():
            monkeypatch.setenv(key, value)
        yield run


def _statement(span: ReadableSpan) -> str:
    return str((span.attributes or {}).get("db.statement", ""))


async def test_one_trace_runs_from_the_request_to_the_consumers_write(own_run: TestRun) -> None:
    # No collector here: tracing is switched on explicitly, and the spans read from the process's provider.
    tracing = TelemetrySettings(tracing=True)
    auth = AuthService(
        AuthSettings(
            telemetry=tracing,
            password_hashing=PasswordHashingSettings(time_cost=1, memory_cost_kib=8192),
        )
    )
    subscription = SubscriptionService(SubscriptionSettings(telemetry=tracing))
    exporter = InMemorySpanExporter()
    assert auth.shell.tracer_provider is not None
    auth.shell.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))

    def traced() -> list[ReadableSpan]:
        return [
            s for s in exporter.get_finished_spans() if s.context and f"{s.context.trace_id:032x}" == TRACE_ID
        ]

    def subscription_written() -> bool:
        return any("INSERT INTO subscription.subscriptions" in _statement(s) for s in traced())

    async with serving(subscription), serving(auth) as client:
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "traced@example.com", "password": "correct horse battery staple"},
            headers={"traceparent": TRACEPARENT},
        )
        assert response.status_code == 201, response.text
        async with asyncio.timeout(20):
            while not subscription_written():
                await asyncio.sleep(0.05)

    spans = traced()
    kinds = {span.kind for span in spans}
    assert SpanKind.SERVER in kinds
    assert any("INSERT INTO auth.outbox" in _statement(s) for s in spans)
    assert SpanKind.PRODUCER in kinds
    assert SpanKind.CONSUMER in kinds
