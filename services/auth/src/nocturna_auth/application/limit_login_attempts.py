"""Brute-force protection of the password grant: failed sign-ins counted per account and per client address."""

from __future__ import annotations

from typing import Protocol

from nocturna_auth.application.issue_tokens import PasswordGrant, PasswordGrantHandler
from nocturna_auth.application.session_tokens import IssuedTokens
from nocturna_auth.domain.users import InvalidCredentials, PasswordHasher, TooManyAttempts, User

LOCKED_OUT = "too many failed attempts; try again later"


class LoginAttemptLimiter(Protocol):
    """Port: failed sign-ins per account (normalised email, known or not) and per client address."""

    async def retry_after(self, account: str, ip: str | None) -> int:
        """Whole seconds until the account and the address may try again; 0 when neither is locked."""
        ...

    async def record_failure(self, account: str, ip: str | None) -> int:
        """Count a failed sign-in; returns the lockout (seconds) it started, 0 when none."""
        ...

    async def record_success(self, account: str) -> None:
        """A successful sign-in (or a password reset) clears the account's failures and lockout."""
        ...


def login_account(email: str) -> str:
    """The key failures are counted under: the email as the user typed it, trimmed and lower-cased."""
    return email.strip().lower()


class ThrottledPasswordGrantHandler:
    """The password grant behind the limiter. While locked, every attempt is refused before any password
    check, even with the right password; unknown emails count and are answered like known ones."""

    def __init__(self, grant: PasswordGrantHandler, limiter: LoginAttemptLimiter) -> None:
        self._grant = grant
        self._limiter = limiter

    async def __call__(self, grant: PasswordGrant) -> IssuedTokens:
        account = login_account(grant.email)
        wait = await self._limiter.retry_after(account, grant.ip)
        if wait > 0:
            raise TooManyAttempts(LOCKED_OUT, wait)
        try:
            issued = await self._grant(grant)
        except InvalidCredentials:
            lockout = await self._limiter.record_failure(account, grant.ip)
            if lockout > 0:
                raise TooManyAttempts(LOCKED_OUT, lockout) from None
            raise
        await self._limiter.record_success(account)
        return issued


class ThrottledPasswordCheck:
    """A signed-in user confirming their password (change password, delete account) counts against the
    same per-account and per-address limits as sign-ins: a stolen access token cannot guess the password."""

    def __init__(self, hasher: PasswordHasher, limiter: LoginAttemptLimiter) -> None:
        self._hasher = hasher
        self._limiter = limiter

    async def __call__(self, user: User, password: str, ip: str | None) -> bool:
        """True when `password` is right (clears the account's failures); False counts a failure.
        `TooManyAttempts` while locked (before any check) or when this failure starts a lockout."""
        account = login_account(user.email)
        wait = await self._limiter.retry_after(account, ip)
        if wait > 0:
            raise TooManyAttempts(LOCKED_OUT, wait)
        if await user.authenticate(password, self._hasher):
            await self._limiter.record_success(account)
            return True
        lockout = await self._limiter.record_failure(account, ip)
        if lockout > 0:
            raise TooManyAttempts(LOCKED_OUT, lockout)
        return False
