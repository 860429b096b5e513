"""The one oracle of the fuzzing harness (docs/fuzzing.md).

Given any bytes, read as XML and as JSON, every path must end in one of two ways:

- a ``UcwaFormatError`` (exactly that class) with a position (a line or a ``$.path``), the same
  error on every path of the direction: class, message and position;
- an output, the same bytes on every path, that parses and round-trips: XML → JSON → XML → JSON
  gives the same JSON value (and JSON → XML → JSON → XML the same XML), unless a loss was
  reported somewhere on the way (the losses are what the README allows to differ). JSON values
  are compared parsed: the order of an object's members is not part of its value (RFC 8259),
  and a ``rel`` read from a mark among the properties keeps its place in the first JSON only.

The paths of XML → JSON are the model (``from_xml`` + ``to_json``), the JSON sink
(``xml_to_json``) and the streaming converter; of JSON → XML, the tree (``json_to_xml``), the
streaming converter with ijson and with the JSON loaded whole. Any other exception, a
disagreement, an unstable round trip or a call slower than :data:`SLOW` seconds raises
:class:`Finding`.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import ucwaformat
from ucwaformat import Loss, UcwaFormatError, _stream

__all__ = ["SLOW", "Finding", "check", "check_json", "check_xml"]

#: A single call slower than this (seconds) is a finding: a hang, or work not linear in the input.
SLOW: Final = 2.0

Outcome = tuple[str, Any, frozenset[str]]


class Finding(AssertionError):
    """What the oracle refuses: the input broke a promise."""


def _outcome(run: Callable[[list[Loss]], bytes]) -> Outcome:
    report: list[Loss] = []
    start = time.perf_counter()
    try:
        out = run(report)
    except UcwaFormatError as exc:
        if type(exc) is not UcwaFormatError:
            raise Finding(f"a subclass of UcwaFormatError: {type(exc).__name__}") from exc
        if exc.line is None and exc.path is None:
            raise Finding(f"an error without a position: {exc}") from exc
        return "error", (exc.msg, exc.line, exc.column, exc.path), frozenset()
    except Exception as exc:  # (what the oracle is for)
        raise Finding(f"a foreign exception: {type(exc).__name__}: {exc}") from exc
    finally:
        took = time.perf_counter() - start
        if took > SLOW:
            raise Finding(f"a call took {took:.1f} s")
    return "ok", out, frozenset(map(str, report))


def _streamed(func: Callable[..., None], data: bytes, report: list[Loss]) -> bytes:
    dst = io.BytesIO()
    try:
        func(io.BytesIO(data), dst, report=report)
    except UcwaFormatError:
        if dst.getvalue():
            raise Finding("the streaming converter wrote output before failing") from None
        raise
    return dst.getvalue()


@contextmanager
def _ijson_off() -> Iterator[None]:
    saved = _stream._ijson
    _stream._ijson = lambda: None
    try:
        yield
    finally:
        _stream._ijson = saved


def _whole(data: bytes, report: list[Loss]) -> bytes:
    with _ijson_off():
        return _streamed(_stream.stream_json_to_xml, data, report)


def _agree(outcomes: dict[str, Outcome]) -> Outcome:
    (first_name, first), *others = outcomes.items()
    for name, other in others:
        if other[:2] != first[:2]:
            raise Finding(f"{name} and {first_name} disagree: {other[:2]!r} / {first[:2]!r}")
    return first


def _x2j(data: bytes) -> Outcome:
    return _agree(
        {
            "sink": _outcome(lambda r: ucwaformat.xml_to_json(data, report=r)),
            "model": _outcome(
                lambda r: ucwaformat.to_json(ucwaformat.from_xml(data, report=r), report=r)
            ),
            "stream": _outcome(lambda r: _streamed(_stream.stream_xml_to_json, data, r)),
        }
    )


def _j2x(data: bytes) -> Outcome:
    outcomes = {
        "tree": _outcome(lambda r: ucwaformat.json_to_xml(data, report=r)),
        "stream-whole": _outcome(lambda r: _whole(data, r)),
    }
    if _stream.ijson_available():
        outcomes["stream"] = _outcome(lambda r: _streamed(_stream.stream_json_to_xml, data, r))
    return _agree(outcomes)


def check_xml(data: bytes) -> None:
    """``data`` read as XML: every path agrees; an output comes back through JSON unchanged."""
    kind, json1, losses = _x2j(data)
    if kind == "error":
        return
    kind, xml2, losses2 = _j2x(json1)
    if kind == "error":
        raise Finding(f"the JSON written for this XML does not read back: {xml2}")
    kind, json3, losses3 = _x2j(xml2)
    if kind == "error":
        raise Finding(f"the XML written from that JSON does not read back: {json3}")
    if not (losses or losses2 or losses3) and json.loads(json3) != json.loads(json1):
        raise Finding(f"XML → JSON → XML → JSON is not stable:\n{json1!r}\n{json3!r}")


def check_json(data: bytes) -> None:
    """``data`` read as JSON: every path agrees; an output comes back through XML unchanged."""
    kind, xml1, losses = _j2x(data)
    if kind == "error":
        return
    kind, json2, losses2 = _x2j(xml1)
    if kind == "error":
        raise Finding(f"the XML written for this JSON does not read back: {json2}")
    kind, xml3, losses3 = _j2x(json2)
    if kind == "error":
        raise Finding(f"the JSON written from that XML does not read back: {xml3}")
    if not (losses or losses2 or losses3) and xml3 != xml1:
        raise Finding(f"JSON → XML → JSON → XML is not stable:\n{xml1!r}\n{xml3!r}")


def check(data: bytes) -> None:
    """``data`` read both ways (a byte-level fuzzer does not know which form it made)."""
    check_xml(data)
    check_json(data)
