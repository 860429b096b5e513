"""How XML text becomes a typed value (FORMAT.md §7.2): one home for the rule, which the one
XML reader (``_xml._Reader``) calls, whatever its sink and whichever path drives it.

Each function returns the value, or ``None`` when the text is not of the type: the reader then
keeps the string and reports it. Text is never trimmed (§2).
"""

from __future__ import annotations

import re
import sys
from typing import Final

from ._dates import iso_has_zone, iso_ticks, parse_iso
from ._errors import UcwaFormatError

__all__ = ["max_int_digits", "xml_bool", "xml_datetime", "xml_int"]

_INT: Final = re.compile(r"-?[0-9]+", re.ASCII)
_BOOLS: Final[dict[str, bool]] = {"true": True, "false": False, "1": True, "0": False}


def max_int_digits() -> int:
    """The most digits an integer value may have: Python's int string limit (4,300 unless the
    process set another, ``sys.set_int_max_str_digits``), its guard against quadratic
    conversion. A longer integer is kept as a string and reported like any other text that is
    not an integer, so time stays linear in the input's size."""
    return sys.get_int_max_str_digits() or sys.maxsize


def xml_int(text: str) -> int | None:
    """``-?[0-9]+`` of at most :func:`max_int_digits` digits → int (any size below that)."""
    if _INT.fullmatch(text) is None or len(text) - (text[0] == "-") > max_int_digits():
        return None
    return int(text)


def xml_bool(text: str) -> bool | None:
    """``true``/``false`` in any case, ``1``/``0`` → bool."""
    return _BOOLS.get(text.lower())


def xml_datetime(text: str, strict: bool) -> tuple[int, int | None, bool] | None:
    """A .NET "o" date (or, leniently, another ISO 8601 form) → ``(ticks, offset, zoned)``.

    ``offset`` is the written display offset (None for ``Z`` or no zone); ``zoned`` is False
    for a date without a zone, read as UTC, which the caller reports (strict: None, as for
    text that is no date).
    """
    try:
        found = iso_ticks(text, strict=strict)
        if found is not None:  # the plain "o" form with a zone: the common case
            return found[0], found[1], True
        ts = parse_iso(text, strict=strict)
    except UcwaFormatError:
        return None
    return ts.ticks, ts.offset, iso_has_zone(text)
