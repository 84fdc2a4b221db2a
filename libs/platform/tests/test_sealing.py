from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from nocturna_platform.sealing import AesGcmSealer

OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()


def test_a_blob_opens_with_the_key_that_sealed_it_and_its_context_only() -> None:
    sealer = AesGcmSealer({"old": OLD, "new": NEW}, "new")

    key_id, sealed = sealer.seal(b"1990-04-12", b"row-1")

    assert key_id == "new"
    assert b"1990-04-12" not in sealed
    assert sealer.open(key_id, sealed, b"row-1") == b"1990-04-12"
    with pytest.raises(InvalidTag):
        sealer.open(key_id, sealed, b"row-2")
    with pytest.raises(InvalidTag):
        sealer.open("old", sealed, b"row-1")


def test_resealing_moves_a_blob_to_the_current_key() -> None:
    old_key_id, sealed = AesGcmSealer({"old": OLD}, "old").seal(b"secret", b"ctx")

    key_id, resealed = AesGcmSealer({"old": OLD, "new": NEW}, "new").reseal(old_key_id, sealed, b"ctx")

    assert AesGcmSealer({"new": NEW}, "new").open(key_id, resealed, b"ctx") == b"secret"


def test_an_unknown_key_id_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        AesGcmSealer({"new": NEW}, "new").open("gone", b"\0" * 40, b"ctx")
