"""The fuzzing harness (``fuzz/``, docs/fuzzing.md): its oracle on the inputs that once broke a
promise (``tests/data/fuzz/``), a short run of every target, and a check that the oracle does
refuse what it must (a foreign exception, a disagreement between paths, an error without a
position, an unstable round trip)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from data_paths import DATA, ROOT
from hypothesis import given

sys.path.insert(0, str(ROOT))

import ucwaformat
from fuzz import oracle
from fuzz.targets import TARGETS
from ucwaformat import UcwaFormatError, _stream

FOUND = sorted((DATA / "fuzz").iterdir())
CHECKS = {".xml": oracle.check_xml, ".json": oracle.check_json}

MEETING_XML = (DATA / "corpus" / "myAssignedOnlineMeeting" / "get-xml-response.xml").read_bytes()
MEETING_JSON = (DATA / "corpus" / "myAssignedOnlineMeeting" / "get-json-response.json").read_bytes()


def test_the_regression_inputs_are_there() -> None:
    assert len(FOUND) >= 17


@pytest.mark.parametrize("path", FOUND, ids=[p.name for p in FOUND])
def test_regression_input(path: Path) -> None:
    CHECKS.get(path.suffix, oracle.check)(path.read_bytes())


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_short_run_of_each_target(name: str) -> None:
    strategy, form = TARGETS[name]
    check = {"xml": oracle.check_xml, "json": oracle.check_json, "any": oracle.check}[form]

    @given(strategy)
    def run(data: bytes) -> None:
        check(data)

    run()


# -- the oracle refuses what it must -------------------------------------------------------------


def test_the_oracle_passes_the_corpus_documents() -> None:
    oracle.check_xml(MEETING_XML)
    oracle.check_json(MEETING_JSON)


def test_a_foreign_exception_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: Any, **kwargs: Any) -> bytes:
        raise KeyError("x")

    monkeypatch.setattr(ucwaformat, "xml_to_json", broken)
    with pytest.raises(oracle.Finding, match="a foreign exception: KeyError"):
        oracle.check_xml(MEETING_XML)


def test_paths_that_disagree_are_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ucwaformat.json_to_xml
    monkeypatch.setattr(ucwaformat, "json_to_xml", lambda data, **kw: real(data, **kw) + b" ")
    with pytest.raises(oracle.Finding, match="disagree"):
        oracle.check_json(MEETING_JSON)


def test_an_error_without_a_position_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def nowhere(src: Any, dst: Any, **kwargs: Any) -> None:
        raise UcwaFormatError("bad")

    monkeypatch.setattr(_stream, "stream_xml_to_json", nowhere)
    with pytest.raises(oracle.Finding, match="without a position"):
        oracle.check_xml(MEETING_XML)


def test_an_unstable_round_trip_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    # A lossless document whose XML → JSON, the second time round, says another thing.
    xml = ucwaformat.json_to_xml(b'{"rel":"contact","name":"Ann","_links":{"self":{"href":"/c"}}}')
    real = oracle._x2j
    seen: list[bytes] = []

    def drifting(data: bytes) -> Any:
        kind, out, losses = real(data)
        seen.append(data)
        return kind, out.replace(b"Ann", b"Bob") if len(seen) > 1 else out, losses

    oracle.check_xml(xml)  # stable as it is
    monkeypatch.setattr(oracle, "_x2j", drifting)
    with pytest.raises(oracle.Finding, match="not stable"):
        oracle.check_xml(xml)


def test_a_slow_call_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle, "SLOW", -1.0)
    with pytest.raises(oracle.Finding, match="a call took"):
        oracle.check_xml(MEETING_XML)
