"""Faults injected into the running fleet: each is bounded in time and undone before the test ends, so the
other end-to-end tests sharing the session's fleet keep working.

The client here behaves like a real one: it retries a failed create under the same `Idempotency-Key`, and it
judges the outcome only through the gateway, the WebSocket and (for the outbox) this run's own database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.isolated_run import TestRun
from nocturna_platform.testing.service_processes import service_command
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.clients import NATAL, PASSWORD, bearer, password_grant, sign_in
from tests.e2e.fault_probes import (
    all_ready,
    equals,
    max_metric,
    metric,
    none_ready,
    now,
    publish,
    queue_depth,
    ready,
    true,
    until,
    usage_records,
)
from tests.e2e.faults import (
    HangingUpstream,
    close_broker_connections,
    database_outage,
    outbox_backlog,
    replicas_running_with,
    restart_if_dead,
)
from tests.e2e.fleet import ROOT, Fleet

pytestmark = pytest.mark.e2e

PRODUCERS = ("auth", "chart", "subscription")
RETRIED_STATUSES = frozenset({502, 503, 504})
CALCULATED = "chart.chart.calculated.v1"
Listen = Callable[[str], Awaitable[list[str]]]


# --- a client that behaves like a real one ----------------------------------------------------------------


def _subject(token: str) -> str:
    payload = token.split(".")[1]
    subject: str = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    return subject


@dataclass(frozen=True)
class Admin:
    """An operator inside the cluster: the gateway routes no `/api/v1/admin/...` path, so admin calls go to
    the subscription service directly."""

    token: str
    subscription: str

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.subscription, headers=bearer(self.token), timeout=20)


@pytest.fixture(scope="module")
async def admin(fleet: Fleet) -> Admin:
    """`create-admin` as an operator runs it, then a sign-in."""
    email = await asyncio.to_thread(fleet.create_admin, "admin", PASSWORD)
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=20) as client:
        token = await password_grant(client, email)
    return Admin(token, f"http://127.0.0.1:{fleet.ports['subscription']}")


async def _unlimited_user(client: httpx.AsyncClient, admin: Admin) -> str:
    """A new user's token, on the business plan (no monthly chart limit, 1,200 requests a minute)."""
    token = await sign_in(client, "fault")
    await _grant_business(client, admin, token)
    return token


async def _grant_business(client: httpx.AsyncClient, admin: Admin, token: str) -> None:
    """A comp grant of the business plan, once the chart service and the gateway both apply it."""
    user_id = _subject(token)

    async def granted() -> bool:
        async with admin.client() as operator:
            answer = await operator.put(
                f"/api/v1/admin/users/{user_id}/subscription", json={"plan": "business"}
            )
        assert answer.status_code in (200, 404), answer.text  # 404 until the free plan exists
        return answer.status_code == 200

    async def applied() -> bool:
        charts = await client.get("/api/v1/charts/entitlements", headers=bearer(token))
        return (
            charts.status_code == 200
            and charts.json()["plan_code"] == "business"
            and charts.headers.get("ratelimit-limit") == "1200"
        )

    await until(granted, "the free plan of a new user", every=0.5)
    await until(applied, "the business plan in the chart service and the gateway", every=0.5)


async def _create_chart(
    client: httpx.AsyncClient, token: str, failures: list[str], timeout: float = 60
) -> str:
    """One chart, retried under the same Idempotency-Key after a broken connection or a 502/503/504."""
    headers = {**bearer(token), "Idempotency-Key": str(uuid.uuid4())}
    async with asyncio.timeout(timeout):
        while True:
            try:
                answer = await client.post("/api/v1/charts", json=NATAL, headers=headers)
            except httpx.TransportError as error:
                failures.append(type(error).__name__)
            else:
                if answer.status_code == 201:
                    chart_id: str = answer.json()["id"]
                    return chart_id
                assert answer.status_code in RETRIED_STATUSES, answer.text
                assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
                failures.append(f"{answer.status_code} {answer.json()['code']}")
            await asyncio.sleep(0.2)


async def _burst(
    client: httpx.AsyncClient,
    token: str,
    count: int,
    *,
    concurrency: int,
    created: list[str],
    failures: list[str],
) -> None:
    """`count` charts from `concurrency` workers; `created` grows as they arrive (a fault can wait on it)."""
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            created.append(await _create_chart(client, token, failures))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _events_of(socket: ClientConnection, event_type: str, seen: list[str]) -> None:
    """Collect the chart id of every `event_type` frame, answering heartbeats, until cancelled."""
    async for raw in socket:
        frame = json.loads(raw)
        if frame["type"] == "ping":
            await socket.send('{"type":"pong"}')
        elif frame["type"] == event_type:
            seen.append(frame["data"]["chart_id"])


@pytest.fixture
async def listening_socket(fleet: Fleet) -> AsyncIterator[Listen]:
    """`await listen(token)` → the list of chart ids announced on that user's socket, growing live."""
    sockets: list[ClientConnection] = []
    tasks: list[asyncio.Task[None]] = []

    async def listen(token: str) -> list[str]:
        socket = await connect(fleet.gateway.replace("http://", "ws://") + "/api/v1/ws")
        sockets.append(socket)
        await socket.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await socket.recv()) == {"type": "ready"}
        seen: list[str] = []
        tasks.append(asyncio.create_task(_events_of(socket, CALCULATED, seen)))
        return seen

    yield listen
    for task in tasks:
        task.cancel()
    for socket in sockets:
        await socket.close()


async def _used(client: httpx.AsyncClient, token: str) -> int:
    answer = await client.get("/api/v1/usage/me", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    used: int = answer.json()["charts"]["used"]
    return used


# --- the faults -----------------------------------------------------------------------------------------------


async def test_broker_connections_cut_mid_burst_lose_and_duplicate_nothing(
    fleet: Fleet, fleet_run: TestRun, admin: Admin, listening_socket: Listen
) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        token = await _unlimited_user(client, admin)
        announced = await listening_socket(token)
        created: list[str] = []
        failures: list[str] = []
        burst = asyncio.create_task(
            _burst(client, token, 200, concurrency=8, created=created, failures=failures)
        )
        await until(lambda: true(len(created) >= 40), "the first 40 charts of the burst", timeout=60)
        closed = await close_broker_connections(fleet_run)
        await burst

        await until(lambda: true(set(announced) >= set(created)), "every chart on the WebSocket", timeout=60)
        await until(lambda: equals(_used(client, token), 200), "200 usage records", timeout=60)
        await until(lambda: _no_backlog(fleet_run), "an empty outbox", timeout=30)
        await asyncio.sleep(2)  # room for a late duplicate to show itself
        used = await _used(client, token)

    assert closed >= len([replica for replica in fleet.instances() if replica.service != "geocoding"])
    assert len(set(created)) == 200
    assert {chart: n for chart, n in Counter(announced).items() if n != 1} == {}
    assert set(announced) == set(created)
    assert used == 200


async def test_a_chart_replica_killed_mid_burst_loses_and_double_counts_nothing(
    fleet: Fleet, admin: Admin
) -> None:
    victim, survivor = fleet.replicas["chart"]
    try:
        async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
            token = await _unlimited_user(client, admin)
            created: list[str] = []
            failures: list[str] = []
            burst = asyncio.create_task(
                _burst(client, token, 100, concurrency=8, created=created, failures=failures)
            )
            await until(lambda: true(len(created) >= 30), "the first 30 charts of the burst", timeout=60)
            victim.kill()
            before_kill = len(created)
            await burst
            assert victim.process is not None
            assert victim.process.poll() is not None  # still down: the rest was created by the survivor
            listed = await _all_charts(client, token)
            await until(lambda: equals(_used(client, token), 100), "100 usage records", timeout=60)
            await asyncio.sleep(2)
            used = await _used(client, token)
    finally:
        await restart_if_dead(victim)

    assert len(created) - before_kill > 0, "the surviving replica created nothing"
    assert await ready(survivor)
    assert len(set(created)) == 100
    assert sorted(listed) == sorted(created)
    assert used == 100


async def _all_charts(client: httpx.AsyncClient, token: str) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/charts", params=params, headers=bearer(token))
        assert page.status_code == 200, page.text
        ids += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return ids


async def test_a_database_outage_fails_fast_with_503_and_recovers(
    fleet: Fleet, fleet_run: TestRun, infrastructure: Infrastructure, admin: Admin
) -> None:
    # Every process with a database pool must see the outage and recover before the test ends: chart and
    # geocoding run without pre-ping, so a pool never used during the outage would answer the next test's
    # first request with a 503 (readiness, failing once, replaces the pool).
    database_users = [replica for replica in fleet.instances() if replica.service != "gateway"]
    answers: list[tuple[str, int, str | None, float]] = []
    phase = "before"

    async def load(client: httpx.AsyncClient, token: str) -> None:
        while True:
            for request in (
                client.build_request("GET", "/api/v1/charts", headers=bearer(token)),
                client.build_request("POST", "/api/v1/charts", json=NATAL, headers=bearer(token)),
            ):
                started = time.monotonic()
                answer = await client.send(request)
                code = answer.json().get("code") if answer.status_code >= 400 else None
                answers.append((phase, answer.status_code, code, time.monotonic() - started))
            await asyncio.sleep(0.1)

    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        token = await _unlimited_user(client, admin)
        traffic = asyncio.create_task(load(client, token))
        try:
            await until(lambda: true(len(answers) >= 4), "traffic before the outage")
            async with database_outage(fleet_run, infrastructure.database_url):
                phase = "outage"
                await until(lambda: none_ready(database_users), "every database user turning unready")
                await until(lambda: true(_count(answers, "outage", 503) >= 6), "503s during the outage")
                phase = "recovering"
            await until(lambda: all_ready(database_users), "every database user ready again", timeout=60)
            phase = "after"
            await until(lambda: true(_count(answers, "after", 201) >= 3), "charts created after the outage")
        finally:
            if traffic.done():
                traffic.result()  # the load itself failed: show why
            traffic.cancel()

    during = [answer for answer in answers if answer[0] == "outage" and answer[1] != 200 and answer[1] != 201]
    assert {(status, code) for _, status, code, _ in during} == {(503, "database_unavailable")}, during
    assert max(elapsed for *_, elapsed in during) < 10, during  # refused at once, not after a long timeout
    assert [answer for answer in answers if answer[0] == "after" and answer[1] not in (200, 201)] == []
    assert not [answer for answer in answers if answer[1] == 500], answers


async def test_a_hanging_remote_engine_times_out_as_problems_and_opens_the_breaker(fleet: Fleet) -> None:
    upstream = await HangingUpstream().start()
    charts = fleet.replicas["chart"]
    remote = {
        "ENGINE__KIND": "remote",
        "ENGINE__REMOTE__BASE_URL": upstream.url,
        "ENGINE__REMOTE__SERVICE_TOKEN": "fault-test-token",
        "ENGINE__REMOTE__READ_TIMEOUT_SECONDS": "1",
        "ENGINE__REMOTE__BREAKER_FAILURES": "2",
        "ENGINE__REMOTE__BREAKER_COOLDOWN_SECONDS": "300",
    }
    answers: list[tuple[int, str, float]] = []
    try:
        async with (
            replicas_running_with(charts, remote),
            httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client,
        ):
            token = await sign_in(client, "remote")

            async def create() -> None:
                started = time.monotonic()
                answer = await client.post("/api/v1/charts", json=NATAL, headers=bearer(token))
                assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
                answers.append((answer.status_code, answer.json()["code"], time.monotonic() - started))

            async def breakers_open() -> bool:
                await create()
                states = [await metric(chart, "chart_remote_engine_circuit_open") for chart in charts]
                return states == [1.0, 1.0]

            await until(breakers_open, "both replicas' breakers opening", timeout=60, every=0)
            calls_when_open = upstream.connections
            for _ in range(4):
                await create()
            calls_after = upstream.connections
            await upstream.stop()  # before the restore: nothing left hanging for the replicas' shutdown
    finally:
        await upstream.stop()

    timed_out = [answer for answer in answers if answer[:2] == (504, "engine_timeout")]
    refused = [answer for answer in answers if answer[:2] == (503, "engine_unavailable")]
    assert len(timed_out) >= 4, answers  # two per replica opened its breaker
    assert len(timed_out) + len(refused) == len(answers), answers  # never a chart from the local engine
    assert max(elapsed for *_, elapsed in timed_out) < 1 + 5, answers  # the 1 s read timeout, not 30 s
    assert answers[-4:] == [answer for answer in answers[-4:] if answer[:2] == (503, "engine_unavailable")]
    assert calls_after == calls_when_open  # the open breaker spares the hung upstream
    assert upstream.connections >= 4


async def test_a_poison_message_is_dead_lettered_then_replayed_after_the_fix(
    fleet: Fleet, fleet_run: TestRun, admin: Admin
) -> None:
    queue = f"{fleet_run.queue_prefix}subscription.{CALCULATED}"
    ghost = uuid7()  # a user whose registration the subscription service has not seen
    poison = ChartCalculated(
        calculation_id=uuid7(), user_id=ghost, chart_id=uuid7(), engine="swisseph", calculated_at=now()
    )
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client, admin.client() as operator:
        poison_id = await publish(fleet_run, poison)
        await until(lambda: equals(queue_depth(fleet_run, f"{queue}.dlq"), 1), "the poison in the DLQ")

        token = await sign_in(client, "flowing")
        await until(lambda: _created(client, token), "a chart after the poison")
        await until(lambda: equals(_used(client, token), 1), "the queue to keep flowing")

        dlq_metric = rf'dlq_depth\{{queue="{re.escape(queue)}"\}}'
        await until(
            lambda: equals(max_metric(fleet.replicas["subscription"], dlq_metric), 1.0),
            "the DLQ depth on /metrics",
            timeout=40,
        )

        await publish(
            fleet_run, UserRegistered(user_id=ghost, email="ghost@example.com", registered_at=now())
        )
        ghost_usage = f"/api/v1/admin/users/{ghost}/usage"
        await until(lambda: _status(operator, ghost_usage, 200), "the ghost's subscription (the fix)")
        assert await usage_records(fleet_run, poison_id) == 0
        replayed = await asyncio.to_thread(
            subprocess.run,
            service_command("subscription", "replay-dlq", queue),
            env=fleet.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        # Counted in the period its calculation falls in, before the late subscription's: look at the record.
        await until(lambda: equals(usage_records(fleet_run, poison_id), 1), "the replayed event's usage")
        depth_after = await queue_depth(fleet_run, f"{queue}.dlq")

    assert replayed.stdout.strip() == f"replayed 1 message(s) from {queue}.dlq"
    assert depth_after == 0


# --- small probes ---------------------------------------------------------------------------------------------


def _count(answers: list[tuple[str, int, str | None, float]], phase: str, status: int) -> int:
    return sum(1 for answer in answers if answer[0] == phase and answer[1] == status)


async def _no_backlog(run: TestRun) -> bool:
    return set((await outbox_backlog(run, PRODUCERS)).values()) == {0}


async def _created(client: httpx.AsyncClient, token: str) -> bool:
    answer = await client.post("/api/v1/charts", json=NATAL, headers=bearer(token))
    assert answer.status_code in (201, 404, 402), answer.text
    return answer.status_code == 201


async def _status(client: httpx.AsyncClient, url: str, status: int) -> bool:
    return (await client.get(url)).status_code == status
