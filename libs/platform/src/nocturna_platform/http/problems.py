"""RFC 9457 problem details: the one error shape every service answers with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.nocturna.app/problems/"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"
    location: str = "body"


@dataclass
class Problem(Exception):
    """Raised anywhere above the domain to answer with a problem+json response; `code` is stable for clients."""

    status: int
    code: str
    title: str
    detail: str | None = None
    errors: Sequence[FieldError] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    @property
    def type(self) -> str:
        return PROBLEM_TYPE_BASE + self.code
