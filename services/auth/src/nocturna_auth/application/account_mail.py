"""The plain-text mails of the account flows; their links point at the web app (`email.link_base_url`)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from nocturna_auth.domain.emails import EmailKind, EmailMessage

PRODUCT = "Nocturna"


def _duration(lifetime: timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"


class AccountMail:
    def __init__(self, link_base_url: str) -> None:
        self._base = link_base_url.rstrip("/")

    def _link(self, path: str, secret: str | None = None) -> str:
        return f"{self._base}/{path}" + (f"?token={quote(secret, safe='')}" if secret else "")

    def verify_email(self, to: str, secret: str, valid_for: timedelta) -> EmailMessage:
        body = (
            f"Welcome to {PRODUCT}!\n\n"
            f"Please confirm your email address by opening this link:\n\n"
            f"{self._link('verify-email', secret)}\n\n"
            f"The link works once and expires in {_duration(valid_for)}.\n"
            f"If you did not create an account, you can ignore this message.\n"
        )
        return EmailMessage(to, f"Confirm your {PRODUCT} email address", body, EmailKind.VERIFY_EMAIL)

    def password_reset(self, to: str, secret: str, valid_for: timedelta) -> EmailMessage:
        body = (
            f"Someone asked to reset the password of your {PRODUCT} account.\n\n"
            f"To choose a new password, open this link:\n\n"
            f"{self._link('reset-password', secret)}\n\n"
            f"The link works once and expires in {_duration(valid_for)}. Resetting signs you out everywhere.\n"
            f"If you did not ask for this, ignore this message: your password stays as it is.\n"
        )
        return EmailMessage(to, f"Reset your {PRODUCT} password", body, EmailKind.PASSWORD_RESET)

    def password_changed(self, to: str) -> EmailMessage:
        body = (
            f"The password of your {PRODUCT} account was just changed.\n\n"
            f"If this was not you, reset your password now:\n\n"
            f"{self._link('forgot-password')}\n"
        )
        return EmailMessage(to, f"Your {PRODUCT} password was changed", body, EmailKind.PASSWORD_CHANGED)

    def registration_attempt(self, to: str) -> EmailMessage:
        body = (
            f"Someone tried to create a {PRODUCT} account with your email address, which already has one.\n\n"
            f"If it was you, sign in instead, or reset your password if you forgot it:\n\n"
            f"{self._link('forgot-password')}\n\n"
            f"If it was not you, you can ignore this message: nothing was changed.\n"
        )
        return EmailMessage(
            to, f"Someone tried to register with your {PRODUCT} address", body, EmailKind.REGISTRATION_ATTEMPT
        )
