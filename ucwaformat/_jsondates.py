"""How a JSON date is written (FORMAT.md §8.1, D8, D9): the one module to change for that.

Every JSON writer calls these: the JSON writer (``_json``, which the XML reader's JSON sink
uses too) and the streaming converter (``_stream``). A date is ``/Date(ms)/`` or
``/Date(ms±hhmm)/``, milliseconds truncated toward zero, and on the wire its solidi are escaped
as servers write them (``"\\/Date(…)\\/"``), which orjson cannot do itself: writers either
hand orjson a ready-made fragment or rewrite the delimiters in the serialised text.
"""

from __future__ import annotations

import re
from typing import IO, Final

import orjson

from ._dates import TICKS_PER_MS, Timestamp

__all__ = [
    "OFFSET_LOSS",
    "SUB_MS_LOSS",
    "DateEscaper",
    "escape_dates",
    "escaped_date",
    "format_ms_date",
    "fragment_written",
    "ms_date_text",
    "plain_written",
]

#: The JSON writers' losses: what a JSON date cannot carry.
SUB_MS_LOSS: Final = (
    "the timestamp has digits below the millisecond, which JSON dates cannot carry; dropped"
)
OFFSET_LOSS: Final = "the timestamp's display offset has no place in a JSON date; written in UTC"

_JSON_ZONE_CACHE: Final[dict[int, str]] = {}
_DATE_DELIMITERS: Final = re.compile(rb'"/Date\(|\)/"')


def format_ms_date(ts: Timestamp, *, offset: bool | None = None) -> str:
    """``/Date(ms)/`` or ``/Date(ms±hhmm)/``, unescaped; ms truncated toward zero (D8/D9).

    ``offset=None`` writes the offset only if it was read from JSON; ``True`` writes any offset
    the timestamp has; ``False`` never writes one.
    """
    write = ts.json_offset if offset is None else offset
    return ms_date_text(ts.ticks, ts.offset if write else None)


def ms_date_text(ticks: int, offset: int | None) -> str:
    """``/Date(ms)/``, or ``/Date(ms±hhmm)/`` with an offset; ms truncated toward zero (D9)."""
    ms = ticks // TICKS_PER_MS if ticks >= 0 else -(-ticks // TICKS_PER_MS)
    if offset is not None:
        return f"/Date({ms}{_json_zone(offset)})/"
    return f"/Date({ms})/"


def _json_zone(offset: int) -> str:
    """``±hhmm`` for an offset in minutes."""
    z = _JSON_ZONE_CACHE.get(offset)
    if z is None:
        hh, mm = divmod(abs(offset), 60)
        z = f"{'-' if offset < 0 else '+'}{hh:02d}{mm:02d}"
        _JSON_ZONE_CACHE[offset] = z
    return z


def escaped_date(text: str) -> orjson.Fragment:
    """``/Date(…)/`` text as the escaped JSON string servers write, for orjson to copy as it is
    (a fragment holds only digits and a sign besides the delimiters)."""
    return orjson.Fragment(f'"\\{text[:-1]}\\/"')


def escape_dates(out: bytes) -> bytes:
    """``"/Date(…)/"`` → ``"\\/Date(…)\\/"`` throughout a JSON text (orjson cannot write ``\\/``).

    Inside a JSON string ``\\/`` equals ``/``, so this rewrite of the date delimiters is safe
    for any string that happens to contain them too.
    """
    return out.replace(b'"/Date(', b'"\\/Date(').replace(b')/"', b')\\/"')


def fragment_written(out: bytes) -> bool:
    """Whether a JSON text holds an escaped date written from a fragment (:func:`escaped_date`).

    Only a fragment writes a quote, one backslash and a solidus: orjson doubles every backslash
    of a string. (rfind: CPython searches backwards about twice as fast for needles like these.)
    """
    return out.rfind(b'"\\/Date(') >= 0


def plain_written(out: bytes) -> bool:
    """Whether a JSON text holds a delimiter that :func:`escape_dates` rewrites."""
    return out.rfind(b'"/Date(') >= 0 or out.rfind(b')/"') >= 0


class DateEscaper:
    """``dst``, with the server's ``"\\/Date(…)\\/"`` written when the document has dates.

    :func:`escape_dates` rewrites the date delimiters of a whole document; a streamed one
    arrives in pieces, so a delimiter cut between two pieces is held back until the next one.
    """

    def __init__(self, dst: IO[bytes], escape: bool) -> None:
        self.dst = dst
        self.escape = escape
        self.carry = b""

    def write(self, data: bytes) -> None:
        if not self.escape:
            self.dst.write(data)
            return
        buf = self.carry + data
        safe = max(0, len(buf) - 6)  # a delimiter is at most 7 bytes long
        pieces: list[bytes] = []
        pos = 0
        for match in _DATE_DELIMITERS.finditer(buf):
            if match.start() >= safe:
                break
            pieces.append(buf[pos : match.start()])
            pieces.append(b'"\\/Date(' if match.group() == b'"/Date(' else b')\\/"')
            pos = match.end()
        safe = max(safe, pos)
        pieces.append(buf[pos:safe])
        self.carry = buf[safe:]
        self.dst.write(b"".join(pieces))

    def close(self) -> None:
        if self.carry:
            self.dst.write(escape_dates(self.carry))
            self.carry = b""
