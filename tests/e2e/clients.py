"""Small client helpers that keep the end-to-end journeys readable: sign in, verify the email from the captured
mail, wait for a projection, pay a checkout as the sandbox provider would, create an API key.

Everything here goes through the gateway's public HTTP API, as a client app (or, for the webhook, the billing
provider) would.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from nocturna_subscription.infrastructure.sandbox_billing import SIGNATURE_HEADER as SANDBOX_SIGNATURE_HEADER
from nocturna_subscription.infrastructure.sandbox_billing import sign

PASSWORD = "correct horse battery"
NATAL: dict[str, Any] = {
    "name": "Ada",
    "birth": {
        "date": "1990-01-15",
        "time": "14:30",
        "latitude": 40.7128,
        "longitude": -74.006,
        "timezone": "America/New_York",
    },
}
VERIFICATION_LINK = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")


@dataclass(frozen=True)
class Account:
    """A signed-in user as a client app holds it: the session's token pair and who it is."""

    email: str
    user_id: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, prefix: str = "user") -> str:
    """A new account's email (unverified)."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    registered = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return email


async def token_pair(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    """The password grant's answer: a new session's `access_token` and `refresh_token`."""
    token = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
    )
    assert token.status_code == 200, token.text
    pair: dict[str, Any] = token.json()
    return pair


async def password_grant(client: httpx.AsyncClient, email: str) -> str:
    access: str = (await token_pair(client, email))["access_token"]
    return access


async def sign_in(client: httpx.AsyncClient, prefix: str = "user") -> str:
    """A new account's access token."""
    return await password_grant(client, await register(client, prefix))


async def log_in(client: httpx.AsyncClient, email: str) -> Account:
    """A new session of an existing account."""
    pair = await token_pair(client, email)
    me = await client.get("/api/v1/auth/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200, me.text
    return Account(email, me.json()["id"], pair["access_token"], pair["refresh_token"])


async def verification_token(mailbox: Path, email: str, timeout: float = 30) -> str:
    """The token of the verification link auth mailed to `email` (the fleet's mailbox is a JSON-lines file)."""
    try:
        async with asyncio.timeout(timeout):
            while (token := await asyncio.to_thread(_mailed_verification_token, mailbox, email)) is None:
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(
            f"no verification mail to {email} within {timeout:g} s; its row and the database's sessions:\n"
            + "\n".join(await _mail_rows(mailbox.parent, email))
            + "\nauth's mail and error log lines:\n"
            + "\n".join(_mail_log_lines(mailbox.parent))
        ) from None
    return token


async def _mail_rows(logs: Path, email: str) -> list[str]:
    """The mail's outbox row and who holds what in the run's database: why the dispatcher did not send it."""
    url = (logs / "database_url").read_text().replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id, kind, created_at, next_attempt_at, attempts, sent_at, failed_at, last_error"
            " FROM auth.outgoing_emails WHERE recipient = $1",
            email,
        )
        sessions = await connection.fetch(
            "SELECT pid, application_name, state, wait_event_type, wait_event, xact_start, left(query, 160) AS query"
            " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        now = await connection.fetchval("SELECT now()")
    finally:
        await connection.close()
    return [f"now {now}"] + [f"row {dict(row)}" for row in rows] + [f"session {dict(s)}" for s in sessions]


def _mail_log_lines(logs: Path, last: int = 30) -> list[str]:
    """What auth's mail dispatcher (or anything that failed in auth) logged: why a mail did not come."""
    lines = [
        line[:600]
        for log in sorted(logs.glob("auth-*.log"))
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if '"nocturna.auth.email"' in line or '"level": "ERROR"' in line
    ]
    return lines[-last:] or ["(none)"]


def _mailed_verification_token(mailbox: Path, email: str) -> str | None:
    if not mailbox.exists():
        return None
    for line in mailbox.read_text(encoding="utf-8").splitlines():
        message = json.loads(line)
        if message["to"] == email and message["kind"] == "verify_email":
            link = VERIFICATION_LINK.search(message["body"])
            assert link is not None, message["body"]
            return link.group(1)
    return None


async def verify_email(client: httpx.AsyncClient, mailbox: Path, email: str) -> None:
    """Follow the mailed verification link, as the web app's page does."""
    verified = await client.post(
        "/api/v1/auth/verify-email", json={"token": await verification_token(mailbox, email)}
    )
    assert verified.status_code == 204, verified.text


async def sign_in_verified(client: httpx.AsyncClient, mailbox: Path, prefix: str = "user") -> Account:
    """A new account whose email is verified (paid checkout and API keys need it), signed in."""
    email = await register(client, prefix)
    await verify_email(client, mailbox, email)
    return await log_in(client, email)


async def eventually(
    request: Callable[[], Awaitable[httpx.Response]],
    accept: Callable[[httpx.Response], bool],
    timeout: float = 20,
    interval: float = 0.1,
) -> httpx.Response:
    """The first answer `accept` takes: state fed by events arrives a moment after the action.

    Fails with the last answer seen, so a timeout says what the fleet was answering instead.
    """
    answer: httpx.Response | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = await request()
        if accept(answer):
            return answer
        await asyncio.sleep(interval)
    last = "nothing" if answer is None else f"{answer.status_code} {answer.text[:500]}"
    raise AssertionError(f"no acceptable answer within {timeout} s; the last was {last}")


async def eventually_ok(
    client: httpx.AsyncClient, url: str, token: str, timeout: float = 15
) -> httpx.Response:
    """The first answer that is not a 404: projections fed by events arrive a moment after the action."""
    return await eventually(
        lambda: client.get(url, headers=bearer(token)), lambda answer: answer.status_code != 404, timeout
    )


async def eventually_on_plan(client: httpx.AsyncClient, account: Account, plan: str) -> None:
    """Wait until the chart service's projection of the user's plan says `plan` (it gates quotas, features)."""
    await eventually(
        lambda: client.get("/api/v1/charts/entitlements", headers=account.headers),
        lambda answer: answer.status_code == 200 and answer.json()["plan_code"] == plan,
    )


async def refused_on_every_replica(
    gateway: str,
    headers: dict[str, str],
    path: str = "/api/v1/charts",
    replicas: int = 2,
    timeout: float = 15,
) -> None:
    """Wait until `headers` are refused (401 problem) by every gateway replica.

    Each try is a new connection, and the balancer hands connections to the replicas in turn, so
    twice as many refusals in a row as there are replicas have been answered by each replica at least twice
    (when nothing else connects meanwhile).
    """
    in_a_row, last = 0, "nothing"
    deadline = time.monotonic() + timeout
    while in_a_row < 2 * replicas:
        assert time.monotonic() < deadline, f"still not refused everywhere after {timeout} s: {last}"
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as connection:
            answer = await connection.get(path, headers=headers)
        last = f"{answer.status_code} {answer.text[:300]}"
        if answer.status_code == 401:
            assert answer.headers["content-type"].startswith("application/problem+json")
            in_a_row += 1
        else:
            in_a_row = 0
            await asyncio.sleep(0.1)


async def create_chart(
    client: httpx.AsyncClient, headers: dict[str, str], name: str = "Ada"
) -> dict[str, Any]:
    created = await client.post("/api/v1/charts", json={**NATAL, "name": name}, headers=headers)
    assert created.status_code == 201, created.text
    chart: dict[str, Any] = created.json()
    return chart


async def create_api_key(client: httpx.AsyncClient, account: Account, scopes: list[str]) -> dict[str, Any]:
    """A new API key of the account; the answer holds the whole key (`key`) this once."""
    created = await client.post(
        "/api/v1/auth/api-keys", json={"name": "journey", "scopes": scopes}, headers=account.headers
    )
    assert created.status_code == 201, created.text
    key: dict[str, Any] = created.json()
    return key


async def upgrade_through_sandbox_checkout(
    client: httpx.AsyncClient, account: Account, plan: str, webhook_secret: str
) -> str:
    """Open a checkout for `plan`, then play the sandbox provider: the customer paid, and the provider posts
    its `checkout.completed` webhook, signed the sandbox's way, to the public webhook route. Returns the
    webhook's outcome.
    """
    opened = await client.post(
        "/api/v1/subscriptions/me/checkout", json={"plan": plan}, headers=account.headers
    )
    assert opened.status_code == 201, opened.text
    checkout_id = opened.json()["url"].rstrip("/").rsplit("/", 1)[1]
    now = datetime.now(UTC)
    event = {
        "id": f"evt_sandbox_{uuid.uuid4().hex}",
        "type": "checkout.completed",
        "created": now.isoformat(),
        "data": {
            "user_id": account.user_id,
            "checkout_id": checkout_id,
            "plan": plan,
            "status": "active",
            "period_start": now.isoformat(),
            "period_end": (now + timedelta(days=30)).isoformat(),
            "cancel_at_period_end": False,
            "subscription_id": f"sub_sandbox_{uuid.UUID(checkout_id).hex}",
            "customer": {"id": f"cus_sandbox_{uuid.UUID(account.user_id).hex}", "email": account.email},
        },
    }
    payload = json.dumps(event, separators=(",", ":")).encode()
    webhook = await client.post(
        "/api/v1/billing/webhooks/sandbox",
        content=payload,
        headers={
            "Content-Type": "application/json",
            SANDBOX_SIGNATURE_HEADER: sign(payload, webhook_secret, int(time.time())),
        },
    )
    assert webhook.status_code == 200, webhook.text
    outcome: str = webhook.json()["outcome"]
    return outcome
