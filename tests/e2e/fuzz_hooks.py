"""Schemathesis hooks of `make fuzz` and the fuzzing test, loaded by the `st` process (schemathesis.toml).

Run against `NOCTURNA_FUZZ_GATEWAY`. Who calls: the fuzzing principal (`NOCTURNA_FUZZ_TOKEN`, an admin on
the business plan), the gateway's service client (`NOCTURNA_FUZZ_SERVICE_TOKEN`) where only a service client
is allowed, and a user of its own per example for the operations that can end the caller's session or account.
What every answer must also satisfy: an error is problem+json.
"""

from __future__ import annotations

import asyncio
import os

import httpx
import schemathesis
from nocturna_platform.http.problems import PROBLEM_MEDIA_TYPE

from tests.e2e.clients import sign_in

# Each of these can revoke the caller's own session or delete its account (Schemathesis feeds ids it saw in
# answers, such as the caller's own session id, back into paths): on the shared principal the rest of the run
# would only see 401s. They are fuzzed all the same, each example as a user of its own.
SELF_DESTRUCTIVE = frozenset(
    {
        ("DELETE", "/api/v1/auth/me"),
        ("DELETE", "/api/v1/auth/sessions"),
        ("DELETE", "/api/v1/auth/sessions/{session_id}"),
        ("POST", "/api/v1/auth/logout"),
    }
)
SERVICE_CLIENT_ONLY = frozenset({("POST", "/api/v1/auth/api-keys/introspect")})

# RFC 6749 §5.2 prescribes the token endpoint's error body (`{"error", "error_description"}` as
# application/json), and OAuth client libraries parse exactly that: the one deliberate exception to
# problem+json, documented as such in the OpenAPI document.
OAUTH_ERRORS = {("POST", "/api/v1/auth/token"): frozenset({400, 401})}


def _operation(case: schemathesis.Case) -> tuple[str, str]:
    return case.operation.method.upper(), case.operation.path


@schemathesis.auth(refresh_interval=None)
class FuzzingCredentials:
    """Not cached (`refresh_interval=None`): the token depends on the operation."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        operation = _operation(case)
        if operation in SELF_DESTRUCTIVE:
            return asyncio.run(_own_user(os.environ["NOCTURNA_FUZZ_GATEWAY"]))
        if operation in SERVICE_CLIENT_ONLY:
            return os.environ["NOCTURNA_FUZZ_SERVICE_TOKEN"]
        return os.environ["NOCTURNA_FUZZ_TOKEN"]

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


async def _own_user(gateway: str) -> str:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        return await sign_in(client, "fuzz-own")


@schemathesis.check
def errors_are_problems(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Every 4xx/5xx answer is RFC 9457 problem+json (save the token endpoint's RFC 6749 errors)."""
    if response.status_code < 400 or response.status_code in OAUTH_ERRORS.get(_operation(case), ()):
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media_type != PROBLEM_MEDIA_TYPE:
        raise AssertionError(
            f"{response.status_code} answered as {media_type or 'no content type'!r}, not {PROBLEM_MEDIA_TYPE}"
        )
    return True
