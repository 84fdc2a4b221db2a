"""The use cases the subscription entrypoints may call."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_subscription.application.manage_plans import AddPlanHandler, RetirePlanHandler
from nocturna_subscription.application.queries import (
    GetMySubscriptionHandler,
    GetMyUsageHandler,
    ListPlansHandler,
)
from nocturna_subscription.application.record_chart_usage import RecordChartUsageHandler
from nocturna_subscription.application.start_free_subscription import StartFreeSubscriptionHandler


@dataclass(frozen=True)
class SubscriptionUseCases:
    start_free_subscription: StartFreeSubscriptionHandler
    get_my_subscription: GetMySubscriptionHandler
    list_plans: ListPlansHandler
    record_chart_usage: RecordChartUsageHandler
    get_my_usage: GetMyUsageHandler
    add_plan: AddPlanHandler
    retire_plan: RetirePlanHandler
