"""Problems for the refusals of the credential flows, shared by the account and credential routes."""

from __future__ import annotations

from nocturna_platform.http.problems import FieldError, Problem

from nocturna_auth.domain.users import InvalidEmail, TooManyAttempts, WeakPassword


def weak_password(error: WeakPassword, field: str) -> Problem:
    """422 `weak_password`; the field error's code says why (`too_short`, `common_password`, ...)."""
    return Problem(
        422, "weak_password", "Password refused", str(error), [FieldError(field, str(error), error.reason)]
    )


def invalid_email(error: InvalidEmail, field: str = "email") -> Problem:
    return Problem(422, "validation_error", "Invalid input", errors=[FieldError(field, str(error))])


def retry_later(error: TooManyAttempts) -> Problem:
    return Problem(
        429,
        "too_many_attempts",
        "Too many attempts",
        str(error),
        headers={"Retry-After": str(error.retry_after_seconds)},
    )
