from __future__ import annotations

import logging
import warnings

import pytest
from nocturna_platform.observability.telemetry import (
    build_tracer_provider,
    configure_telemetry,
    current_traceparent,
    extract_context,
    inject_headers,
    instrument_httpx,
    instrument_redis,
    instrument_sqlalchemy,
)
from nocturna_platform.settings import TelemetrySettings
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import create_async_engine

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def _span_processors(provider: TracerProvider) -> tuple[object, ...]:
    # The SDK has no public accessor for its processors.
    return tuple(provider._active_span_processor._span_processors)


def _recording_provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider(TelemetrySettings(), "chart")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def test_without_an_endpoint_no_exporter_is_installed_and_nothing_is_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        warnings.catch_warnings(record=True) as caught,
        caplog.at_level(logging.DEBUG, logger="opentelemetry"),
    ):
        warnings.simplefilter("always")
        provider = build_tracer_provider(TelemetrySettings(otlp_endpoint=None), "chart")
        with provider.get_tracer("test").start_as_current_span("work") as span:
            assert span.get_span_context().is_valid
        provider.shutdown()

    assert _span_processors(provider) == ()
    assert caught == []
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert provider.resource.attributes["service.name"] == "chart"


def test_with_an_endpoint_spans_are_batched_to_otlp() -> None:
    provider = build_tracer_provider(TelemetrySettings(otlp_endpoint="http://collector:4318"), "chart")
    try:
        [processor] = _span_processors(provider)
        assert isinstance(processor, BatchSpanProcessor)
    finally:
        provider.shutdown()


def test_sampling_follows_the_ratio_for_roots_and_the_parent_otherwise() -> None:
    provider = build_tracer_provider(TelemetrySettings(sample_ratio=0.0), "chart")
    tracer = provider.get_tracer("test")

    with tracer.start_as_current_span("root") as root:
        assert not root.get_span_context().trace_flags.sampled
    with tracer.start_as_current_span(
        "child", context=extract_context({"traceparent": TRACEPARENT})
    ) as child:
        assert child.get_span_context().trace_flags.sampled


def test_configure_telemetry_is_idempotent_and_global() -> None:
    first = configure_telemetry(TelemetrySettings(), "chart")
    second = configure_telemetry(TelemetrySettings(sample_ratio=0.5), "other")

    assert first is second
    assert trace.get_tracer_provider() is first


def test_trace_context_round_trips_through_message_headers() -> None:
    provider, exporter = _recording_provider()
    tracer = provider.get_tracer("test")

    assert current_traceparent() is None
    with tracer.start_as_current_span("publish") as producer:
        traceparent = current_traceparent()
        headers: dict[str, str] = {}
        inject_headers(headers)
    assert traceparent is not None
    assert headers["traceparent"] == traceparent

    incoming: dict[str, object] = {"Traceparent": traceparent.encode("ascii"), "x-retries": 2}
    with tracer.start_as_current_span("consume", context=extract_context(incoming)) as consumer:
        pass

    producer_context, consumer_context = producer.get_span_context(), consumer.get_span_context()
    assert consumer_context.trace_id == producer_context.trace_id
    [_, consumed] = exporter.get_finished_spans()
    assert consumed.parent is not None
    assert consumed.parent.span_id == producer_context.span_id


def test_traceparent_has_the_w3c_shape() -> None:
    provider, _ = _recording_provider()

    with provider.get_tracer("test").start_as_current_span(
        "work", context=extract_context({"traceparent": TRACEPARENT})
    ):
        traceparent = current_traceparent()

    assert traceparent is not None
    version, trace_id, span_id, flags = traceparent.split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert len(span_id) == 16


async def test_an_engine_is_instrumented_once() -> None:
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    provider, _ = _recording_provider()
    try:
        instrument_sqlalchemy(engine, provider)
        instrument_sqlalchemy(engine, provider)

        assert len(engine.sync_engine.dispatch.before_cursor_execute) == 1
    finally:
        await engine.dispose()


def test_library_instrumentation_can_be_requested_more_than_once(caplog: pytest.LogCaptureFixture) -> None:
    provider, _ = _recording_provider()

    try:
        with caplog.at_level(logging.WARNING):
            instrument_httpx(provider)
            instrument_httpx(provider)
            instrument_redis(provider)
            instrument_redis(provider)

        assert caplog.records == []
    finally:
        # The instrumentation patches the libraries process-wide; leave them as other tests expect.
        HTTPXClientInstrumentor().uninstrument()
        RedisInstrumentor().uninstrument()
