"""Composition root of the chart service."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_chart.api.routes import router
from nocturna_chart.application.project_entitlements import GetEntitlementsHandler, ProjectEntitlementsHandler
from nocturna_chart.application.use_cases import ChartUseCases
from nocturna_chart.consumers import subscription_changed
from nocturna_chart.infrastructure.repositories import SqlChartUnitOfWork
from nocturna_chart.infrastructure.tables import MESSAGING, SCHEMA
from nocturna_chart.settings import ChartSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class ChartService:
    def __init__(self, settings: ChartSettings | None = None) -> None:
        settings = settings or ChartSettings()
        self.shell = shell = ServiceShell(settings, persistence=Persistence(SCHEMA, MIGRATIONS, MESSAGING))
        assert shell.session_factory is not None
        messaging = shell.messaging
        assert messaging is not None
        uow = partial(SqlChartUnitOfWork, shell.session_factory, MESSAGING, shell.clock)
        self.use_cases = ChartUseCases(
            project_entitlements=ProjectEntitlementsHandler(uow),
            get_entitlements=GetEntitlementsHandler(uow),
        )
        subscription_changed.subscribe(messaging.subscriptions, self.use_cases.project_entitlements)
        self.app: FastAPI = shell.create_app(title="Nocturna chart", version="1.0.0", routers=[router])
        self.app.state.use_cases = self.use_cases
