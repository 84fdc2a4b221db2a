"""Composition root of the subscription service."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.ids import uuid7
from nocturna_platform.sealing import AesGcmSealer
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_subscription.api import admin, billing, portal, routes
from nocturna_subscription.application.change_plan import (
    CancelSubscriptionHandler,
    DowngradeSubscriptionHandler,
)
from nocturna_subscription.application.close_account import CloseAccountHandler
from nocturna_subscription.application.grant_plan import GrantPlanHandler
from nocturna_subscription.application.manage_plans import AddPlanHandler, RetirePlanHandler
from nocturna_subscription.application.open_billing_portal import OpenBillingPortalHandler
from nocturna_subscription.application.process_billing_webhook import ProcessBillingWebhookHandler
from nocturna_subscription.application.queries import (
    GetMySubscriptionHandler,
    GetMyUsageHandler,
    ListPlansHandler,
    SearchSubscriptionsHandler,
)
from nocturna_subscription.application.record_chart_usage import RecordChartUsageHandler
from nocturna_subscription.application.record_chart_usage_batch import RecordChartUsageBatchHandler
from nocturna_subscription.application.record_email_verification import RecordEmailVerificationHandler
from nocturna_subscription.application.sandbox_billing import SandboxBillingHandler
from nocturna_subscription.application.start_checkout import StartCheckoutHandler
from nocturna_subscription.application.start_free_subscription import StartFreeSubscriptionHandler
from nocturna_subscription.application.use_cases import SubscriptionUseCases
from nocturna_subscription.consumers import (
    chart_calculated,
    user_deleted,
    user_email_verified,
    user_registered,
)
from nocturna_subscription.domain.billing import BillingProvider, BillingProviders
from nocturna_subscription.infrastructure.repositories import SqlSubscriptionUnitOfWork
from nocturna_subscription.infrastructure.sandbox_billing import SandboxBillingProvider
from nocturna_subscription.infrastructure.stripe_billing import StripeBillingProvider
from nocturna_subscription.infrastructure.tables import MESSAGING, SCHEMA
from nocturna_subscription.settings import BillingSettings, SubscriptionSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _stripe(settings: BillingSettings) -> StripeBillingProvider | None:
    if settings.stripe_api_key is None or settings.stripe_webhook_secret is None:
        return None
    return StripeBillingProvider(
        api_key=settings.stripe_api_key.get_secret_value(),
        webhook_secret=settings.stripe_webhook_secret.get_secret_value(),
        prices=settings.stripe_prices,
        success_url=settings.success_url,
        cancel_url=settings.cancel_url,
        portal_return_url=settings.portal_return_url,
        tolerance_seconds=settings.webhook_tolerance_seconds,
    )


class SubscriptionService:
    def __init__(self, settings: SubscriptionSettings | None = None) -> None:
        settings = settings or SubscriptionSettings()
        self.shell = shell = ServiceShell(settings, persistence=Persistence(SCHEMA, MIGRATIONS, MESSAGING))
        assert shell.session_factory is not None
        messaging = shell.messaging
        assert messaging is not None
        keys = settings.billing
        sealer = AesGcmSealer(
            {keys.encryption_key_id: keys.encryption_key.get_secret_value()}, keys.encryption_key_id
        )
        uow = partial(SqlSubscriptionUnitOfWork, shell.session_factory, MESSAGING, shell.clock, sealer=sealer)
        sandbox = SandboxBillingProvider(
            settings.billing.sandbox_webhook_secret.get_secret_value(),
            settings.billing.public_base_url,
            settings.billing.webhook_tolerance_seconds,
        )
        stripe = _stripe(settings.billing)
        # Webhooks of every configured provider are accepted (subscriptions keep their provider across a switch)
        providers: dict[str, BillingProvider] = {sandbox.name: sandbox}
        if stripe is not None:
            providers[stripe.name] = stripe
        provider = providers[settings.billing.provider]
        billing_providers = BillingProviders(default=provider, by_name=providers)
        process_webhook = ProcessBillingWebhookHandler(uow, providers, shell.clock)
        self.use_cases = SubscriptionUseCases(
            start_free_subscription=StartFreeSubscriptionHandler(uow, shell.clock, uuid7),
            get_my_subscription=GetMySubscriptionHandler(uow),
            list_plans=ListPlansHandler(uow),
            record_chart_usage=RecordChartUsageHandler(uow, shell.clock),
            record_chart_usage_batch=RecordChartUsageBatchHandler(uow, shell.clock),
            get_my_usage=GetMyUsageHandler(uow, shell.clock),
            add_plan=AddPlanHandler(uow),
            retire_plan=RetirePlanHandler(uow, shell.clock),
            start_checkout=StartCheckoutHandler(uow, provider, shell.clock, uuid7),
            open_billing_portal=OpenBillingPortalHandler(uow, billing_providers),
            process_billing_webhook=process_webhook,
            cancel_subscription=CancelSubscriptionHandler(uow, billing_providers, shell.clock),
            downgrade_subscription=DowngradeSubscriptionHandler(uow, billing_providers, shell.clock),
            close_account=CloseAccountHandler(uow, billing_providers, shell.clock),
            record_email_verification=RecordEmailVerificationHandler(uow),
            grant_plan=GrantPlanHandler(uow, shell.clock),
            search_subscriptions=SearchSubscriptionsHandler(uow),
            sandbox=SandboxBillingHandler(uow, sandbox, process_webhook, shell.clock, uuid7)
            if settings.billing.provider == "sandbox"
            else None,
        )
        user_registered.subscribe(messaging.subscriptions, self.use_cases.start_free_subscription)
        user_deleted.subscribe(messaging.subscriptions, self.use_cases.close_account)
        user_email_verified.subscribe(messaging.subscriptions, self.use_cases.record_email_verification)
        chart_calculated.subscribe(
            messaging.subscriptions,
            self.use_cases.record_chart_usage,
            self.use_cases.record_chart_usage_batch,
        )
        self.app: FastAPI = shell.create_app(
            title="Nocturna subscription",
            version="1.0.0",
            routers=[routes.router, billing.router, portal.router, admin.router],
        )
        self.app.state.use_cases = self.use_cases
