"""UCWA timestamps: the JSON ``/Date(ms±hhmm)/`` form and the XML .NET "o" form (FORMAT.md §8).

A :class:`Timestamp` is an instant in 100 ns ticks since the Unix epoch plus the display offset it
was read with, so that XML→XML and JSON→JSON stay exact (§14.1, D7-D9). All arithmetic is on
integers: ``datetime`` stops at microseconds and floors, while UCWA needs ticks and .NET's
truncation toward zero.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

import attrs

from ._errors import UcwaFormatError

__all__ = [
    "MAX_MS",
    "MAX_OFFSET",
    "MAX_TICKS",
    "MIN_MS",
    "MIN_TICKS",
    "TICKS_PER_MS",
    "Timestamp",
    "format_iso",
    "is_ms_date",
    "iso_has_zone",
    "iso_ticks",
    "ms_date_repair",
    "parse_iso",
    "parse_ms_date",
]

TICKS_PER_MS: Final = 10_000
TICKS_PER_SECOND: Final = 10_000_000
TICKS_PER_MINUTE: Final = 60 * TICKS_PER_SECOND
TICKS_PER_DAY: Final = 86_400 * TICKS_PER_SECOND
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()

#: 0001-01-01T00:00:00.0000000Z and 9999-12-31T23:59:59.9999999Z, the .NET DateTime range.
MIN_TICKS: Final = (1 - _EPOCH_ORDINAL) * TICKS_PER_DAY
MAX_TICKS: Final = (date(9999, 12, 31).toordinal() + 1 - _EPOCH_ORDINAL) * TICKS_PER_DAY - 1
#: The same range in JSON milliseconds (-62135596800000 .. 253402300799999).
MIN_MS: Final = MIN_TICKS // TICKS_PER_MS
MAX_MS: Final = MAX_TICKS // TICKS_PER_MS
#: Largest display offset in minutes (±14:00, as in xs:dateTime).
MAX_OFFSET: Final = 14 * 60

# More significant digits than this cannot be in range; checked before int() so absurd inputs
# neither hit Python's int-from-str digit limit nor cost time.
_MAX_MS_DIGITS: Final = len(str(MAX_MS))

# [0-9] rather than \d: \d also matches non-ASCII digits, which int() would happily accept.
_MS_STRICT: Final = re.compile(r"/Date\((-?[0-9]+)(?:([+-])([0-9]{2})([0-9]{2}))?\)/")
_MS_LENIENT: Final = re.compile(r"\s*/Date\((-?[0-9]+)(?:([+-])([0-9]{2})([0-9]{2})?)?\)/\s*")
_ISO: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))?"
)
# The same form with a zone required, in three parts: date and time, fraction, zone (iso_ticks).
_ISO_ZONED: Final = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
_ZONE_MINUTES: Final[dict[str, int]] = {}
_EPOCH_DATETIME: Final = datetime(1970, 1, 1)
# A zone after a time of day: Z or ±hh[[:]mm]. The time is required so that the "-27" of a bare
# date ("2016-09-27") is not taken for an offset.
_ISO_ZONE: Final = re.compile(r"[Tt ][0-9:.,]+(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)\s*\Z")

_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ISO_FORM: Final = "expected YYYY-MM-DDThh:mm:ss[.fffffff](Z|±hh:mm)"
_MS_FORM: Final = "expected /Date(ms)/ or /Date(ms±hhmm)/"
_RANGE_TEXT: Final = "0001-01-01T00:00:00Z..9999-12-31T23:59:59.9999999Z"

# Built on demand and reused: formatting and to_datetime run for every date of bulk payloads.
_TZ_CACHE: Final[dict[int, timezone]] = {}
_ISO_ZONE_CACHE: Final[dict[int, str]] = {}


@attrs.frozen(slots=True)
class Timestamp:
    """An instant with the display offset and JSON form it was read with.

    ``ticks``: 100 ns ticks since 1970-01-01T00:00:00Z (negative before). ``offset``: display
    offset in minutes east of UTC, ``None`` for ``Z``/no offset. ``json_offset``: the offset came
    from ``/Date(ms±hhmm)/`` (D8; meaningful only with an offset). ``json_iso``: the ISO text a
    JSON string held (D25), echoed verbatim by JSON writers.
    """

    ticks: int
    offset: int | None = None
    json_offset: bool = False
    json_iso: str | None = None

    def __attrs_post_init__(self) -> None:
        if not MIN_TICKS <= self.ticks <= MAX_TICKS:
            raise UcwaFormatError(
                f"timestamp out of range: {self.ticks} ticks is outside {_RANGE_TEXT}"
            )
        if self.offset is not None and not -MAX_OFFSET <= self.offset <= MAX_OFFSET:
            raise UcwaFormatError(
                f"offset out of range: {self.offset} minutes is outside -14:00..+14:00"
            )

    @property
    def ms(self) -> int:
        """Milliseconds since the epoch, truncated toward zero as .NET does (not floored)."""
        t = self.ticks
        return t // TICKS_PER_MS if t >= 0 else -(-t // TICKS_PER_MS)

    @property
    def sub_ms(self) -> bool:
        """Whether the ticks have digits below the millisecond (lost in JSON, D9)."""
        return self.ticks % TICKS_PER_MS != 0

    @classmethod
    def from_ms(cls, ms: int, offset: int | None = None) -> Timestamp:
        """The JSON instant ``ms``; an ``offset`` is marked as read from ``/Date(ms±hhmm)/``."""
        if not MIN_MS <= ms <= MAX_MS:
            raise _ms_range_error(str(ms))
        return cls(ms * TICKS_PER_MS, offset, offset is not None)

    @classmethod
    def from_datetime(cls, dt: datetime) -> Timestamp:
        """An aware datetime as a timestamp, its offset kept for display.

        ``datetime.timezone.utc`` gives offset ``None`` (``Z``); any other zone its offset.
        Offsets that are not whole minutes (historic LMT zones) cannot be written and raise.
        """
        delta = dt.utcoffset()
        if delta is None:
            raise UcwaFormatError(f"naive datetime {dt.isoformat()}: a timezone is required")
        off_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        if off_us % 60_000_000:
            raise UcwaFormatError(f"offset {delta} of {dt.isoformat()} is not whole minutes")
        secs = (
            (dt.toordinal() - _EPOCH_ORDINAL) * 86_400
            + dt.hour * 3_600
            + dt.minute * 60
            + dt.second
        )
        ticks = secs * TICKS_PER_SECOND + (dt.microsecond - off_us) * 10
        offset = None if dt.tzinfo is UTC else off_us // 60_000_000
        return cls(ticks, offset)

    def to_datetime(self) -> datetime:
        """This instant as an aware datetime in its display offset (UTC when it has none).

        Microsecond precision: the 7th fraction digit is dropped toward the past (floor). An
        offset that would put the wall time outside years 1-9999 gives UTC instead. Offset 0
        uses a zero-offset zone that is not ``datetime.timezone.utc``, so that
        :meth:`from_datetime` keeps it as ``+00:00``.
        """
        off = self.offset
        wall = self.ticks
        if off is not None:
            wall += off * TICKS_PER_MINUTE
            if not MIN_TICKS <= wall <= MAX_TICKS:
                off, wall = None, self.ticks
        days, rem = divmod(wall, TICKS_PER_DAY)
        secs, frac = divmod(rem, TICKS_PER_SECOND)
        hour, rem_s = divmod(secs, 3_600)
        minute, second = divmod(rem_s, 60)
        d = date.fromordinal(days + _EPOCH_ORDINAL)
        return datetime(d.year, d.month, d.day, hour, minute, second, frac // 10, tzinfo=_tz(off))


def _tz(offset: int | None) -> timezone:
    if offset is None:
        return UTC
    tz = _TZ_CACHE.get(offset)
    if tz is None:
        # timezone(timedelta(0)) *is* datetime.timezone.utc; the name makes +00:00 a distinct
        # object, so that from_datetime can tell it from Z.
        tz = timezone(timedelta(minutes=offset), "UTC" + _iso_zone(offset))
        _TZ_CACHE[offset] = tz
    return tz


def _iso_zone(offset: int) -> str:
    """``±hh:mm`` for an offset in minutes."""
    z = _ISO_ZONE_CACHE.get(offset)
    if z is None:
        hh, mm = divmod(abs(offset), 60)
        z = f"{'-' if offset < 0 else '+'}{hh:02d}:{mm:02d}"
        _ISO_ZONE_CACHE[offset] = z
    return z


def _show(text: str) -> str:
    """``repr`` of input text, clipped so that a huge bad value does not flood a message."""
    return repr(text if len(text) <= 64 else text[:60] + "…")


def _ms_range_error(num: str) -> UcwaFormatError:
    if len(num) > 40:
        num = num[:36] + "…"
    msg = f"date out of range: {num} ms is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999Z"
    if not num.startswith("-"):
        # The classic mistake: a .NET DateTime.Ticks value written where ms belong.
        msg += "; it may hold .NET ticks, not milliseconds"
    return UcwaFormatError(msg)


def _offset_minutes(sign: str, hh: str, mm: str | None) -> int | None:
    """Minutes of a ``±hh[mm]`` / ``±hh:mm`` offset; ``None`` when invalid (> 14:00, mm > 59)."""
    h = int(hh)
    m = int(mm) if mm else 0
    if m > 59:
        return None
    total = h * 60 + m
    if total > MAX_OFFSET:
        return None
    return -total if sign == "-" else total


def is_ms_date(text: str) -> bool:
    """Whether a decoded JSON string has the ``/Date(…)/`` form (§8.1, lenient grammar).

    Says nothing about the range: an out-of-range value still looks like a date (§14.1).
    """
    return _MS_LENIENT.fullmatch(text) is not None


def parse_ms_date(text: str, *, strict: bool = False) -> Timestamp:
    """Read a decoded ``/Date(ms)/`` or ``/Date(ms±hhmm)/`` string (§8.1).

    The number is the UTC instant; an offset only records the display zone. Lenient mode also
    allows surrounding whitespace and ``±hh``, and ignores an invalid offset.
    """
    m = (_MS_STRICT if strict else _MS_LENIENT).fullmatch(text)
    if m is None:
        raise UcwaFormatError(f"invalid /Date() value {_show(text)}: {_MS_FORM}")
    num, sign, hh, mm = m.groups()
    if len(num.lstrip("-").lstrip("0")) > _MAX_MS_DIGITS:
        raise _ms_range_error(num)
    ms = int(num)
    if not MIN_MS <= ms <= MAX_MS:
        raise _ms_range_error(num)
    offset = None
    if sign is not None:
        offset = _offset_minutes(sign, hh, mm)
        if offset is None and strict:
            raise UcwaFormatError(
                f"invalid /Date() offset {sign}{hh}{mm} in {_show(text)}: "
                "must be within -1400..+1400 with minutes below 60"
            )
    return Timestamp(ms * TICKS_PER_MS, offset, offset is not None)


def ms_date_repair(text: str) -> str | None:
    """What lenient reading changed in a ``/Date()/`` string it accepted, or None: blanks
    around it, a ``±hh`` offset (written back as ``±hh00``), an invalid offset (ignored)."""
    m = _MS_STRICT.fullmatch(text)
    if m is None:
        if text != text.strip():
            return "blanks around the date; dropped"
        return "an offset of hours only; written back with minutes"
    sign, hh, mm = m.group(2), m.group(3), m.group(4)
    if sign is not None and _offset_minutes(sign, hh, mm) is None:
        return f"invalid offset {sign}{hh}{mm}; ignored (the instant stands)"
    return None


def iso_has_zone(text: str) -> bool:
    """Whether ISO text ends in a zone (``Z`` or ``±hh:mm``; also ``±hhmm``/``±hh``)."""
    return _ISO_ZONE.search(text) is not None


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month]


def parse_iso(text: str, *, strict: bool = False) -> Timestamp:
    """Read the .NET "o" form ``YYYY-MM-DDThh:mm:ss[.f…](Z|±hh:mm|)`` (§8.2).

    Fraction digits past the 7th are truncated. ``Z`` gives offset ``None`` and ``+00:00`` offset
    0, so both write back as read. No zone reads as UTC with offset ``None``; strict mode raises
    (D10), otherwise the caller reports it (see :func:`iso_has_zone`). Lenient mode also falls
    back to ``dateutil`` for other ISO 8601 forms. Text is never trimmed (§2: a value's
    whitespace is data): a date with blanks around it is not a date, in either mode, so every
    reader keeps it as the string it is and reports it.
    """
    m = _ISO.fullmatch(text)
    if m is None:
        if strict:
            raise UcwaFormatError(f"invalid ISO 8601 date {_show(text)}: {_ISO_FORM}")
        if text != text.strip():
            raise UcwaFormatError(f"ISO 8601 date {_show(text)} has blanks around it")
        return _parse_iso_fallback(text)
    return Timestamp(*_iso_ticks(m, text, strict))


def iso_ticks(text: str, *, strict: bool = False) -> tuple[int, int | None] | None:
    """``(ticks, offset)`` of a date in exactly the "o" form with a zone, as :func:`parse_iso`
    reads it (and raises); None for any other text, which only :func:`parse_iso` decides about.

    The XML reader's quick date reader: no Timestamp, and a zone known to be there. The
    date and time of day are checked by ``datetime.fromisoformat`` (C, for what is already
    known to be digits in place); anything it or the range refuses goes the general way, which
    says why. (``strict`` only matters for zoneless text, which is not this form.)
    """
    m = _ISO_ZONED.fullmatch(text)
    if m is None:
        return None
    base, frac, zone = m.groups()
    if zone == "Z":
        offset = None
    else:
        offset = _ZONE_MINUTES.get(zone)
        if offset is None:
            offset = _offset_minutes(zone[0], zone[1:3], zone[4:])
            if offset is None:
                return _iso_ticks(_match_iso(text), text, strict)  # raises: out of range
            _ZONE_MINUTES[zone] = offset  # at most 2 * 14 * 60 + 1 distinct valid zones
    # "24:00" is refused here as by the general way (newer Pythons read it as the next day).
    if base[11:13] == "24":
        return _iso_ticks(_match_iso(text), text, strict)
    try:
        since = datetime.fromisoformat(base) - _EPOCH_DATETIME
    except ValueError:
        return _iso_ticks(_match_iso(text), text, strict)  # raises: a field out of range
    # (Whole seconds: days and seconds of the difference, quicker than dividing timedeltas.)
    ticks = (since.days * 86400 + since.seconds) * TICKS_PER_SECOND
    if frac:
        ticks += int(frac) if len(frac) == 7 else int(frac[:7].ljust(7, "0"))
    if offset:
        ticks -= offset * TICKS_PER_MINUTE
    if not MIN_TICKS <= ticks <= MAX_TICKS:
        return _iso_ticks(_match_iso(text), text, strict)  # raises: outside the .NET range
    return ticks, offset


def _match_iso(text: str) -> re.Match[str]:
    m = _ISO.fullmatch(text)
    assert m is not None  # _ISO_ZONED matched, and _ISO accepts everything it does
    return m


def _iso_ticks(m: re.Match[str], text: str, strict: bool) -> tuple[int, int | None]:
    ys, mos, ds, hs, mis, ss, frac, z, sign, oh, om = m.groups()
    year, month, day = int(ys), int(mos), int(ds)
    hour, minute, second = int(hs), int(mis), int(ss)
    reason = None
    if year == 0:
        reason = "year 0000 is out of range"
    elif not 1 <= month <= 12:
        reason = f"month {mos} is out of range"
    elif not 1 <= day <= _days_in_month(year, month):
        reason = f"day {ds} is out of range for {ys}-{mos}"
    elif hour > 23:
        reason = f"hour {hs} is out of range"
    elif minute > 59:
        reason = f"minute {mis} is out of range"
    elif second > 59:
        reason = f"second {ss} is out of range"
    offset = None
    if sign is not None:
        offset = _offset_minutes(sign, oh, om)
        if offset is None and reason is None:
            reason = f"offset {sign}{oh}:{om} is outside -14:00..+14:00"
    if reason is not None:
        raise UcwaFormatError(f"invalid ISO 8601 date {_show(text)}: {reason}")
    if strict and sign is None and z is None:
        raise UcwaFormatError(f"ISO 8601 date {_show(text)} has no zone (Z or ±hh:mm)")
    secs = (
        (date(year, month, day).toordinal() - _EPOCH_ORDINAL) * 86_400
        + hour * 3_600
        + minute * 60
        + second
    )
    ticks = secs * TICKS_PER_SECOND + (int(frac[:7].ljust(7, "0")) if frac else 0)
    if offset:
        ticks -= offset * TICKS_PER_MINUTE
    if not MIN_TICKS <= ticks <= MAX_TICKS:
        raise UcwaFormatError(f"ISO 8601 date {_show(text)} is outside {_RANGE_TEXT}")
    return ticks, offset


def _parse_iso_fallback(text: str) -> Timestamp:
    """Lenient path for ISO 8601 forms the "o" regex does not cover (rare; microseconds)."""
    from dateutil.parser import isoparse  # lazy: never imported on the common path

    try:
        dt = isoparse(text)
    except (ValueError, OverflowError) as exc:
        raise UcwaFormatError(f"invalid ISO 8601 date {_show(text)}") from exc
    if dt.utcoffset() is None or text[-1:] in ("Z", "z"):
        # No zone (reported by the caller) or Z: UTC without a written offset.
        dt = dt.replace(tzinfo=UTC)
    try:
        return Timestamp.from_datetime(dt)
    except UcwaFormatError as exc:
        raise UcwaFormatError(f"invalid ISO 8601 date {_show(text)}: {exc.msg}") from None


def format_iso(ts: Timestamp, *, default_offset: int | None = None) -> str:
    """The .NET "o" form with exactly 7 fraction digits (§8.2, D7).

    The zone is the timestamp's offset, else ``default_offset``, else ``Z``; ``Z`` also when
    the offset would put the wall time outside years 1-9999.
    """
    off = ts.offset if ts.offset is not None else default_offset
    wall = ts.ticks
    if off is not None:
        if not -MAX_OFFSET <= off <= MAX_OFFSET:
            raise UcwaFormatError(f"offset out of range: {off} minutes is outside -14:00..+14:00")
        wall += off * TICKS_PER_MINUTE
        if not MIN_TICKS <= wall <= MAX_TICKS:
            off, wall = None, ts.ticks
    days, rem = divmod(wall, TICKS_PER_DAY)
    secs, frac = divmod(rem, TICKS_PER_SECOND)
    hour, rem_s = divmod(secs, 3_600)
    minute, second = divmod(rem_s, 60)
    # Not strftime: %Y prints year 1 as "1".
    d = date.fromordinal(days + _EPOCH_ORDINAL)
    zone = "Z" if off is None else _iso_zone(off)
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T"
        f"{hour:02d}:{minute:02d}:{second:02d}.{frac:07d}{zone}"
    )
