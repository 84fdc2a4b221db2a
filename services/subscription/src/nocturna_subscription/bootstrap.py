"""Composition root of the subscription service."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.ids import uuid7
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_subscription.api import admin, routes
from nocturna_subscription.application.manage_plans import AddPlanHandler, RetirePlanHandler
from nocturna_subscription.application.queries import (
    GetMySubscriptionHandler,
    GetMyUsageHandler,
    ListPlansHandler,
)
from nocturna_subscription.application.record_chart_usage import RecordChartUsageHandler
from nocturna_subscription.application.start_free_subscription import StartFreeSubscriptionHandler
from nocturna_subscription.application.use_cases import SubscriptionUseCases
from nocturna_subscription.consumers import chart_calculated, user_registered
from nocturna_subscription.infrastructure.repositories import SqlSubscriptionUnitOfWork
from nocturna_subscription.infrastructure.tables import MESSAGING, SCHEMA
from nocturna_subscription.settings import SubscriptionSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SubscriptionService:
    def __init__(self, settings: SubscriptionSettings | None = None) -> None:
        settings = settings or SubscriptionSettings()
        self.shell = shell = ServiceShell(settings, persistence=Persistence(SCHEMA, MIGRATIONS, MESSAGING))
        assert shell.session_factory is not None
        messaging = shell.messaging
        assert messaging is not None
        uow = partial(SqlSubscriptionUnitOfWork, shell.session_factory, MESSAGING, shell.clock)
        self.use_cases = SubscriptionUseCases(
            start_free_subscription=StartFreeSubscriptionHandler(uow, shell.clock, uuid7),
            get_my_subscription=GetMySubscriptionHandler(uow),
            list_plans=ListPlansHandler(uow),
            record_chart_usage=RecordChartUsageHandler(uow, shell.clock),
            get_my_usage=GetMyUsageHandler(uow, shell.clock),
            add_plan=AddPlanHandler(uow),
            retire_plan=RetirePlanHandler(uow, shell.clock),
        )
        user_registered.subscribe(messaging.subscriptions, self.use_cases.start_free_subscription)
        chart_calculated.subscribe(messaging.subscriptions, self.use_cases.record_chart_usage)
        self.app: FastAPI = shell.create_app(
            title="Nocturna subscription", version="1.0.0", routers=[routes.router, admin.router]
        )
        self.app.state.use_cases = self.use_cases
