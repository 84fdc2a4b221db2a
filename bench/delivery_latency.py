"""Commit → consumer latency at low load: events committed one per transaction at a steady rate, published
by the real relay (woken by LISTEN/NOTIFY) and received by a real FastStream subscriber."""

from __future__ import annotations

import asyncio
import uuid
from time import perf_counter

from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.settings import ServiceSettings

from bench.producer import Producer, subscription_changed
from bench.report import milliseconds, percentile, verdict

TARGET_P99_SECONDS = 0.050
WARMUP_EVENTS = 20
ARRIVAL_TIMEOUT_SECONDS = 30


class Arrivals:
    """When each event (keyed by its subscription id) reached the subscriber."""

    def __init__(self, expected: int) -> None:
        self.at: dict[uuid.UUID, float] = {}
        self.expected = expected
        self.complete = asyncio.Event()

    async def on_changed(self, event: SubscriptionChanged, meta: EventMeta) -> None:
        self.at[event.subscription_id] = perf_counter()
        if len(self.at) >= self.expected:
            self.complete.set()


async def run(settings: ServiceSettings, events: int, per_second: float) -> None:
    print(f"\n== Commit → consumer latency: {events} events, one per transaction, at {per_second:g}/s ==")
    arrivals = Arrivals(WARMUP_EVENTS + events)
    async with Producer.open(settings) as producer:
        consumer = producer.messaging("bench-latency", relay=False)
        consumer.subscriptions.on(SubscriptionChanged, arrivals.on_changed)
        relay = producer.messaging("bench", relay=True)
        await consumer.start()
        await relay.start()
        try:
            committed = await _commit_steadily(producer, WARMUP_EVENTS + events, per_second)
            async with asyncio.timeout(ARRIVAL_TIMEOUT_SECONDS):
                await arrivals.complete.wait()
        finally:
            await relay.stop()
            await consumer.stop()
    measured = list(committed.items())[WARMUP_EVENTS:]
    latencies = [arrivals.at[key] - at for key, at in measured]
    p99 = percentile(latencies, 99)
    print(f"latency:   {milliseconds(latencies)} (after {WARMUP_EVENTS} warm-up events)")
    print(
        f"           p99 target ≤ {TARGET_P99_SECONDS * 1000:.0f} ms: {verdict(p99, TARGET_P99_SECONDS, at_most=True)}"
    )
    print("           producer, relay and subscriber share this process and its event loop")


async def _commit_steadily(producer: Producer, events: int, per_second: float) -> dict[uuid.UUID, float]:
    """Commit one event per unit of work on a fixed schedule; returns when each commit returned."""
    committed: dict[uuid.UUID, float] = {}
    started = perf_counter()
    for number in range(events):
        await asyncio.sleep(max(started + number / per_second - perf_counter(), 0))
        event = subscription_changed()
        async with producer.unit_of_work() as uow:
            uow.publish(event)
            await uow.commit()
        committed[event.subscription_id] = perf_counter()
    return committed
