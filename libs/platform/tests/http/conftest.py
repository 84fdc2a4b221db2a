"""A small service built with `create_app`, and a client that talks to it in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header
from nocturna_platform.http.app import create_app
from nocturna_platform.http.health import ReadinessCheck
from nocturna_platform.http.metrics import ServiceMetrics
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.observability.context import bind_user_id, current_request_id, current_user_id
from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field
from starlette.requests import Request

MAX_BODY_BYTES = 2048
USER_ID = "0190a000-0000-7000-8000-000000000001"


class Birth(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Item(BaseModel):
    name: str


class ChartRequest(BaseModel):
    birth: Birth
    items: list[Item] = []


def chart_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/charts")

    @router.post("", status_code=201, responses=problem_responses(409))
    async def create_chart(
        body: ChartRequest,
        limit: int = 10,
        x_client: Annotated[str | None, Header(min_length=3)] = None,
    ) -> dict[str, Any]:
        return {"items": len(body.items), "limit": limit}

    @router.get("/{chart_id}")
    async def get_chart(chart_id: int) -> dict[str, int]:
        return {"chart_id": chart_id}

    @router.get("/{chart_id}/conflict")
    async def conflict(chart_id: int) -> None:
        raise Problem(
            status=409,
            code="chart_locked",
            title="Chart is locked",
            detail="Another calculation is running.",
            errors=[FieldError(field="chart_id", message="locked", code="locked", location="path")],
            headers={"Retry-After": "3"},
            extensions={"chart_id": chart_id, "type": "must not override"},
        )

    return router


def nested_router() -> APIRouter:
    inner = APIRouter(prefix="/places")

    @inner.get("/{place_id}")
    async def get_place(place_id: str) -> dict[str, str]:
        return {"place_id": place_id}

    outer = APIRouter()
    outer.include_router(inner, prefix="/api/v1/geo")
    return outer


async def _raw_body(request: Request) -> bytes:
    return await request.body()


async def _authenticated_user() -> str:
    bind_user_id(USER_ID)
    return USER_ID


def misc_router() -> APIRouter:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("cannot reach postgresql://nocturna:hunter2@db.internal:5432/nocturna")

    @router.post("/upload")
    async def upload(body: bytes = Depends(_raw_body)) -> dict[str, int]:
        return {"received": len(body)}

    @router.get("/whoami")
    async def whoami(user_id: Annotated[str, Depends(_authenticated_user)]) -> dict[str, str | None]:
        return {"user_id": current_user_id(), "request_id": current_request_id()}

    return router


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def metrics() -> ServiceMetrics:
    return ServiceMetrics(process_metrics=False)


@pytest.fixture
def make_app(metrics: ServiceMetrics) -> AppFactory:
    def make(
        *,
        readiness_checks: Sequence[ReadinessCheck] = (),
        lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
        **kwargs: Any,
    ) -> FastAPI:
        settings = ServiceSettings(environment="test", http=HttpSettings(max_body_bytes=MAX_BODY_BYTES))
        return create_app(
            settings=settings,
            title="test service",
            version="1.2.3",
            routers=[chart_router(), nested_router(), misc_router()],
            readiness_checks=readiness_checks,
            metrics=kwargs.pop("metrics", metrics),
            lifespan=lifespan,
            **kwargs,
        )

    return make


@asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


@pytest.fixture
async def client(make_app: AppFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(make_app()) as client:
        yield client


@pytest.fixture
def open_client() -> Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]:
    return _client
