"""Marking an account's address verified, announced once through the outbox."""

from __future__ import annotations

from datetime import datetime

from nocturna_contracts.auth.v1 import UserEmailVerified

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import User


def mark_email_verified(uow: AuthUnitOfWork, user: User, now: datetime) -> None:
    """Verify `user`'s address; the first time, publish `auth.user.email_verified.v1` in the caller's
    transaction (the caller saves the user and commits)."""
    if user.verify_email():
        uow.publish(UserEmailVerified(user_id=user.id, email=user.email, verified_at=now))
