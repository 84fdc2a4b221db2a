from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from joserfc.jwk import ECKey, RSAKey
from nocturna_platform.security import (
    JwksCache,
    KeySetUnavailableError,
    Principal,
    SigningKey,
    StaticKeySet,
    TokenVerifier,
)
from nocturna_platform.settings import TokenVerificationSettings

if TYPE_CHECKING:
    from .conftest import FakeClock, FakeJwksServer, Rejection


async def test_the_key_set_is_fetched_once_and_cached(
    verifier: TokenVerifier, issue: Callable[..., str], jwks_server: FakeJwksServer, clock: FakeClock
) -> None:
    for _ in range(5):
        await verifier.verify(issue())
        clock.advance(60)

    assert jwks_server.requests == 1


async def test_a_stale_key_set_is_fetched_again(
    verifier: TokenVerifier, issue: Callable[..., str], jwks_server: FakeJwksServer, clock: FakeClock
) -> None:
    await verifier.verify(issue())
    clock.advance(301)

    await verifier.verify(issue(now=clock.now()))

    assert jwks_server.requests == 2


async def test_an_unknown_kid_triggers_one_refresh_within_the_rate_limit(
    rejection: Rejection,
    verifier: TokenVerifier,
    issue: Callable[..., str],
    jwks_server: FakeJwksServer,
    clock: FakeClock,
) -> None:
    await verifier.verify(issue())
    clock.advance(60)
    strangers = [SigningKey.generate(kid=f"random-{n}") for n in range(20)]

    reasons = [await rejection(issue(key=stranger, now=clock.now())) for stranger in strangers]
    clock.advance(9)
    reasons.append(await rejection(issue(key=strangers[0], now=clock.now())))

    assert set(reasons) == {"unknown_kid"}
    assert jwks_server.requests == 2


async def test_an_unknown_kid_may_refresh_again_once_the_rate_limit_has_passed(
    rejection: Rejection,
    issue: Callable[..., str],
    jwks_server: FakeJwksServer,
    clock: FakeClock,
) -> None:
    stranger = SigningKey.generate(kid="random")
    await rejection(issue(key=stranger))
    clock.advance(10)

    await rejection(issue(key=stranger, now=clock.now()))

    assert jwks_server.requests == 2


async def test_concurrent_callers_share_one_fetch_even_without_a_rate_limit(
    settings: TokenVerificationSettings,
    jwks_http: httpx.AsyncClient,
    clock: FakeClock,
    issue: Callable[..., str],
    jwks_server: FakeJwksServer,
) -> None:
    unlimited = settings.model_copy(update={"jwks_min_refresh_seconds": 0})
    verifier = TokenVerifier(unlimited, JwksCache(unlimited, jwks_http, monotonic=clock.monotonic), clock.now)
    tokens = [issue(key=SigningKey.generate(kid=f"random-{n}")) for n in range(10)] + [issue()]

    outcomes = await asyncio.gather(*(verifier.verify(token) for token in tokens), return_exceptions=True)

    assert jwks_server.requests == 1
    assert [getattr(outcome, "reason", None) for outcome in outcomes[:-1]] == ["unknown_kid"] * 10
    assert isinstance(outcomes[-1], Principal)


async def test_a_rotated_in_key_is_accepted_after_a_refresh_and_the_old_one_while_listed(
    verifier: TokenVerifier,
    issue: Callable[..., str],
    jwks_server: FakeJwksServer,
    signing_key: SigningKey,
    clock: FakeClock,
) -> None:
    old_token = issue()
    await verifier.verify(old_token)
    clock.advance(10)
    new_key = SigningKey.generate(kid="key-2")
    jwks_server.keys.append(new_key)

    new_principal = await verifier.verify(issue(key=new_key, now=clock.now()))
    old_principal = await verifier.verify(old_token)

    assert new_principal.token_id != old_principal.token_id
    assert jwks_server.requests == 2


async def test_a_key_no_longer_listed_is_rejected_once_the_cache_expires(
    rejection: Rejection,
    verifier: TokenVerifier,
    issue: Callable[..., str],
    jwks_server: FakeJwksServer,
    clock: FakeClock,
) -> None:
    await verifier.verify(issue())
    new_key = SigningKey.generate(kid="key-2")
    jwks_server.keys = [new_key]
    clock.advance(301)

    assert await rejection(issue(now=clock.now())) == "unknown_kid"
    assert (await verifier.verify(issue(key=new_key, now=clock.now()))).token_id


async def test_a_failed_refresh_keeps_serving_the_last_good_key_set(
    verifier: TokenVerifier, issue: Callable[..., str], jwks_server: FakeJwksServer, clock: FakeClock
) -> None:
    await verifier.verify(issue())
    jwks_server.failing = True
    clock.advance(301)

    first = await verifier.verify(issue(now=clock.now()))
    second = await verifier.verify(issue(now=clock.now()))

    assert first.subject == second.subject
    assert jwks_server.requests == 2


async def test_no_key_set_at_all_is_reported_as_unavailable(
    jwks: JwksCache, jwks_server: FakeJwksServer
) -> None:
    jwks_server.failing = True

    with pytest.raises(KeySetUnavailableError):
        await jwks.get("key-1")
    with pytest.raises(KeySetUnavailableError):
        await jwks.get("key-1")
    assert jwks_server.requests == 1


async def test_only_p256_signature_keys_are_taken_from_the_jwks(signing_key: SigningKey) -> None:
    p384 = ECKey.generate_key("P-384", {"kid": "p384"}).as_dict(private=False)
    rsa = RSAKey.generate_key(2048, {"kid": "rsa"}).as_dict(private=False)
    encryption = signing_key.public_jwk() | {"kid": "enc", "use": "enc"}
    hs = signing_key.public_jwk() | {"kid": "hs", "alg": "HS256"}
    no_kid = {k: v for k, v in signing_key.public_jwk().items() if k != "kid"}
    off_curve = signing_key.public_jwk() | {"kid": "off", "y": signing_key.public_jwk()["x"]}
    no_use = {k: v for k, v in signing_key.public_jwk().items() if k not in ("use", "alg")} | {"kid": "bare"}
    document = {
        "keys": [p384, rsa, encryption, hs, no_kid, off_curve, no_use, "junk", signing_key.public_jwk()]
    }

    keys = StaticKeySet.from_jwks(document)

    assert [kid for kid in ("p384", "rsa", "enc", "hs", "off", "bare", "key-1") if await keys.get(kid)] == [
        "bare",
        "key-1",
    ]


async def test_a_static_key_set_verifies_with_a_real_clock(
    rejection: Rejection,
    settings: TokenVerificationSettings,
    signing_key: SigningKey,
    issue: Callable[..., str],
) -> None:
    now = datetime.now(UTC)
    static = TokenVerifier(
        settings, StaticKeySet.from_signing_keys(signing_key), clock=lambda: datetime.now(UTC)
    )

    principal = await static.verify(issue(now=now, token_id="static"))

    assert principal.token_id == "static"
    assert principal.expires_at - now < timedelta(minutes=15, seconds=1)
    assert await rejection(issue(key=SigningKey.generate(), now=now), by=static) == "unknown_kid"
