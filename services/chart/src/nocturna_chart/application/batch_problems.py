"""The outcome of a record whose chart could not be created, in the same terms as single creation's problems.

Details never echo the record: outcomes are stored in clear, and birth data only ever sealed.
"""

from __future__ import annotations

from nocturna_chart.application.create_chart import UnknownPlace
from nocturna_chart.domain.aspects import InvalidOrbs
from nocturna_chart.domain.batch import ItemProblem
from nocturna_chart.domain.birth import AmbiguousLocalTime, UnknownTimezone
from nocturna_chart.domain.charts import AccountErased, QuotaExceeded


def item_problem(error: Exception) -> ItemProblem:
    """The problem of one of single creation's `REFUSALS`."""
    if isinstance(error, QuotaExceeded):
        return ItemProblem(
            "quota_exceeded",
            "Plan limit reached",
            f"Your plan allows {error.limit} ({error.limit_name}); this record was not cast.",
        )
    if isinstance(error, AccountErased):
        return ItemProblem(
            "account_deleted", "Account deleted", "The account was deleted; this record was not cast."
        )
    if isinstance(error, AmbiguousLocalTime):
        skipped = error.kind == "nonexistent"
        return ItemProblem(
            "nonexistent_local_time" if skipped else "ambiguous_local_time",
            "The local birth time is skipped by a clock change"
            if skipped
            else "The local birth time occurs twice",
            "Send `fold` (0 the earlier offset, 1 the later) for this record.",
            "fold",
        )
    if isinstance(error, UnknownTimezone):
        return ItemProblem(
            "unknown_timezone", "Unknown time zone", "Not an IANA time zone name.", "birth.timezone"
        )
    if isinstance(error, UnknownPlace):
        return ItemProblem("unknown_place", "Unknown place", "No place has this id.", "birth.place_id")
    if isinstance(error, InvalidOrbs):
        return ItemProblem("invalid_orbs", "Invalid orbs", str(error), "options.orbs")
    raise error  # not a refusal: a failure of the system, retried with the job message
