"""Every path holds to the same bytes, losses and errors (issue: one flow).

XML → JSON has three paths: the model path (``from_xml`` + ``to_json``), the JSON sink of the
same reader (``xml_to_json``, no model) and the streaming converter (``stream_xml_to_json``). JSON → XML has the tree path
(``json_to_xml``) and the streaming converter, with ijson or with the JSON loaded whole. Each
document of ``tests/data``, a set of generated ones and byte-mutated copies of the corpus goes
through every path of its direction; they must give the same output bytes, the same losses
(as a set: the streaming converter reports item by item) and the same error class, with a
position on every path.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from data_paths import CORPUS
from differential import mutated
from hypothesis import given
from hypothesis import strategies as st

import ucwaformat
from ucwaformat import Loss, UcwaFormatError, _stream
from ucwaformat._stream import stream_json_to_xml, stream_xml_to_json
from ucwaformat.testing import strategies as ust

XML_FILES = sorted(CORPUS.rglob("*.xml"))
JSON_FILES = sorted(CORPUS.rglob("*.json"))
JSON_FILES = [p for p in JSON_FILES if p.name != "manifest.json"]

Outcome = tuple[str, Any, frozenset[str]]


def _outcome(run: Callable[[list[Loss]], bytes]) -> Outcome:
    report: list[Loss] = []
    try:
        out = run(report)
    except UcwaFormatError as exc:
        assert type(exc) is UcwaFormatError
        assert exc.line is not None or exc.path is not None, f"no position: {exc}"
        return "error", (exc.msg, exc.line, exc.column, exc.path), frozenset()
    return "ok", out, frozenset(map(str, report))


def _streamed(func: Callable[..., None], data: bytes, report: list[Loss], **options: Any) -> bytes:
    dst = io.BytesIO()
    try:
        func(io.BytesIO(data), dst, report=report, **options)
    except UcwaFormatError:
        assert dst.getvalue() == b"", "nothing is written when the conversion fails"
        raise
    return dst.getvalue()


def x2j_paths(data: bytes, **options: Any) -> dict[str, Outcome]:
    write = {k: options[k] for k in ("pretty", "escape_solidus", "date_offset") if k in options}
    read = {k: v for k, v in options.items() if k not in write}
    write["strict"] = options.get("strict", False)
    return {
        "model": _outcome(
            lambda r: ucwaformat.to_json(
                ucwaformat.from_xml(data, report=r, **read), report=r, **write
            )
        ),
        "sink": _outcome(lambda r: ucwaformat.xml_to_json(data, report=r, **options)),
        "stream": _outcome(lambda r: _streamed(stream_xml_to_json, data, r, **options)),
    }


def j2x_paths(data: bytes, monkeypatch: pytest.MonkeyPatch, **options: Any) -> dict[str, Outcome]:
    outcomes = {
        "tree": _outcome(lambda r: ucwaformat.json_to_xml(data, report=r, **options)),
        "stream": _outcome(lambda r: _streamed(stream_json_to_xml, data, r, **options)),
    }
    with monkeypatch.context() as m:
        m.setattr(_stream, "_ijson", lambda: None)
        outcomes["stream-whole"] = _outcome(
            lambda r: _streamed(stream_json_to_xml, data, r, **options)
        )
    return outcomes


def assert_agree(outcomes: dict[str, Outcome]) -> None:
    first_name, first = next(iter(outcomes.items()))
    for name, other in outcomes.items():
        assert other[0] == first[0], f"{name}: {other[0]} but {first_name}: {first[0]}"
        assert other[1] == first[1], f"{name} and {first_name} wrote different bytes"
        assert other[2] == first[2], f"{name} and {first_name} reported different losses"


X2J_OPTIONS = [{}, {"pretty": True, "unknown_cardinality": "collection"}, {"strict": True}]
J2X_OPTIONS = [{}, {"dialect": "docs", "pretty": True}, {"strict": True}]


def test_the_corpus_is_there() -> None:
    assert len(XML_FILES) > 50 and len(JSON_FILES) > 50


@pytest.mark.parametrize("options", X2J_OPTIONS, ids=str)
def test_corpus_xml_to_json(options: dict[str, Any]) -> None:
    for path in XML_FILES:
        try:
            assert_agree(x2j_paths(path.read_bytes(), **options))
        except AssertionError as exc:
            raise AssertionError(f"{path.relative_to(CORPUS)}: {exc}") from exc


@pytest.mark.parametrize("options", J2X_OPTIONS, ids=str)
def test_corpus_json_to_xml(options: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    for path in JSON_FILES:
        try:
            assert_agree(j2x_paths(path.read_bytes(), monkeypatch, **options))
        except AssertionError as exc:
            raise AssertionError(f"{path.relative_to(CORPUS)}: {exc}") from exc


def test_mutated_xml() -> None:
    for data in mutated(XML_FILES, 1, 300):
        try:
            assert_agree(x2j_paths(data))
        except AssertionError as exc:
            raise AssertionError(f"{data[:200]!r}: {exc}") from exc


def test_mutated_json(monkeypatch: pytest.MonkeyPatch) -> None:
    for data in mutated(JSON_FILES, 2, 300):
        try:
            assert_agree(j2x_paths(data, monkeypatch))
        except AssertionError as exc:
            raise AssertionError(f"{data[:200]!r}: {exc}") from exc


@given(
    doc=st.one_of(ust.resources(), ust.event_pages(), ust.documents()),
    dialect=st.sampled_from(["server", "docs"]),
)
def test_generated_documents_both_ways(doc: Any, dialect: str) -> None:
    try:
        xml = ucwaformat.to_xml(doc, dialect=dialect)  # type: ignore[arg-type]
        jsn = ucwaformat.to_json(doc)
    except UcwaFormatError:
        return  # a model one writer refuses
    assert_agree(x2j_paths(xml))
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_agree(j2x_paths(jsn, monkeypatch))
