"""Redeliveries after a reconnect are recognised by event id, within a bounded memory."""

from __future__ import annotations

from uuid import uuid4

from nocturna_gateway.consumers.instance_queue import RecentIds


def test_an_id_seen_among_the_last_ones_is_not_new_and_the_oldest_are_forgotten() -> None:
    recent = RecentIds(size=2)
    first, second, third = uuid4(), uuid4(), uuid4()

    assert recent.first_time(first)
    assert recent.first_time(second)
    assert not recent.first_time(first)
    assert recent.first_time(third)  # the first falls out
    assert recent.first_time(first)
    assert not recent.first_time(third)
