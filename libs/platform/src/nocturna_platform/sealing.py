"""AES-256-GCM sealing of data at rest, with the key id stored beside the ciphertext for rotation.

Every service that encrypts a column (auth's signing keys, chart's birth data, subscription's billing info)
seals through this one class; each passes its key ring from settings and a `context` binding a blob to its row.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class AesGcmSealer:
    """Seals with the current key; opens with whichever key sealed. `context` binds a blob to its row."""

    def __init__(self, keys: Mapping[str, str], current_key_id: str) -> None:
        """`keys`: key id → base64 AES-256 key; `current_key_id` seals, every key in the ring opens."""
        self._keys = {key_id: AESGCM(base64.b64decode(key)) for key_id, key in keys.items()}
        self._current = current_key_id

    @property
    def current_key_id(self) -> str:
        return self._current

    def seal(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        return self._current, nonce + self._keys[self._current].encrypt(nonce, plaintext, context)

    def open(self, key_id: str, sealed: bytes, context: bytes) -> bytes:
        """Raises LookupError for a key id not in the ring, InvalidTag for a tampered blob or wrong context."""
        if key_id not in self._keys:
            raise LookupError(f"sealed under unknown key {key_id!r}")
        return self._keys[key_id].decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)

    def reseal(self, key_id: str, sealed: bytes, context: bytes) -> tuple[str, bytes]:
        return self.seal(self.open(key_id, sealed, context), context)
