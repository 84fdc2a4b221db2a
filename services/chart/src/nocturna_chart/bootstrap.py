"""Composition root of the chart service."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI
from nocturna_platform.periodic import PeriodicTask
from nocturna_platform.resilience.breaker import CircuitBreaker
from nocturna_platform.sealing import AesGcmSealer
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_chart.api import batch, charts
from nocturna_chart.api.routes import router
from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.create_chart import ChartPolicy, CreateChartHandler
from nocturna_chart.application.edit_chart import DeleteChartHandler, EditChartHandler
from nocturna_chart.application.erase_user_batches import EraseUserBatchesHandler
from nocturna_chart.application.erase_user_charts import EraseUserChartsHandler
from nocturna_chart.application.project_entitlements import GetEntitlementsHandler, ProjectEntitlementsHandler
from nocturna_chart.application.purge_batches import PurgeCompletedBatchesHandler
from nocturna_chart.application.read_batch import GetBatchHandler
from nocturna_chart.application.read_charts import GetChartHandler, ListChartsHandler
from nocturna_chart.application.reseal_charts import ResealChartsHandler
from nocturna_chart.application.returns import ReturnsHandler
from nocturna_chart.application.run_batch import BatchPacing, RunBatchHandler
from nocturna_chart.application.submit_batch import SubmitBatchHandler
from nocturna_chart.application.synastry import SynastryHandler
from nocturna_chart.application.transits import TransitsHandler
from nocturna_chart.application.use_cases import ChartUseCases
from nocturna_chart.consumers import batch_submitted, subscription_changed, user_deleted
from nocturna_chart.domain.engine import CalculationEngine, HouseSystem
from nocturna_chart.infrastructure.batch_jobs import SqlBatchUnitOfWork
from nocturna_chart.infrastructure.geocoding_client import HttpPlaceDirectory
from nocturna_chart.infrastructure.nocturna_calculations import NocturnaCalculationsEngine
from nocturna_chart.infrastructure.redis_result_cache import RedisResultCache
from nocturna_chart.infrastructure.repositories import SqlChartUnitOfWork
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_chart.infrastructure.tables import MESSAGING, SCHEMA
from nocturna_chart.settings import ChartSettings, RemoteEngineSettings

_logger = logging.getLogger("nocturna.chart")
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class ChartService:
    def __init__(self, settings: ChartSettings | None = None) -> None:
        settings = settings or ChartSettings()
        self.shell = shell = ServiceShell(settings, persistence=Persistence(SCHEMA, MIGRATIONS, MESSAGING))
        assert shell.session_factory is not None
        messaging = shell.messaging
        assert messaging is not None
        uow = partial(SqlChartUnitOfWork, shell.session_factory, MESSAGING, shell.clock, _sealer(settings))
        engine = _engine(settings, shell)
        fallback = HouseSystem(settings.engine.polar_fallback)
        cache = (
            RedisResultCache(
                shell.redis,
                settings.redis_key_prefix,
                settings.result_cache.ttl_seconds,
                shell.metrics.registry,
            )
            if settings.result_cache.enabled
            else None
        )
        if cache is not None:
            shell.on_stop(cache.flush)
        calculator = ChartCalculator(engine, fallback, cache)
        policy = ChartPolicy(settings.quota.unknown_plan_charts_per_month)
        geo = settings.geocoding
        geocoding_http = httpx.AsyncClient(
            base_url=geo.base_url,
            timeout=httpx.Timeout(geo.read_timeout_seconds, connect=geo.connect_timeout_seconds),
        )
        shell.on_stop(geocoding_http.aclose)
        places = HttpPlaceDirectory(geocoding_http)
        batch_uow = partial(
            SqlBatchUnitOfWork, shell.session_factory, MESSAGING, shell.clock, _sealer(settings)
        )
        create_chart = CreateChartHandler(uow, calculator, shell.clock, policy, places)
        pacing = BatchPacing(
            interval=timedelta(seconds=settings.batch.progress_interval_seconds),
            max_chunk=settings.batch.max_chunk_records,
            concurrent_jobs=settings.batch.concurrent_jobs,
        )
        self.use_cases = ChartUseCases(
            project_entitlements=ProjectEntitlementsHandler(uow),
            get_entitlements=GetEntitlementsHandler(uow),
            create_chart=create_chart,
            get_chart=GetChartHandler(uow, calculator),
            list_charts=ListChartsHandler(uow, calculator),
            edit_chart=EditChartHandler(uow, calculator, shell.clock),
            delete_chart=DeleteChartHandler(uow, shell.clock),
            erase_user_charts=EraseUserChartsHandler(uow, shell.clock),
            transits=TransitsHandler(uow, calculator, shell.clock),
            synastry=SynastryHandler(uow, calculator, shell.clock, places),
            reseal_charts=ResealChartsHandler(batch_uow),
            returns=ReturnsHandler(uow, calculator, shell.clock),
            submit_batch=SubmitBatchHandler(batch_uow, shell.clock, policy),
            run_batch=RunBatchHandler(batch_uow, create_chart.create_many, shell.clock, pacing),
            get_batch=GetBatchHandler(batch_uow),
            erase_user_batches=EraseUserBatchesHandler(batch_uow),
        )
        subscription_changed.subscribe(messaging.subscriptions, self.use_cases.project_entitlements)
        user_deleted.subscribe(
            messaging.subscriptions, self.use_cases.erase_user_charts, self.use_cases.erase_user_batches
        )
        batch_submitted.subscribe(messaging.subscriptions, self.use_cases.run_batch)
        self.purge_batches = PurgeCompletedBatchesHandler(
            batch_uow, shell.clock, timedelta(days=settings.batch.retention_days)
        )
        purging = PeriodicTask(
            "chart-batch-retention", self._purge_batches, settings.batch.purge_interval_seconds
        )
        shell.on_start(purging.start)
        shell.on_stop(purging.stop)
        self.app: FastAPI = shell.create_app(
            title="Nocturna chart", version="1.0.0", routers=[router, batch.router, charts.router]
        )
        self.app.state.use_cases = self.use_cases

    async def _purge_batches(self) -> None:
        if purged := await self.purge_batches():
            _logger.info("completed batch jobs past their retention deleted", extra={"jobs": purged})


def _engine(settings: ChartSettings, shell: ServiceShell) -> CalculationEngine:
    """The engine the settings name; a remote engine that fails is never replaced by the local one."""
    if settings.engine.kind == "local":
        return SwissEphemerisEngine(settings.engine.ephemeris_path)
    remote = settings.engine.remote
    http = _remote_http(remote)
    shell.on_stop(http.aclose)
    breaker = CircuitBreaker(
        failure_threshold=remote.breaker_failures, cooldown_seconds=remote.breaker_cooldown_seconds
    )
    return NocturnaCalculationsEngine(
        http,
        breaker,
        max_in_flight=remote.max_in_flight,
        queue_timeout_seconds=remote.queue_timeout_seconds,
        attempts=remote.attempts,
        backoff_seconds=remote.backoff_seconds,
        backoff_max_seconds=remote.backoff_max_seconds,
        registry=shell.metrics.registry,
    )


def _remote_http(remote: RemoteEngineSettings) -> httpx.AsyncClient:
    assert remote.service_token is not None  # the settings refuse kind=remote without one
    return httpx.AsyncClient(
        base_url=remote.base_url,
        headers={"authorization": f"Bearer {remote.service_token.get_secret_value()}"},
        timeout=httpx.Timeout(remote.read_timeout_seconds, connect=remote.connect_timeout_seconds),
        limits=httpx.Limits(
            max_connections=remote.max_in_flight, max_keepalive_connections=remote.max_in_flight
        ),
    )


def _sealer(settings: ChartSettings) -> AesGcmSealer:
    return AesGcmSealer(
        {key_id: key.get_secret_value() for key_id, key in settings.encryption.keys.items()},
        settings.encryption.current_key_id,
    )
