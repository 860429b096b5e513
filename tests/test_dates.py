"""Timestamps: /Date(ms±hhmm)/ and the .NET "o" ISO form (FORMAT.md §8, D7-D10, §14.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ucwaformat._dates import (
    MAX_MS,
    MAX_TICKS,
    MIN_MS,
    MIN_TICKS,
    Timestamp,
    format_iso,
    is_ms_date,
    iso_has_zone,
    iso_ticks,
    parse_iso,
    parse_ms_date,
)
from ucwaformat._errors import UcwaFormatError
from ucwaformat._jsondates import format_ms_date

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RANGE_MS = "0001-01-01T00:00:00Z..9999-12-31T23:59:59.999Z"
RANGE_TICKS = "0001-01-01T00:00:00Z..9999-12-31T23:59:59.9999999Z"


def trunc_ms(ticks: int) -> int:
    """ticks / 10000 truncated toward zero, computed independently of the library."""
    q, r = divmod(ticks, 10_000)
    if ticks < 0 and r:
        q += 1
    return q


def error(fn: Callable[..., object], *args: object, **kwargs: object) -> str:
    """The full message of the UcwaFormatError that fn raises (always without a position)."""
    with pytest.raises(UcwaFormatError) as info:
        fn(*args, **kwargs)
    assert info.value.line is None and info.value.path is None
    return str(info.value)


# --- constants -------------------------------------------------------------------------------


def test_range_constants() -> None:
    assert MIN_MS == -62135596800000
    assert MAX_MS == 253402300799999
    assert MIN_TICKS == MIN_MS * 10_000
    assert MAX_TICKS == MAX_MS * 10_000 + 9_999


# --- §8.3 vectors ----------------------------------------------------------------------------

JSON_TO_ISO = [
    ("/Date(1474932023030)/", "2016-09-26T23:20:23.0300000Z"),
    ("/Date(1474932023030+0200)/", "2016-09-27T01:20:23.0300000+02:00"),
    ("/Date(0)/", "1970-01-01T00:00:00.0000000Z"),
    ("/Date(-1)/", "1969-12-31T23:59:59.9990000Z"),
    ("/Date(-62135596800000)/", "0001-01-01T00:00:00.0000000Z"),
    ("/Date(253402300799999)/", "9999-12-31T23:59:59.9990000Z"),
]


@pytest.mark.parametrize(("json", "iso"), JSON_TO_ISO)
@pytest.mark.parametrize("strict", [False, True])
def test_json_to_iso_vectors(json: str, iso: str, strict: bool) -> None:
    ts = parse_ms_date(json, strict=strict)
    assert format_iso(ts) == iso
    assert format_ms_date(ts) == json  # canonical input round-trips exactly
    back = parse_iso(iso, strict=strict)
    assert back.ticks == ts.ticks and back.offset == ts.offset


def test_json_to_iso_default_offset() -> None:
    ts = parse_ms_date("/Date(1474932023030)/")
    assert format_iso(ts, default_offset=-420) == "2016-09-26T16:20:23.0300000-07:00"
    # A JSON offset wins over the writer's default (D7).
    ts2 = parse_ms_date("/Date(1474932023030+0200)/")
    assert format_iso(ts2, default_offset=-420) == "2016-09-27T01:20:23.0300000+02:00"


@pytest.mark.parametrize(
    ("iso", "ms"),
    [
        ("2016-09-26T16:20:23.0485629-07:00", 1474932023048),
        ("2014-06-02T21:00:13.1350704Z", 1401742813135),
        ("1969-12-31T23:59:59.9985000Z", -1),
        ("1969-12-31T23:59:59.9995Z", 0),  # toward zero, not floor (-1)
        ("1969-12-31T23:59:59.9999999Z", 0),
        ("1969-12-31T23:59:59.9990000Z", -1),
        ("1969-12-31T23:59:59.9989999Z", -1),
        ("1970-01-01T00:00:00.0009999Z", 0),
    ],
)
def test_iso_to_json_vectors(iso: str, ms: int) -> None:
    ts = parse_iso(iso, strict=True)
    assert ts.ms == ms
    assert format_ms_date(ts) == f"/Date({ms})/"
    assert format_iso(ts) == iso.replace("9995Z", "9995000Z")


def test_sub_ms() -> None:
    assert parse_iso("2014-06-02T21:00:13.1350704Z").sub_ms
    assert not parse_iso("2014-06-02T21:00:13.1350000Z").sub_ms
    assert parse_iso("1969-12-31T23:59:59.9995Z").sub_ms
    assert not parse_ms_date("/Date(-1)/").sub_ms


# --- /Date()/ parsing ------------------------------------------------------------------------


def test_negative_ms_with_offset() -> None:
    ts = parse_ms_date("/Date(-1000+0100)/", strict=True)
    assert ts == Timestamp(-10_000_000, 60, True)
    assert ts.ms == -1000
    assert format_ms_date(ts) == "/Date(-1000+0100)/"
    assert format_iso(ts) == "1970-01-01T00:59:59.0000000+01:00"
    ts = parse_ms_date("/Date(-1000-0130)/", strict=True)
    assert (ts.ms, ts.offset) == (-1000, -90)
    assert format_ms_date(ts) == "/Date(-1000-0130)/"


def test_offset_never_moves_the_instant() -> None:
    assert parse_ms_date("/Date(0+0200)/").ticks == parse_ms_date("/Date(0)/").ticks == 0
    assert parse_ms_date("/Date(0-1400)/").ticks == 0


def test_short_offset_lenient_only() -> None:
    ts = parse_ms_date("/Date(0+02)/")
    assert (ts.ticks, ts.offset, ts.json_offset) == (0, 120, True)
    assert format_ms_date(ts) == "/Date(0+0200)/"
    assert parse_ms_date("/Date(-5-14)/").offset == -840
    assert error(parse_ms_date, "/Date(0+02)/", strict=True) == (
        "invalid /Date() value '/Date(0+02)/': expected /Date(ms)/ or /Date(ms±hhmm)/"
    )


def test_whitespace_lenient_only() -> None:
    assert parse_ms_date(" \t/Date(5)/\n").ms == 5
    assert error(parse_ms_date, " /Date(5)/", strict=True) == (
        "invalid /Date() value ' /Date(5)/': expected /Date(ms)/ or /Date(ms±hhmm)/"
    )


@pytest.mark.parametrize("off", ["+1401", "-1500", "+0060", "+0099", "+9999", "+15"])
def test_invalid_offset(off: str) -> None:
    text = f"/Date(1474932023030{off})/"
    ts = parse_ms_date(text)  # lenient: ignored, the instant stands
    assert ts == Timestamp(14749320230300000)
    assert format_iso(ts) == "2016-09-26T23:20:23.0300000Z"
    if len(off) == 5:
        assert error(parse_ms_date, text, strict=True) == (
            f"invalid /Date() offset {off} in '{text}': "
            "must be within -1400..+1400 with minutes below 60"
        )
    else:
        with pytest.raises(UcwaFormatError):
            parse_ms_date(text, strict=True)


def test_offset_bounds() -> None:
    assert parse_ms_date("/Date(0+1400)/", strict=True).offset == 840
    assert parse_ms_date("/Date(0-1400)/", strict=True).offset == -840
    assert parse_ms_date("/Date(0+1359)/", strict=True).offset == 839
    assert parse_ms_date("/Date(0-0000)/", strict=True).offset == 0


@pytest.mark.parametrize("strict", [False, True])
def test_ms_range(strict: bool) -> None:
    assert parse_ms_date(f"/Date({MIN_MS})/", strict=strict).ticks == MIN_TICKS
    assert parse_ms_date(f"/Date({MAX_MS})/", strict=strict).ticks == MAX_MS * 10_000
    assert error(parse_ms_date, f"/Date({MIN_MS - 1})/", strict=strict) == (
        f"date out of range: -62135596800001 ms is outside {RANGE_MS}"
    )
    assert error(parse_ms_date, f"/Date({MAX_MS + 1})/", strict=strict) == (
        f"date out of range: 253402300800000 ms is outside {RANGE_MS}; "
        "it may hold .NET ticks, not milliseconds"
    )
    # The offset cannot bring an out-of-range instant back: it never moves it.
    with pytest.raises(UcwaFormatError):
        parse_ms_date(f"/Date({MAX_MS + 1}-1400)/", strict=strict)


def test_net_ticks_rejected() -> None:
    assert error(parse_ms_date, "/Date(634250351766060665)/") == (
        f"date out of range: 634250351766060665 ms is outside {RANGE_MS}; "
        "it may hold .NET ticks, not milliseconds"
    )


def test_absurd_lengths() -> None:
    msg = error(parse_ms_date, "/Date(" + "9" * 5000 + ")/")
    assert msg.startswith("date out of range: 999") and msg.endswith("not milliseconds")
    assert len(msg) < 200
    assert parse_ms_date("/Date(" + "0" * 40 + "1)/").ms == 1
    assert parse_ms_date("/Date(-0)/").ms == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "/Date()/",
        "/Date(1.5)/",
        "/Date(+1)/",
        "/Date(1)",
        "Date(1)/",
        "/Date(1)/x",
        "/date(1)/",
        "\\/Date(1)\\/",  # the wire escape is undone by the JSON decoder, never seen here
        "/Date(1+123)/",
        "/Date(1+12345)/",
        "/Date(1 +0100)/",
        "/Date(\u0661)/",  # ARABIC-INDIC DIGIT ONE: not an ASCII digit
        "2016-09-27T00:00:00Z",
    ],
)
def test_not_ms_dates(text: str) -> None:
    assert not is_ms_date(text)
    for strict in (False, True):
        assert error(parse_ms_date, text, strict=strict).startswith("invalid /Date() value ")


@pytest.mark.parametrize(
    "text",
    [
        "/Date(0)/",
        "/Date(-1)/",
        "/Date(1474932023030+0200)/",
        "/Date(1474932023030-02)/",
        " /Date(1)/ ",
        "/Date(1+9999)/",  # invalid offset, but the form of a date
        "/Date(634250351766060665)/",  # out of range, still the form of a date (§14.1)
    ],
)
def test_is_ms_date(text: str) -> None:
    assert is_ms_date(text)


def test_from_ms() -> None:
    assert Timestamp.from_ms(5) == Timestamp(50_000)
    assert Timestamp.from_ms(5, 60) == Timestamp(50_000, 60, True)
    assert Timestamp.from_ms(MIN_MS).ticks == MIN_TICKS
    assert error(Timestamp.from_ms, MAX_MS + 1) == (
        f"date out of range: 253402300800000 ms is outside {RANGE_MS}; "
        "it may hold .NET ticks, not milliseconds"
    )
    assert error(Timestamp.from_ms, 0, 900) == (
        "offset out of range: 900 minutes is outside -14:00..+14:00"
    )


# --- /Date()/ writing ------------------------------------------------------------------------


def test_format_ms_date_offset_modes() -> None:
    from_iso = parse_iso("2016-09-26T16:20:23.0485629-07:00")
    assert not from_iso.json_offset
    assert format_ms_date(from_iso) == "/Date(1474932023048)/"
    assert format_ms_date(from_iso, offset=True) == "/Date(1474932023048-0700)/"
    assert format_ms_date(from_iso, offset=False) == "/Date(1474932023048)/"
    from_json = parse_ms_date("/Date(1474932023048+0530)/")
    assert format_ms_date(from_json) == "/Date(1474932023048+0530)/"
    assert format_ms_date(from_json, offset=True) == "/Date(1474932023048+0530)/"
    assert format_ms_date(from_json, offset=False) == "/Date(1474932023048)/"
    utc = parse_iso("2016-09-26T16:20:23Z")
    assert format_ms_date(utc, offset=True) == "/Date(1474906823000)/"
    zero = parse_iso("2016-09-26T16:20:23+00:00")
    assert format_ms_date(zero, offset=True) == "/Date(1474906823000+0000)/"
    # json_offset without an offset writes none.
    assert format_ms_date(Timestamp(0, None, True)) == "/Date(0)/"


# --- ISO parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "frac_ticks", "out"),
    [
        ("2016-09-27T00:00:18Z", 0, "2016-09-27T00:00:18.0000000Z"),
        ("2016-09-27T00:00:18.000Z", 0, "2016-09-27T00:00:18.0000000Z"),
        ("2016-09-27T00:00:18.1Z", 1_000_000, "2016-09-27T00:00:18.1000000Z"),
        ("2016-09-27T00:00:18.123456Z", 1_234_560, "2016-09-27T00:00:18.1234560Z"),
        ("2016-09-27T00:00:18.1234567Z", 1_234_567, "2016-09-27T00:00:18.1234567Z"),
        ("2016-09-27T00:00:18.12345678Z", 1_234_567, "2016-09-27T00:00:18.1234567Z"),
        ("2016-09-27T00:00:18.123456789999Z", 1_234_567, "2016-09-27T00:00:18.1234567Z"),
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_iso_fractions(text: str, frac_ticks: int, out: str, strict: bool) -> None:
    base = parse_iso("2016-09-27T00:00:18.0000000Z").ticks
    ts = parse_iso(text, strict=strict)
    assert ts.ticks - base == frac_ticks
    assert format_iso(ts) == out


def test_fraction_truncation_before_1970() -> None:
    # The digits are truncated on the wall clock (the text), i.e. toward the past here.
    assert parse_iso("1969-12-31T23:59:59.99999999Z").ticks == -1
    assert parse_iso("1969-12-31T23:59:59.99999999Z").ms == 0


def test_z_and_zero_offset_kept() -> None:
    z = parse_iso("2016-09-27T00:00:00.0000000Z", strict=True)
    zero = parse_iso("2016-09-27T00:00:00.0000000+00:00", strict=True)
    assert z.ticks == zero.ticks
    assert (z.offset, zero.offset) == (None, 0)
    assert format_iso(z) == "2016-09-27T00:00:00.0000000Z"
    assert format_iso(zero) == "2016-09-27T00:00:00.0000000+00:00"
    assert format_iso(z, default_offset=-420) == "2016-09-26T17:00:00.0000000-07:00"
    assert format_iso(zero, default_offset=-420) == "2016-09-27T00:00:00.0000000+00:00"
    # "-00:00" is read as the offset 0 and written back as "+00:00".
    assert parse_iso("2016-09-27T00:00:00-00:00").offset == 0


@pytest.mark.parametrize(
    ("text", "offset", "ms"),
    [
        ("2016-09-27T01:20:23.0300000+02:00", 120, 1474932023030),
        ("2016-09-26T16:20:23.0300000-07:00", -420, 1474932023030),
        ("2016-09-27T04:50:23.0300000+05:30", 330, 1474932023030),
        ("2016-09-27T13:20:23.0300000+14:00", 840, 1474932023030),
        ("2016-09-26T09:20:23.0300000-14:00", -840, 1474932023030),
    ],
)
def test_iso_offsets(text: str, offset: int, ms: int) -> None:
    ts = parse_iso(text, strict=True)
    assert (ts.offset, ts.ms, ts.json_offset) == (offset, ms, False)
    assert format_iso(ts) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2016-13-01T00:00:00Z", "month 13 is out of range"),
        ("2016-00-01T00:00:00Z", "month 00 is out of range"),
        ("2016-02-30T00:00:00Z", "day 30 is out of range for 2016-02"),
        ("1900-02-29T00:00:00Z", "day 29 is out of range for 1900-02"),
        ("2016-04-31T00:00:00Z", "day 31 is out of range for 2016-04"),
        ("2016-04-00T00:00:00Z", "day 00 is out of range for 2016-04"),
        ("0000-01-01T00:00:00Z", "year 0000 is out of range"),
        ("2016-01-01T24:00:00Z", "hour 24 is out of range"),
        ("2016-01-01T00:60:00Z", "minute 60 is out of range"),
        ("2016-01-01T00:00:60Z", "second 60 is out of range"),
        ("2016-01-01T00:00:00+14:01", "offset +14:01 is outside -14:00..+14:00"),
        ("2016-01-01T00:00:00-15:00", "offset -15:00 is outside -14:00..+14:00"),
        ("2016-01-01T00:00:00+05:60", "offset +05:60 is outside -14:00..+14:00"),
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_invalid_iso_fields(text: str, reason: str, strict: bool) -> None:
    assert error(parse_iso, text, strict=strict) == f"invalid ISO 8601 date '{text}': {reason}"


def test_valid_leap_days() -> None:
    assert format_iso(parse_iso("2000-02-29T00:00:00Z")) == "2000-02-29T00:00:00.0000000Z"
    assert format_iso(parse_iso("2016-02-29T23:59:59Z")) == "2016-02-29T23:59:59.0000000Z"


@pytest.mark.parametrize("strict", [False, True])
def test_iso_range(strict: bool) -> None:
    assert parse_iso("0001-01-01T00:00:00.0000000Z", strict=strict).ticks == MIN_TICKS
    assert parse_iso("9999-12-31T23:59:59.9999999Z", strict=strict).ticks == MAX_TICKS
    assert parse_iso("0001-01-01T00:00:00-00:01", strict=strict).ticks == MIN_TICKS + 600_000_000
    for text in ("0001-01-01T00:00:00.0000000+00:01", "9999-12-31T23:59:59.9999999-00:01"):
        assert error(parse_iso, text, strict=strict) == (
            f"ISO 8601 date '{text}' is outside {RANGE_TICKS}"
        )


def test_no_zone() -> None:
    ts = parse_iso("2016-09-27T00:00:00.0000000")
    assert ts == parse_iso("2016-09-27T00:00:00.0000000Z")
    assert ts.offset is None
    assert not iso_has_zone("2016-09-27T00:00:00.0000000")
    assert error(parse_iso, "2016-09-27T00:00:00.0000000", strict=True) == (
        "ISO 8601 date '2016-09-27T00:00:00.0000000' has no zone (Z or ±hh:mm)"
    )


def test_lenient_fallback_forms() -> None:
    assert parse_iso("2016-09-27T00:00Z") == parse_iso("2016-09-27T00:00:00Z")
    assert parse_iso("2016-09-27T00:00:00.000Z").offset is None  # the JSON-client form (§8.1)
    ts = parse_iso("2016-09-27T02:00:00+0200")
    assert (ts.offset, format_iso(ts)) == (120, "2016-09-27T02:00:00.0000000+02:00")
    assert parse_iso("2016-09-27") == parse_iso("2016-09-27T00:00:00Z")
    assert parse_iso("20160927T010203Z") == parse_iso("2016-09-27T01:02:03Z")
    # Text is never trimmed (§2): blanks around a date make it no date, in either mode.
    assert error(parse_iso, " 2016-09-27T00:00:00.1234567Z\n") == (
        "ISO 8601 date ' 2016-09-27T00:00:00.1234567Z\\n' has blanks around it"
    )
    assert error(parse_iso, "2016-09-27T00:00Z", strict=True) == (
        "invalid ISO 8601 date '2016-09-27T00:00Z': "
        "expected YYYY-MM-DDThh:mm:ss[.fffffff](Z|±hh:mm)"
    )
    assert error(parse_iso, " 2016-09-27T00:00:00Z", strict=True).startswith(
        "invalid ISO 8601 date ' 2016-09-27T00:00:00Z': expected"
    )


@pytest.mark.parametrize("text", ["", "yesterday", "2016-09-27T", "2016-09-27T25:00Z", "T"])
def test_lenient_garbage(text: str) -> None:
    assert error(parse_iso, text) == f"invalid ISO 8601 date {text!r}"


def test_long_garbage_is_clipped() -> None:
    msg = error(parse_iso, "x" * 10_000, strict=True)
    assert len(msg) < 200


def test_dateutil_not_on_common_path() -> None:
    code = (
        "import sys\n"
        "import ucwaformat._dates as d\n"
        "assert 'dateutil' not in sys.modules\n"
        "d.parse_iso('2016-09-26T16:20:23.0485629-07:00')\n"
        "d.parse_iso('2016-09-26T16:20:23')\n"
        "d.parse_ms_date('/Date(0)/')\n"
        "assert 'dateutil' not in sys.modules\n"
        "d.parse_iso('2016-09-27')\n"
        "assert 'dateutil' in sys.modules\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


@pytest.mark.parametrize(
    ("text", "zoned"),
    [
        ("2016-09-27T00:00:00.0000000Z", True),
        ("2016-09-27T00:00:00.0000000+02:00", True),
        ("2016-09-27T00:00:00-07:00", True),
        ("2016-09-27T00:00:00+0200", True),
        ("2016-09-27T00:00Z", True),
        ("2016-09-27 00:00:00z", True),
        ("2016-09-27T00:00:00.0000000", False),
        ("2016-09-27T00:00:00", False),
        ("2016-09-27", False),  # the "-27" is not an offset
        ("", False),
        ("Z", False),
    ],
)
def test_iso_has_zone(text: str, zoned: bool) -> None:
    assert iso_has_zone(text) is zoned


# --- ISO writing -----------------------------------------------------------------------------


def test_format_iso_year_padding() -> None:
    assert format_iso(Timestamp(MIN_TICKS + 1)) == "0001-01-01T00:00:00.0000001Z"
    ts = parse_iso("0099-03-01T12:00:00+01:00")
    assert format_iso(ts) == "0099-03-01T12:00:00.0000000+01:00"


def test_format_iso_offset_out_of_years_uses_z() -> None:
    assert format_iso(Timestamp(MIN_TICKS, -60)) == "0001-01-01T00:00:00.0000000Z"
    assert format_iso(Timestamp(MIN_TICKS), default_offset=-420) == ("0001-01-01T00:00:00.0000000Z")
    assert format_iso(Timestamp(MAX_TICKS, 60)) == "9999-12-31T23:59:59.9999999Z"
    assert format_iso(Timestamp(MIN_TICKS, 60)) == "0001-01-01T01:00:00.0000000+01:00"


def test_format_iso_bad_default_offset() -> None:
    assert error(format_iso, Timestamp(0), default_offset=841) == (
        "offset out of range: 841 minutes is outside -14:00..+14:00"
    )


# --- Timestamp -------------------------------------------------------------------------------


def test_timestamp_validation() -> None:
    assert error(Timestamp, MAX_TICKS + 1) == (
        f"timestamp out of range: {MAX_TICKS + 1} ticks is outside {RANGE_TICKS}"
    )
    assert error(Timestamp, MIN_TICKS - 1) == (
        f"timestamp out of range: {MIN_TICKS - 1} ticks is outside {RANGE_TICKS}"
    )
    assert error(Timestamp, 0, -841) == (
        "offset out of range: -841 minutes is outside -14:00..+14:00"
    )
    Timestamp(0, 840)
    Timestamp(0, -840)


def test_timestamp_is_frozen_and_keeps_json_iso() -> None:
    ts = attrs.evolve(parse_iso("2016-09-27T00:00:00.000Z"), json_iso="2016-09-27T00:00:00.000Z")
    assert ts.json_iso == "2016-09-27T00:00:00.000Z"
    assert ts != parse_iso("2016-09-27T00:00:00.000Z")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ts.ticks = 1  # type: ignore[misc]


def test_ms_truncates_toward_zero() -> None:
    assert [Timestamp(t).ms for t in (-20_000, -19_999, -10_001, -10_000, -9_999, -1)] == [
        -2,
        -1,
        -1,
        -1,
        0,
        0,
    ]
    assert [Timestamp(t).ms for t in (0, 1, 9_999, 10_000, 19_999)] == [0, 0, 0, 1, 1]


def test_from_datetime() -> None:
    assert Timestamp.from_datetime(EPOCH) == Timestamp(0)
    # timezone(timedelta(0)) is the very object datetime.UTC: Z as well.
    assert Timestamp.from_datetime(datetime(1970, 1, 1, tzinfo=timezone(timedelta(0)))) == (
        Timestamp(0)
    )
    plus2 = datetime(2016, 9, 27, 1, 20, 23, 30_000, tzinfo=timezone(timedelta(hours=2)))
    assert Timestamp.from_datetime(plus2) == parse_iso("2016-09-27T01:20:23.03+02:00")
    minus = datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(minutes=-90)))
    assert Timestamp.from_datetime(minus) == Timestamp(-10 + 90 * 600_000_000, -90)
    # A named zero-offset zone is an explicit +00:00, not Z.
    zero = datetime(2000, 1, 1, tzinfo=timezone(timedelta(0), "GMT"))
    assert Timestamp.from_datetime(zero).offset == 0


def test_from_datetime_errors() -> None:
    assert error(Timestamp.from_datetime, datetime(2016, 9, 27)) == (
        "naive datetime 2016-09-27T00:00:00: a timezone is required"
    )
    lmt = datetime(1900, 1, 1, tzinfo=timezone(timedelta(minutes=19, seconds=32)))
    assert error(Timestamp.from_datetime, lmt) == (
        "offset 0:19:32 of 1900-01-01T00:00:00+00:19:32 is not whole minutes"
    )
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert error(Timestamp.from_datetime, early).startswith("timestamp out of range:")


def test_to_datetime() -> None:
    ts = parse_iso("2016-09-26T16:20:23.0485629-07:00")
    dt = ts.to_datetime()
    assert dt == datetime(2016, 9, 26, 23, 20, 23, 48_562, tzinfo=UTC)
    assert dt.utcoffset() == timedelta(hours=-7)
    assert (dt.hour, dt.microsecond) == (16, 48_562)  # the 7th digit dropped
    assert Timestamp(-1).to_datetime() == datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    assert Timestamp(0).to_datetime().tzinfo is UTC
    assert Timestamp(MIN_TICKS, -60).to_datetime().tzinfo is UTC  # wall time out of years
    assert Timestamp(MAX_TICKS).to_datetime() == datetime(
        9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "2016-09-26T16:20:23.0480000-07:00",
        "2016-09-27T00:00:00.0000000+00:00",
        "2016-09-27T00:00:00.0000000Z",
        "0001-01-01T00:00:00.0000000Z",
    ],
)
def test_datetime_round_trip(text: str) -> None:
    ts = parse_iso(text)
    assert Timestamp.from_datetime(ts.to_datetime()) == ts


# --- properties ------------------------------------------------------------------------------

ticks_st = st.integers(MIN_TICKS, MAX_TICKS)
offsets_st = st.none() | st.integers(-840, 840)
ms_st = st.integers(MIN_MS, MAX_MS)


@given(ticks_st, offsets_st)
def test_prop_iso_round_trip(ticks: int, offset: int | None) -> None:
    ts = Timestamp(ticks, offset)
    text = format_iso(ts)
    if offset is not None and not MIN_TICKS <= ticks + offset * 600_000_000 <= MAX_TICKS:
        offset = None  # written as Z: the wall time would leave years 1-9999
        assert text.endswith("Z")
    assert parse_iso(text, strict=True) == Timestamp(ticks, offset)
    assert format_iso(parse_iso(text)) == text


@given(ticks_st)
def test_prop_format_iso_matches_datetime(ticks: int) -> None:
    # Independent oracle: datetime arithmetic for the µs, the 7th digit from the ticks.
    dt = EPOCH + timedelta(microseconds=ticks // 10)
    expected = (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
        f"{dt.second:02d}.{dt.microsecond:06d}{ticks % 10}Z"
    )
    assert format_iso(Timestamp(ticks)) == expected
    assert Timestamp(ticks).to_datetime() == dt


@given(
    st.integers(1, 9999),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 9_999_999),
    st.sampled_from(["Z", "+00:00", "-07:00", "+05:30", "+14:00", "-14:00"]),
)
def test_prop_iso_text_exact(
    y: int, mo: int, d: int, h: int, mi: int, s: int, f: int, zone: str
) -> None:
    text = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{f:07d}{zone}"
    try:
        ts = parse_iso(text, strict=True)
    except UcwaFormatError as exc:
        assert "out of range" in str(exc) or "is outside" in str(exc)
        return
    assert format_iso(ts) == text
    if zone == "Z":
        assert ts.offset is None
    else:
        assert ts.offset == (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 60 + int(zone[4:]))


@given(ms_st, offsets_st)
def test_prop_ms_round_trip(ms: int, offset: int | None) -> None:
    ts = Timestamp.from_ms(ms, offset)
    text = format_ms_date(ts)
    if offset is None:
        assert text == f"/Date({ms})/"
    else:
        sign = "-" if offset < 0 else "+"
        assert text == f"/Date({ms}{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d})/"
    assert is_ms_date(text)
    assert parse_ms_date(text, strict=True) == ts
    assert parse_ms_date(text) == ts


@given(ticks_st)
def test_prop_ms_truncation(ticks: int) -> None:
    ts = Timestamp(ticks)
    assert ts.ms == trunc_ms(ticks)
    assert ts.sub_ms == (ticks % 10_000 != 0)
    back = parse_ms_date(format_ms_date(ts), strict=True)
    assert back.ticks == trunc_ms(ticks) * 10_000
    assert abs(back.ticks) <= abs(ticks)  # toward zero, never away


# -- iso_ticks: the XML → JSON fast path's reader agrees with parse_iso --------------------------

# Every field as two or four digits of any value, so that out-of-range fields are common.
_d2 = st.integers(0, 99).map("{:02d}".format)
zoned_o_st = st.builds(
    "{}-{}-{}T{}:{}:{}{}{}".format,
    st.one_of(st.integers(0, 9999).map("{:04d}".format), st.sampled_from(["1970", "0001", "9999"])),
    st.one_of(_d2, st.sampled_from(["01", "02", "12"])),
    st.one_of(_d2, st.sampled_from(["28", "29", "30", "31"])),
    st.one_of(_d2, st.sampled_from(["00", "23", "24"])),
    _d2,
    _d2,
    st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=12).map(".{}".format)),
    st.one_of(
        st.just("Z"),
        st.builds("{}{}:{}".format, st.sampled_from("+-"), st.one_of(_d2, st.just("14")), _d2),
    ),
)


# Valid dates and times (the common case), with any fraction and any zone that fits the form.
valid_o_st = st.builds(
    "{}{}{}".format,
    st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda dt: dt.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    ),
    st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=12).map(".{}".format)),
    st.one_of(
        st.just("Z"),
        st.builds(
            "{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 15), st.integers(0, 60)
        ),
    ),
)


def assert_iso_ticks_agrees(text: str, strict: bool) -> None:
    try:
        ts = parse_iso(text, strict=strict)
    except UcwaFormatError as exc:
        assert error(iso_ticks, text, strict=strict) == str(exc)
    else:
        assert iso_ticks(text, strict=strict) == (ts.ticks, ts.offset)


@given(st.one_of(valid_o_st, zoned_o_st), st.booleans())
def test_prop_iso_ticks_agrees_with_parse_iso(text: str, strict: bool) -> None:
    assert_iso_ticks_agrees(text, strict)


@pytest.mark.parametrize(
    "text",
    [
        "2016-09-26T16:20:23.0485629-07:00",
        "2016-09-26T16:20:23Z",
        "2016-09-26T16:20:23.04856291234+00:00",
        "2016-09-26T16:20:23.5+00:00",
        "1969-12-31T23:59:59.999+01:30",
        "2000-02-29T00:00:00-14:00",
        "0001-01-01T00:00:00-00:01",
        "0001-01-01T00:00:00.0000000+00:01",  # before the range
        "9999-12-31T23:59:59.9999999-00:01",  # after it
        "2016-01-01T24:00:00Z",
        "1900-02-29T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "2016-01-01T00:00:00+05:60",
        "2016-01-01T00:00:00-15:00",
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_iso_ticks_vectors(text: str, strict: bool) -> None:
    assert_iso_ticks_agrees(text, strict)


@pytest.mark.parametrize(
    "text",
    ["2016-09-27T00:00:00.0000000", "2016-09-27T00:00Z", "2016-09-27T02:00:00+0200", " x", ""],
)
def test_iso_ticks_other_forms(text: str) -> None:
    assert iso_ticks(text) is None  # not the zoned "o" form: parse_iso decides


@pytest.mark.parametrize("text", [" 2016-09-26T16:20:23.0485629-07:00", "2016-09-26T16:20:23Z "])
def test_a_date_with_blanks_is_a_string_in_both_forms(text: str) -> None:
    # The XML reader once trimmed it silently (and wrote it back trimmed, XML -> XML too) where
    # the JSON reader kept it: both keep the string and report it; strict refuses it.
    import ucwaformat
    from ucwaformat import Loss

    xml = (
        '<resource xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa" rel="myOnlineMeeting"'
        f' href="/m"><property name="expirationTime">{text}</property></resource>'
    )
    jsn = json.dumps({"rel": "myOnlineMeeting", "expirationTime": text})
    for read, data in ((ucwaformat.from_xml, xml), (ucwaformat.from_json, jsn)):
        report: list[Loss] = []
        doc = read(data, report=report)
        assert doc.get("expirationTime") == text  # type: ignore[union-attr]
        assert [(loss.kind, loss.path) for loss in report] == [("type", "$.expirationTime")]
        with pytest.raises(ucwaformat.UcwaFormatError):
            read(data, strict=True)
    assert f">{text}</property>" in ucwaformat.to_xml(ucwaformat.from_xml(xml)).decode()
    report = []
    out = json.loads(ucwaformat.xml_to_json(xml, report=report))
    assert out["expirationTime"] == text


def test_a_date_the_schema_does_not_type_is_reported_on_its_way_to_xml() -> None:
    # A date under a name the schema does not type (as application.expires was before the
    # server supplement typed it): it goes to XML as ISO text and comes back as a string; that
    # is reported, not silent.
    import ucwaformat
    from ucwaformat import Loss, Schema

    data = b'{"rel":"application","leaseEnds":"\\/Date(1463047458421)\\/","_links":{"self":{"href":"/a"}}}'
    report: list[Loss] = []
    xml = ucwaformat.json_to_xml(data, report=report)
    assert b">2016-05-12T10:04:18.4210000Z<" in xml
    assert [(loss.kind, loss.path) for loss in report] == [("untyped", "$.leaseEnds")]
    with pytest.raises(ucwaformat.UcwaFormatError):
        ucwaformat.json_to_xml(data, strict=True)
    # Where the schema knows it, nothing is lost and the date comes back.
    schema = Schema.bundled().with_property("application", "leaseEnds", "datetime")
    report = []
    xml = ucwaformat.json_to_xml(data, schema=schema, report=report)
    assert report == []
    assert (
        json.loads(ucwaformat.xml_to_json(xml, schema=schema))["leaseEnds"] == "/Date(1463047458421)/"
    )
    # In a list, and in a request body, too.
    report = []
    ucwaformat.json_to_xml(b'{"rel":"x","when":["\\/Date(0)\\/"]}', report=report)
    ucwaformat.json_to_xml(b'{"when":"\\/Date(0)\\/"}', report=report)
    assert [(loss.kind, loss.path) for loss in report] == [("untyped", "$.when")] * 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/Date(0+9999)/", "'/Date(0+9999)/': invalid offset +9999; ignored (the instant stands)"),
        (" /Date(0)/ ", "' /Date(0)/ ': blanks around the date; dropped"),
        ("/Date(0+02)/", "'/Date(0+02)/': an offset of hours only; written back with minutes"),
    ],
)
def test_what_lenient_date_reading_changes_is_reported(text: str, message: str) -> None:
    import ucwaformat
    from ucwaformat import Loss

    data = json.dumps({"rel": "myOnlineMeeting", "expirationTime": text})
    report: list[Loss] = []
    ucwaformat.from_json(data, report=report)
    assert [(loss.kind, loss.path, loss.message) for loss in report] == [
        ("date", "$.expirationTime", message)
    ]
    with pytest.raises(ucwaformat.UcwaFormatError):
        ucwaformat.from_json(data, strict=True)


@pytest.mark.parametrize("text", ["/Date(253402300799999+1400)/", "/Date(-62135596800000-1400)/"])
def test_an_offset_xml_cannot_show_at_the_ends_of_the_range_is_reported(text: str) -> None:
    # Valid even for strict reading, but the local time would leave years 1-9999: the XML
    # writer falls back to UTC, once silently.
    import ucwaformat
    from ucwaformat import Loss

    data = json.dumps({"rel": "myOnlineMeeting", "expirationTime": text})
    report: list[Loss] = []
    xml = ucwaformat.json_to_xml(data, report=report)
    assert b"Z</property>" in xml
    assert [(loss.kind, loss.path) for loss in report] == [("offset", "$.expirationTime")]
    with pytest.raises(ucwaformat.UcwaFormatError):
        ucwaformat.json_to_xml(data, strict=True)
