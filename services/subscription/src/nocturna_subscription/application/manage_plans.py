"""Use cases: an admin adds a plan to the catalogue or retires one (its subscribers keep it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.subscriptions import FREE_PLAN, Plan


class PlanExists(Exception):
    """A plan with this code exists already (retired or not: codes are never reused)."""


class PlanNotFound(LookupError):
    pass


class PlanNotRetirable(Exception):
    """The free plan is where every new user starts; it cannot be retired."""


class AddPlanHandler:
    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, plan: Plan) -> Plan:
        async with self._uow() as uow:
            if await uow.plans.get(plan.code) is not None:
                raise PlanExists(plan.code)
            await uow.plans.add(plan)
            await uow.commit()
        return plan


class RetirePlanHandler:
    """Idempotent: retiring a retired plan changes nothing. Subscriptions on it are untouched."""

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, code: str) -> None:
        if code == FREE_PLAN:
            raise PlanNotRetirable(code)
        async with self._uow() as uow:
            if await uow.plans.get(code) is None:
                raise PlanNotFound(code)
            await uow.plans.retire(code, self._clock())
            await uow.commit()
