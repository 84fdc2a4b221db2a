"""Acknowledgement policy of every consumer: ack on success, delayed retry on failure, DLQ at the end."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

from aio_pika.abc import AbstractIncomingMessage
from faststream import BaseMiddleware
from faststream._internal.context.repository import ContextRepo
from pydantic import ValidationError

from nocturna_platform.messaging.metrics import MessagingMetrics
from nocturna_platform.settings import MessagingSettings

logger = logging.getLogger("nocturna.messaging")

DELIVERY_COUNT_HEADER = "x-delivery-count"


class PoisonMessage(Exception):
    """A message that can never succeed (unparseable, unknown type): straight to the DLQ, no retries."""


POISON_ERRORS: tuple[type[BaseException], ...] = (PoisonMessage, ValidationError, json.JSONDecodeError)


def delivery_attempt(headers: dict[str, Any]) -> int:
    """1 for the first delivery; quorum queues count earlier deliveries in `x-delivery-count`."""
    try:
        return int(headers.get(DELIVERY_COUNT_HEADER, 0)) + 1
    except (TypeError, ValueError):
        return 1


def retry_delay(settings: MessagingSettings, attempt: int) -> float:
    return float(
        min(settings.retry_base_delay_seconds * 2 ** (attempt - 1), settings.retry_max_delay_seconds)
    )


@dataclass(frozen=True)
class ReliabilityPolicy:
    settings: MessagingSettings
    metrics: MessagingMetrics

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> ReliabilityMiddleware:
        return ReliabilityMiddleware(msg, context=context, policy=self)


class ReliabilityMiddleware(BaseMiddleware):
    """Settles every delivery itself (subscribers run with `AckPolicy.MANUAL`), parse errors included."""

    def __init__(self, msg: Any, /, *, context: ContextRepo, policy: ReliabilityPolicy) -> None:
        super().__init__(msg, context=context)
        self._policy = policy
        self._started = time.perf_counter()

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        raw = cast(AbstractIncomingMessage, self.msg)  # the aio-pika delivery FastStream hands middlewares
        queue = self._queue_name()
        metrics = self._policy.metrics
        metrics.consume_duration.labels(queue).observe(time.perf_counter() - self._started)
        if exc_val is None:
            await raw.ack()
            metrics.consumed.labels(queue, "ok").inc()
            return False
        if not isinstance(exc_val, Exception):
            return False
        metrics.consumer_failures.labels(queue).inc()
        await self._settle_failure(raw, queue, exc_val)
        return True

    async def _settle_failure(self, raw: AbstractIncomingMessage, queue: str, error: Exception) -> None:
        settings = self._policy.settings
        attempt = delivery_attempt(dict(raw.headers or {}))
        context = {"queue": queue, "message_id": raw.message_id, "attempt": attempt}
        poison = isinstance(error, POISON_ERRORS)
        if poison or attempt >= settings.max_deliveries:
            logger.error(
                "message dead-lettered",
                extra={**context, "reason": "poison" if poison else "retries_exhausted"},
                exc_info=error,
            )
            await raw.reject(requeue=False)
            self._policy.metrics.consumed.labels(queue, "dead_lettered").inc()
            return
        delay = retry_delay(settings, attempt)
        logger.warning(
            "message handling failed; will retry",
            extra={**context, "retry_in_seconds": delay},
            exc_info=error,
        )
        await asyncio.sleep(delay)
        await raw.nack(requeue=True)
        self._policy.metrics.consumed.labels(queue, "retried").inc()

    def _queue_name(self) -> str:
        subscriber = self.context.get_local("handler_")
        queue = getattr(subscriber, "queue", None)
        return str(getattr(queue, "name", "unknown"))
