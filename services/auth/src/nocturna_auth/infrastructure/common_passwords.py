"""The bundled list of common and leaked passwords (see the service README for its source and licence)."""

from __future__ import annotations

import gzip
from importlib import resources

LIST_FILE = "common-passwords.txt.gz"


class BundledCommonPasswords:
    """A lower-cased `frozenset`, read from package data on first use (never at import time)."""

    def __init__(self) -> None:
        self._passwords: frozenset[str] | None = None

    def load(self) -> frozenset[str]:
        if self._passwords is None:
            data = resources.files(__package__).joinpath("data", LIST_FILE).read_bytes()
            lines = gzip.decompress(data).decode("utf-8").splitlines()
            self._passwords = frozenset(line.strip().lower() for line in lines if line.strip())
        return self._passwords

    def __contains__(self, password: object) -> bool:
        return isinstance(password, str) and password in self.load()
