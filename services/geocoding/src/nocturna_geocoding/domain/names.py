"""Which spellings of a place name are indexed for search."""

from __future__ import annotations

from collections.abc import Iterable

_GERMAN_DIGRAPHS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def searchable_names(name: str, alternate_names: Iterable[str]) -> set[str]:
    """The name, its alternate names (other languages and scripts), and the `ue`-for-`ü` spelling of each.

    Accents and case are folded by the database (`fold_name`); the German digraph spelling (`Muenchen`) is
    not an accent folding, so it is added here. Three-letter upper-case codes (IATA `PAR`) and links are
    dropped: they are not names people type for a birthplace.
    """
    names: set[str] = set()
    for raw in (name, *alternate_names):
        candidate = raw.strip()
        if not candidate or "://" in candidate or (len(candidate) <= 3 and candidate.isupper()):
            continue
        names.add(candidate)
        digraphs = candidate.translate(_GERMAN_DIGRAPHS)
        if digraphs != candidate:
            names.add(digraphs)
    return names
