"""OpenTelemetry tracing: one SDK provider per process, instrumentation of the libraries we use, and W3C trace
context carried through message headers (so one trace runs HTTP -> DB -> outbox -> broker -> consumer)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, MutableMapping, Sequence

from fastapi import FastAPI
from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from nocturna_platform.settings import TelemetrySettings

_TRACES_PATH = "/v1/traces"

_process_provider: TracerProvider | None = None
_traced_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def configure_telemetry(settings: TelemetrySettings, service_name: str) -> TracerProvider:
    """Build the process-wide provider and make it global, with the W3C propagator; later calls return it."""
    global _process_provider  # noqa: PLW0603
    if _process_provider is None:
        provider = build_tracer_provider(settings, service_name)
        trace.set_tracer_provider(provider)
        propagate.set_global_textmap(TraceContextTextMapPropagator())
        _process_provider = provider
    return _process_provider


def build_tracer_provider(settings: TelemetrySettings, service_name: str) -> TracerProvider:
    """A provider exporting over OTLP/HTTP only when an endpoint is set; else spans stay in process."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
    )
    if settings.otlp_endpoint:
        exporter = OTLPSpanExporter(endpoint=_traces_url(settings.otlp_endpoint))
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _traces_url(endpoint: str) -> str:
    """Accept the collector's base URL (as OTEL_EXPORTER_OTLP_ENDPOINT) or the full traces URL."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(_TRACES_PATH) else endpoint + _TRACES_PATH


def instrument_fastapi(app: FastAPI, provider: TracerProvider, *, untraced_paths: Sequence[str] = ()) -> None:
    """Server spans for every request except `untraced_paths` (probes, scrapes); no per-message send spans."""
    excluded = ",".join(re.escape(path) + "$" for path in untraced_paths) or None
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls=excluded, exclude_spans=["receive", "send"]
    )


def instrument_httpx(provider: TracerProvider) -> None:
    """Client spans and trace headers for every httpx client in the process (first call wins)."""
    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def instrument_redis(provider: TracerProvider) -> None:
    """Client spans for every redis client in the process (first call wins)."""
    instrumentor = RedisInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def instrument_sqlalchemy(engine: AsyncEngine, provider: TracerProvider) -> None:
    """Query spans for this engine only; unlike SQLAlchemyInstrumentor it patches nothing global, so each
    engine (one per service, several in tests) can be instrumented, once."""
    sync_engine = engine.sync_engine
    if sync_engine in _traced_engines:
        return
    tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    connections_usage = metrics.get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
        name="db.client.connections.usage", unit="connections"
    )
    EngineTracer(tracer, sync_engine, connections_usage)  # type: ignore[no-untyped-call]
    _traced_engines.add(sync_engine)


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, to store on an outbox row; None outside any trace."""
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


def inject_headers(headers: MutableMapping[str, str], context: Context | None = None) -> None:
    """Write the trace context (of `context`, or the current one) into outgoing message headers."""
    propagate.inject(headers, context=context)


def extract_context(headers: Mapping[str, object]) -> Context:
    """The trace context carried by incoming message headers (non-text values are ignored)."""
    carrier: dict[str, str] = {}
    for key, value in headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if isinstance(text, str):
            carrier[key.lower()] = text
    return propagate.extract(carrier)
