"""The verifier remembers tokens whose signature held: a repeated token skips the ES256 check, and nothing
else of the verification."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey
from nocturna_platform.security import SigningKey, TokenVerifier
from nocturna_platform.security.jwks import StaticKeySet, parse_jwks
from nocturna_platform.settings import TokenVerificationSettings

if TYPE_CHECKING:
    from .conftest import FakeClock, Rejection


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    checked: list[object] = []
    validate = jws.validate_compact

    def counted(*args: Any, **kwargs: Any) -> bool:
        checked.append(args[0])
        return validate(*args, **kwargs)

    monkeypatch.setattr(jws, "validate_compact", counted)
    return checked


async def test_a_repeated_token_is_checked_once(
    verifier: TokenVerifier, issue: Callable[..., str], signature_checks: list[object]
) -> None:
    token = issue()
    first, second = await verifier.verify(token), await verifier.verify(token)

    assert first == second
    assert len(signature_checks) == 1
    await verifier.verify(issue())
    assert len(signature_checks) == 2


async def test_a_remembered_token_still_expires(
    verifier: TokenVerifier, issue: Callable[..., str], clock: FakeClock, rejection: Rejection
) -> None:
    token = issue()
    await verifier.verify(token)
    clock.advance(15 * 60 + 31)  # the lifetime and the leeway

    assert await rejection(token) == "expired"


class _PublishedKeys:
    """The key set as a refetch leaves it: keys withdrawn, or another key published under a `kid`."""

    def __init__(self, *keys: SigningKey) -> None:
        self.by_kid = parse_jwks({"keys": [key.public_jwk() for key in keys]})

    async def get(self, kid: str) -> ECKey | None:
        await asyncio.sleep(0)  # as a key set that may fetch: other requests run meanwhile
        return self.by_kid.get(kid)


async def test_a_remembered_token_ends_with_its_key(
    settings: TokenVerificationSettings,
    signing_key: SigningKey,
    clock: FakeClock,
    issue: Callable[..., str],
    rejection: Rejection,
) -> None:
    keys = _PublishedKeys(signing_key)
    verifier = TokenVerifier(settings, keys, clock.now)
    token = issue()
    await verifier.verify(token)

    withdrawn = keys.by_kid.pop(signing_key.kid)
    assert await rejection(token, verifier) == "unknown_kid"

    keys.by_kid = _PublishedKeys(SigningKey.generate(kid=signing_key.kid)).by_kid
    assert await rejection(token, verifier) == "bad_signature"

    keys.by_kid[signing_key.kid] = withdrawn
    assert (await verifier.verify(token)).subject


async def test_requests_sharing_a_token_whose_key_was_withdrawn_are_all_refused(
    settings: TokenVerificationSettings, signing_key: SigningKey, clock: FakeClock, issue: Callable[..., str]
) -> None:
    keys = _PublishedKeys(signing_key)
    verifier = TokenVerifier(settings, keys, clock.now)
    token = issue()
    await verifier.verify(token)
    keys.by_kid.clear()

    outcomes = await asyncio.gather(*(verifier.verify(token) for _ in range(3)), return_exceptions=True)

    assert [getattr(outcome, "reason", outcome) for outcome in outcomes] == ["unknown_kid"] * 3


async def test_a_token_that_differs_in_one_character_is_checked_anew(
    verifier: TokenVerifier, issue: Callable[..., str], rejection: Rejection
) -> None:
    token = issue()
    await verifier.verify(token)
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]

    assert await rejection(f"{header}.{payload}.{flipped}") in {"bad_signature", "malformed"}


async def test_at_most_the_configured_number_of_tokens_is_remembered(
    settings: TokenVerificationSettings,
    signing_key: SigningKey,
    clock: FakeClock,
    issue: Callable[..., str],
    signature_checks: list[object],
) -> None:
    verifier = TokenVerifier(
        settings, StaticKeySet.from_signing_keys(signing_key), clock.now, verified_tokens=2
    )
    first, second, third = issue(), issue(), issue()
    for token in (first, second, third, third, second):
        await verifier.verify(token)
    assert len(signature_checks) == 3
    await verifier.verify(first)  # forgotten: the first remembered
    assert len(signature_checks) == 4
