from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
from fastapi import FastAPI
from nocturna_platform.http.metrics import ServiceMetrics
from prometheus_client import Counter

OpenClient = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]


def _requests(metrics: ServiceMetrics, method: str, route: str, status: str) -> float:
    value = metrics.registry.get_sample_value(
        "http_requests_total", {"method": method, "route": route, "status": status}
    )
    return value or 0.0


async def test_requests_are_counted_by_route_template_never_by_raw_path(
    client: httpx.AsyncClient, metrics: ServiceMetrics
) -> None:
    await client.get("/api/v1/charts/1")
    await client.get("/api/v1/charts/2")
    await client.get("/api/v1/charts/x")
    await client.get("/api/v1/geo/places/berlin")
    await client.get("/no/such/path/123")

    assert _requests(metrics, "GET", "/api/v1/charts/{chart_id}", "200") == 2
    assert _requests(metrics, "GET", "/api/v1/charts/{chart_id}", "422") == 1
    assert _requests(metrics, "GET", "/api/v1/geo/places/{place_id}", "200") == 1
    assert _requests(metrics, "GET", "<unmatched>", "404") == 1
    routes = {
        sample.labels["route"]
        for family in metrics.registry.collect()
        for sample in family.samples
        if "route" in sample.labels
    }
    assert not any(route.endswith(("/1", "/2", "/x", "berlin", "123")) for route in routes)


async def test_durations_and_in_progress_are_recorded(
    client: httpx.AsyncClient, metrics: ServiceMetrics
) -> None:
    await client.get("/api/v1/charts/1")

    labels = {"method": "GET", "route": "/api/v1/charts/{chart_id}"}
    assert metrics.registry.get_sample_value("http_request_duration_seconds_count", labels) == 1
    assert (
        metrics.registry.get_sample_value("http_request_duration_seconds_bucket", {**labels, "le": "10.0"})
        == 1
    )
    assert metrics.registry.get_sample_value("http_requests_in_progress") == 0


async def test_server_errors_and_odd_methods_are_counted(
    client: httpx.AsyncClient, metrics: ServiceMetrics
) -> None:
    await client.get("/boom")
    await client.request("BREW", "/api/v1/charts/1")

    assert _requests(metrics, "GET", "/boom", "500") == 1
    assert _requests(metrics, "OTHER", "/api/v1/charts/{chart_id}", "405") == 1


async def test_metrics_endpoint_renders_the_app_registry_including_foreign_collectors(
    client: httpx.AsyncClient, metrics: ServiceMetrics
) -> None:
    outbox_published = Counter("outbox_published", "Events published.", registry=metrics.registry)
    outbox_published.inc(3)
    await client.get("/api/v1/charts/1")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert (
        'http_requests_total{method="GET",route="/api/v1/charts/{chart_id}",status="200"} 1.0'
        in response.text
    )
    assert "outbox_published_total 3.0" in response.text
    assert "# TYPE http_request_duration_seconds histogram" in response.text


async def test_each_app_has_its_own_registry(
    make_app: Callable[..., FastAPI], open_client: OpenClient
) -> None:
    first, second = ServiceMetrics(process_metrics=False), ServiceMetrics(process_metrics=False)
    async with open_client(make_app(metrics=first)) as first_client:
        await first_client.get("/api/v1/charts/1")
    async with open_client(make_app(metrics=second)) as second_client:
        await second_client.get("/api/v1/charts/1")
        await second_client.get("/api/v1/charts/1")

    assert _requests(first, "GET", "/api/v1/charts/{chart_id}", "200") == 1
    assert _requests(second, "GET", "/api/v1/charts/{chart_id}", "200") == 2


def test_process_metrics_are_included_by_default() -> None:
    metrics = ServiceMetrics()

    assert b"process_cpu_seconds_total" in metrics.render()
    assert b"python_info" in metrics.render()
