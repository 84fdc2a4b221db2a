"""The use cases the subscription entrypoints may call."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class SubscriptionUseCases:
    start_free_subscription: StartFreeSubscriptionHandler
    get_my_subscription: GetMySubscriptionHandler
    list_plans: ListPlansHandler
    record_chart_usage: RecordChartUsageHandler
    record_chart_usage_batch: RecordChartUsageBatchHandler
    get_my_usage: GetMyUsageHandler
    add_plan: AddPlanHandler
    retire_plan: RetirePlanHandler
    start_checkout: StartCheckoutHandler
    open_billing_portal: OpenBillingPortalHandler
    process_billing_webhook: ProcessBillingWebhookHandler
    cancel_subscription: CancelSubscriptionHandler
    downgrade_subscription: DowngradeSubscriptionHandler
    close_account: CloseAccountHandler
    record_email_verification: RecordEmailVerificationHandler
    grant_plan: GrantPlanHandler
    search_subscriptions: SearchSubscriptionsHandler
    sandbox: SandboxBillingHandler | None
