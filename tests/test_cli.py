"""The ``ucwaformat`` command (``ucwaformat.cli``) and the semantic diff (``ucwaformat._diff``).

The command runs in-process through ``main([...])`` with captured bytes; one smoke test runs
``python -m ucwaformat`` in a subprocess. Inputs come from ``tests/data`` (variants of them are
written to ``tmp_path``).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from data_paths import DATA

import ucwaformat
from ucwaformat import UcwaFormatError
from ucwaformat._diff import MISSING, Difference, diff
from ucwaformat.cli import main

CORPUS = DATA / "corpus"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
ENTRIES: dict[str, dict[str, Any]] = {entry["file"]: entry for entry in MANIFEST["files"]}

MEETING_XML = CORPUS / "myAssignedOnlineMeeting/get-xml-response.xml"
MEETING_JSON = CORPUS / "myAssignedOnlineMeeting/get-json-response.json"
CONTACT_JSON = CORPUS / "contact/get-json-response.json"
TOKEN_XML = CORPUS / "mediaRelayAccessToken/get-xml-response.xml"
BATCH = "batch/post-xml-response.mime"
NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"


def leftovers(root: Path) -> list[Path]:
    """Temporary files an atomic write may have left behind."""
    return [p for p in root.rglob("*") if p.name.startswith(".ucwaformat-")]


# --------------------------------------------------------------------------------------------
# The command line itself
# --------------------------------------------------------------------------------------------


def test_version(cli: Any) -> None:
    status, out, _ = cli("--version")
    assert (status, out) == (0, f"ucwaformat {ucwaformat.__version__}\n".encode())


def test_python_m_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ucwaformat", "--version"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.decode().strip() == f"ucwaformat {ucwaformat.__version__}"


#: What only some runs need, which the command's start (its imports and its parser) must not
#: load: the installed metadata (--version), the process pool and the forked workers (--jobs),
#: the whole XML-name rule (a name that is not ASCII), the gateway (serve), batches and data
#: URIs (HAR files, the library's own), the package resources machinery (the bundled schema
#: is a file beside the code).
_STARTUP = """
import sys
before = set(sys.modules)
import json, ucwaformat.cli, ucwaformat._xmltext
ucwaformat.cli._parser("convert")
print(json.dumps(sorted(set(sys.modules) - before)))
print(ucwaformat._xmltext._ncname.cache_info().currsize)
"""


def test_the_command_starts_without_what_only_some_runs_need() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP], capture_output=True, check=True, text=True, timeout=60
    )
    loaded, compiled = done.stdout.splitlines()
    modules = set(json.loads(loaded))
    assert "ucwaformat.cli" in modules and "argparse" in modules
    assert modules.isdisjoint(
        {
            "ucwaformat.gateway",
            "importlib.metadata",
            "concurrent.futures",
            "concurrent.futures.process",
            "multiprocessing",
            "ucwaformat._forked",
            "ucwaformat._batch",
            "ucwaformat._datauri",
            "importlib.resources",
        }
    )
    assert compiled == "0"


def test_serve_is_left_out_only_of_the_parser_of_another_command(cli: Any) -> None:
    from ucwaformat.cli import _parser

    assert "serve" in _parser().format_help()
    for command in ("convert", "check", "diff", "learn"):
        assert "serve" not in _parser(command).format_help()
    # A command line that does not start with another command sees serve.
    for argv in (["--help"], ["-h", "convert"]):
        status, out, _ = cli(*argv)
        assert status == 0 and b"    serve " in out
    status, _, err = cli("conv")
    assert status == 2 and "'learn', 'serve')" in err
    status, out, _ = cli("serve", "--help")
    assert status == 0 and b"--upstream" in out


@pytest.mark.parametrize("command", [[], ["convert"], ["check"], ["diff"]])
def test_help(cli: Any, command: list[str]) -> None:
    status, out, _ = cli(*command, "--help")
    assert status == 0
    assert out.startswith(b"usage: ucwaformat")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["convert", "--to", "yaml"], "invalid choice: 'yaml'"),
        (["convert", "--dialect", "html"], "invalid choice: 'html'"),
        (["convert", "--jobs", "0"], "must be at least 1, not 0"),
        (["convert", "a.xml", "b.xml", "-o", "c.json"], "-o/--output takes exactly one input"),
        (["convert", "-", "--out-dir", "out"], "--out-dir needs files or directories"),
        (["convert", "--lines", "--pretty"], "--pretty cannot be used with --lines"),
        (["convert", "--lines", "--http"], "not allowed with argument --lines"),
        (["convert", "-o", "x", "--out-dir", "y"], "not allowed with argument -o/--output"),
        (["diff", "a.xml"], "the following arguments are required: B"),
        (["diff", "-", "-"], "only one of A and B can be stdin"),
        (["diff", "a", "b", "--tolerance-ms", "-3"], "must not be negative"),
    ],
)
def test_usage_errors_exit_2(cli: Any, argv: list[str], message: str) -> None:
    status, out, err = cli(*argv)
    assert status == 2
    assert out == b""
    assert message in err
    assert err.startswith("usage: ucwaformat")


# --------------------------------------------------------------------------------------------
# convert: one document
# --------------------------------------------------------------------------------------------


def test_convert_xml_file_to_stdout(cli: Any) -> None:
    status, out, err = cli("convert", MEETING_XML)
    assert (status, err) == (0, "")
    assert out == ucwaformat.xml_to_json(MEETING_XML.read_bytes()) + b"\n"


def test_convert_stdin_to_stdout(cli: Any) -> None:
    data = CONTACT_JSON.read_bytes()
    status, out, _ = cli("convert", stdin=data)
    assert status == 0
    assert out == ucwaformat.json_to_xml(data) + b"\n"
    status, out2, _ = cli("convert", "-", stdin=data)
    assert (status, out2) == (0, out)


def test_convert_to_the_same_form_rewrites(cli: Any) -> None:
    data = CONTACT_JSON.read_bytes()
    status, out, _ = cli("convert", "--to", "json", CONTACT_JSON)
    assert status == 0
    assert out == ucwaformat.to_json(ucwaformat.from_json(data)) + b"\n"
    status, out, _ = cli("convert", "--to", "json", "--pretty", CONTACT_JSON)
    assert status == 0
    assert out == ucwaformat.to_json(ucwaformat.from_json(data), pretty=True) + b"\n"


def test_convert_to_forces_the_form(cli: Any) -> None:
    status, out, _ = cli("convert", "--to", "xml", CONTACT_JSON)
    assert status == 0
    assert out.startswith(b"<?xml")


def test_pretty(cli: Any) -> None:
    status, out, _ = cli("convert", "--pretty", MEETING_XML)
    assert status == 0
    assert out == ucwaformat.xml_to_json(MEETING_XML.read_bytes(), pretty=True) + b"\n"
    assert out.count(b"\n") > 10


@pytest.mark.parametrize(("dialect", "true"), [("server", b">true<"), ("docs", b">True<")])
def test_dialect(cli: Any, dialect: str, true: bytes) -> None:
    data = b'{"rel": "note", "_links": {"self": {"href": "/n"}}, "flag": true}'
    status, out, _ = cli("convert", "--dialect", dialect, stdin=data)
    assert status == 0
    assert true in out
    assert (b'<property name="rel">note</property>' in out) == (dialect == "docs")


def test_rel_types_values(cli: Any, tmp_path: Path) -> None:
    # The token without its type: only --rel tells that 'duration' is an integer.
    data = TOKEN_XML.read_bytes().replace(b' rel="mediaRelayAccessToken"', b"", 1)
    data = data.replace(b'<property name="rel">mediaRelayAccessToken</property>', b"")
    source = tmp_path / "token.xml"
    source.write_bytes(data)
    _, out, _ = cli("convert", source)
    assert json.loads(out)["duration"] == "31"
    _, out, _ = cli("convert", "--rel", "mediaRelayAccessToken", source)
    assert json.loads(out)["duration"] == 31


def test_output_file(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "meeting.json"
    status, out, err = cli("convert", MEETING_XML, "-o", target)
    assert (status, out, err) == (0, b"", "")
    assert target.read_bytes() == ucwaformat.xml_to_json(MEETING_XML.read_bytes()) + b"\n"
    assert not leftovers(tmp_path)


def _losses(data: bytes) -> list[ucwaformat.Loss]:
    losses: list[ucwaformat.Loss] = []
    ucwaformat.xml_to_json(data, report=losses)
    assert losses
    return losses


def test_report_json_to_xml_says_what_reads_back_as_a_string(cli: Any) -> None:
    # An integer under a name the schema does not type goes to XML as text; the one-call
    # conversion reports it (reading the JSON and writing the model did not).
    status, out, err = cli(
        "convert",
        "--report",
        "-",
        stdin=b'{"rel":"me","mystery":5,"_links":{"self":{"href":"/m"}}}',
    )
    assert status == 0 and b'<property name="mystery">5</property>' in out
    assert "[untyped]" in err and "$.mystery" in err


def test_report_prints_losses(cli: Any) -> None:
    status, out, err = cli("convert", "--report", MEETING_XML)
    assert status == 0
    assert out
    assert err == "".join(f"{MEETING_XML}: {loss}\n" for loss in _losses(MEETING_XML.read_bytes()))
    assert "$.expirationTime: " in err and "[sub-ms]" in err
    assert cli("convert", MEETING_XML)[2] == ""  # without --report: silent


def test_strict_fails_and_writes_nothing(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "meeting.json"
    status, out, err = cli("convert", "--strict", MEETING_XML, "-o", target)
    assert status == 1
    assert out == b""
    with pytest.raises(UcwaFormatError) as raised:
        ucwaformat.xml_to_json(MEETING_XML.read_bytes(), strict=True)
    assert raised.value.path == "$.expirationTime"
    assert err == f"{MEETING_XML}: {raised.value}\n"
    assert not target.exists()
    assert not leftovers(tmp_path)


def test_syntax_error_has_line_and_column(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{\n  "rel": "contact",\n  "name": ]\n}\n')
    status, out, err = cli("convert", bad)
    assert (status, out) == (1, b"")
    assert re.fullmatch(rf"{re.escape(str(bad))}:3:11: [^\n]+\n", err), err


def test_xml_syntax_error_has_line_and_column(cli: Any) -> None:
    status, out, err = cli("convert", stdin=b'<?xml version="1.0"?>\n<resource rel="x"\n')
    assert (status, out) == (1, b"")
    assert re.fullmatch(r"<stdin>:\d+:\d+: [^\n]+\n", err), err


def test_structural_error_has_path(cli: Any) -> None:
    data = b'{"rel": "contact", "_links": {"self": {"href": "/c"}, "photo": [1]}}'
    status, out, err = cli("convert", stdin=data)
    assert (status, out) == (1, b"")
    assert re.fullmatch(r"<stdin>: [^\n]+ \(at \$\._links\.photo\[0\]\)\n", err), err


@pytest.mark.parametrize("size", ["small", "streamed"])
def test_element_without_attribute_has_line_and_path(cli: Any, tmp_path: Path, size: str) -> None:
    ns = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        f'<resource rel="people" href="/p" xmlns="{ns}">\n'
        '  <resource rel="contact" href="/p/1">\n'
        '    <link href="/p/1/photo"/>\n'
        "  </resource>\n"
        "</resource>\n".encode()
    )
    status, out, err = cli("convert", bad, *(["--stream-above", "1"] if size == "streamed" else []))
    assert (status, out) == (1, b"")
    assert err == f"{bad}:3: <link> without 'rel' (at $._embedded.contact)\n", err


def test_missing_file(cli: Any, tmp_path: Path) -> None:
    status, _, err = cli("convert", tmp_path / "nope.xml")
    assert status == 1
    assert err == f"{tmp_path / 'nope.xml'}: No such file or directory\n"


# --------------------------------------------------------------------------------------------
# convert: many documents
# --------------------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """An input tree: two good documents (one nested), one bad one, one file of another kind."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "meeting.xml").write_bytes(MEETING_XML.read_bytes())
    (root / "sub" / "contact.json").write_bytes(CONTACT_JSON.read_bytes())
    (root / "sub" / "broken.xml").write_bytes(b"<resource rel='x'>\n  <property name='a'>\n")
    (root / "notes.txt").write_bytes(CONTACT_JSON.read_bytes())
    (root / ".hidden.json").write_bytes(b"not even json")
    return root


def test_directory_to_out_dir(cli: Any, tree: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    status, out, err = cli("convert", tree, "--out-dir", out_dir)
    assert status == 1
    assert out == b""
    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
    # Mirrored, named for the output form; no output for the bad file, nothing half-written.
    assert files == ["meeting.json", "sub/contact.xml"]
    assert (out_dir / "meeting.json").read_bytes() == (
        ucwaformat.xml_to_json(MEETING_XML.read_bytes()) + b"\n"
    )
    assert (out_dir / "sub" / "contact.xml").read_bytes() == (
        ucwaformat.json_to_xml(CONTACT_JSON.read_bytes()) + b"\n"
    )
    lines = err.splitlines()
    assert re.fullmatch(rf"{re.escape(str(tree / 'sub' / 'broken.xml'))}:\d+:\d+: .+", lines[0])
    assert re.fullmatch(
        r"ucwaformat: 2 files converted, 1 failed, \d+ bytes in, \d+ bytes out, [\d.]+ s",
        lines[1],
    )
    assert len(lines) == 2
    assert not leftovers(tmp_path)


def test_directory_all_files(cli: Any, tree: Path, tmp_path: Path) -> None:
    (tree / "sub" / "broken.xml").unlink()
    out_dir = tmp_path / "out"
    status, _, _ = cli("convert", tree, "--all", "--out-dir", out_dir)
    assert status == 0
    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
    assert files == ["meeting.json", "notes.xml", "sub/contact.xml"]  # hidden files stay out


def test_files_and_directories_to_stdout_in_order(cli: Any, tree: Path) -> None:
    status, out, err = cli("convert", CONTACT_JSON, tree, MEETING_XML)
    assert status == 1
    meeting = ucwaformat.xml_to_json(MEETING_XML.read_bytes()) + b"\n"
    contact = ucwaformat.json_to_xml(CONTACT_JSON.read_bytes()) + b"\n"
    assert out == contact + meeting + contact + meeting
    assert "4 files converted, 1 failed" in err


def test_two_outputs_with_one_name(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.json").write_bytes(MEETING_JSON.read_bytes())
    (root / "a.xml").write_bytes(MEETING_XML.read_bytes())
    out_dir = tmp_path / "out"
    status, _, err = cli("convert", "--to", "json", root, "--out-dir", out_dir)
    assert status == 1
    assert f"{root / 'a.xml'}: not written: {out_dir / 'a.json'} is the output of" in err
    assert (out_dir / "a.json").read_bytes() == (
        ucwaformat.to_json(ucwaformat.from_json(MEETING_JSON.read_bytes())) + b"\n"
    )


def test_jobs_give_the_same_outputs(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "in"
    pairs = [e for e in MANIFEST["pairs"] if e["both_parse"]][:12]
    chosen = [name for e in pairs for name in (e["json"], e["xml"])]
    assert chosen
    for name in chosen:
        (root / Path(name).parent).mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes((CORPUS / name).read_bytes())
    (root / "zz-bad.json").write_bytes(b"{]")
    results = {}
    for jobs in ("1", "2"):
        out_dir = tmp_path / f"out{jobs}"
        status, out, err = cli("convert", root, "--out-dir", out_dir, "--jobs", jobs)
        tree = {
            p.relative_to(out_dir).as_posix(): p.read_bytes()
            for p in sorted(out_dir.rglob("*"))
            if p.is_file()
        }
        stdout_status, stdout, _ = cli("convert", root, "-j", jobs)
        results[jobs] = (status, out, err.splitlines()[:-1], tree, stdout_status, stdout)
    assert results["1"] == results["2"]
    assert results["1"][0] == 1
    assert len(results["1"][3]) == len(chosen)


def test_progress_bar_on_a_terminal(
    cli: Any, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("tqdm")
    (tree / "sub" / "broken.xml").unlink()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    status, _, err = cli("convert", tree, "--out-dir", tmp_path / "out")
    assert status == 0
    assert "2 files converted, 0 failed" in err
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.*")) == [
        "contact.xml",
        "meeting.json",
    ]


# --------------------------------------------------------------------------------------------
# convert --lines
# --------------------------------------------------------------------------------------------


def _jsonl(*docs: bytes) -> bytes:
    return b"".join(orjson.dumps(orjson.loads(doc)) + b"\n" for doc in docs)


def test_lines_json_to_xml_and_back(cli: Any) -> None:
    note = b'{"rel": "note", "_links": {"self": {"href": "/n"}}, "message": "one\\ntwo\\r\\nthree"}'
    stream = _jsonl(CONTACT_JSON.read_bytes(), note, MEETING_JSON.read_bytes())
    status, xml_lines, err = cli("convert", "--lines", stdin=stream)
    assert (status, err) == (0, "")
    lines = xml_lines.splitlines()
    assert len(lines) == 3
    assert all(line.startswith(b"<?xml") for line in lines)
    # Line breaks in text become character references, so each document stays on one line.
    assert b"one&#10;two&#13;&#10;three" in lines[1]
    assert lines[0] == ucwaformat.json_to_xml(CONTACT_JSON.read_bytes())
    status, json_lines, _ = cli("convert", "--lines", stdin=xml_lines)
    assert status == 0
    back = [orjson.loads(line) for line in json_lines.splitlines()]
    assert back[1]["message"] == "one\ntwo\r\nthree"
    assert back[0] == orjson.loads(
        ucwaformat.to_json(ucwaformat.from_json(CONTACT_JSON.read_bytes()))
    )


def test_lines_bad_lines_are_reported_and_skipped(cli: Any) -> None:
    good = _jsonl(CONTACT_JSON.read_bytes())
    stream = good + b'{"rel": ]\n' + b"\n" + b'   {"rel": "x", ]\n' + good
    status, out, err = cli("convert", "--lines", "--to", "xml", "--jobs", "2", stdin=stream)
    assert status == 1
    assert out.splitlines() == [ucwaformat.json_to_xml(CONTACT_JSON.read_bytes())] * 2
    lines = err.splitlines()
    assert len(lines) == 2
    # Line 2, column 9; line 4 (after a blank line) at column 17 counting its indentation.
    assert re.fullmatch(r"<stdin>:2:9: .+", lines[0]), lines
    assert re.fullmatch(r"<stdin>:4:17: .+", lines[1]), lines


def test_lines_files_to_out_dir(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "docs.jsonl").write_bytes(_jsonl(CONTACT_JSON.read_bytes(), MEETING_JSON.read_bytes()))
    (root / "bad.jsonl").write_bytes(b"{]\n")
    (root / "ignored.json").write_bytes(CONTACT_JSON.read_bytes())
    out_dir = tmp_path / "out"
    status, out, err = cli("convert", "--lines", root, "--out-dir", out_dir)
    assert status == 1
    assert out == b""
    assert sorted(p.name for p in out_dir.iterdir()) == ["docs.xmll"]
    assert len((out_dir / "docs.xmll").read_bytes().splitlines()) == 2
    assert f"{root / 'bad.jsonl'}:1:2: " in err
    assert "ucwaformat: 2 documents converted, 1 failed" in err
    assert not leftovers(tmp_path)


def test_lines_output_file(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "docs.xmll"
    stream = _jsonl(CONTACT_JSON.read_bytes())
    status, out, _ = cli("convert", "--lines", "-o", target, stdin=stream)
    assert (status, out) == (0, b"")
    assert target.read_bytes() == ucwaformat.json_to_xml(CONTACT_JSON.read_bytes()) + b"\n"


def test_lines_report(cli: Any) -> None:
    xml_line = ucwaformat.to_xml(ucwaformat.from_xml(MEETING_XML.read_bytes()))
    status, _, err = cli("convert", "--lines", "--report", stdin=b"\n" + xml_line + b"\n")
    assert status == 0
    assert err == "".join(f"<stdin>:2: {loss}\n" for loss in _losses(xml_line))


# --------------------------------------------------------------------------------------------
# convert --http
# --------------------------------------------------------------------------------------------


def _message(start: str, headers: list[tuple[str, str]], body: bytes, eol: bytes) -> bytes:
    head = [start.encode(), *(f"{k}: {v}".encode() for k, v in headers)]
    return eol.join(head) + eol + eol + body


def _split(message: bytes, eol: bytes) -> tuple[list[bytes], bytes]:
    head, _, body = message.partition(eol + eol)
    return head.split(eol), body


def test_http_response_xml_to_json(cli: Any) -> None:
    entry = ENTRIES["myAssignedOnlineMeeting/get-xml-response.xml"]
    body = MEETING_XML.read_bytes()
    headers = [
        ("Cache-Control", "no-cache"),
        ("Content-Type", "application/vnd.microsoft.com.ucwa+xml; charset=utf-8"),
        ("Content-Length", entry["content_length_header"]),
        ("X-MS-Correlation-Id", "2147"),
    ]
    status, out, err = cli(
        "convert", "--http", stdin=_message(entry["start_line"], headers, body, b"\n")
    )
    assert (status, err) == (0, "")
    head, new_body = _split(out, b"\n")
    assert new_body == ucwaformat.xml_to_json(body)
    assert head == [
        entry["start_line"].encode(),
        b"Cache-Control: no-cache",
        b"Content-Type: application/vnd.microsoft.com.ucwa+json; charset=utf-8",
        f"Content-Length: {len(new_body)}".encode(),
        b"X-MS-Correlation-Id: 2147",
    ]


def test_http_request_json_to_xml_crlf(cli: Any) -> None:
    entry = ENTRIES["myAssignedOnlineMeeting/put-json-request.json"]
    body = (CORPUS / entry["file"]).read_bytes()
    headers = [
        ("Host", "fe1.contoso.com"),
        ("Accept", "application/json"),
        ("Content-Type", entry["content_type"]),
        ("Content-Length", str(len(body))),
    ]
    message = _message(entry["start_line"], headers, body, b"\r\n")
    status, out, _ = cli("convert", "--http", "--rel", "myAssignedOnlineMeeting", stdin=message)
    assert status == 0
    head, new_body = _split(out, b"\r\n")
    assert new_body == ucwaformat.json_to_xml(body, rel="myAssignedOnlineMeeting")
    assert head == [
        entry["start_line"].encode(),
        b"Host: fe1.contoso.com",
        b"Accept: application/json",  # other headers are kept as they are
        b"Content-Type: application/xml",
        f"Content-Length: {len(new_body)}".encode(),
    ]


def test_http_batch(cli: Any) -> None:
    from ucwaformat._batch import convert_batch

    entry = ENTRIES[BATCH]
    body = (CORPUS / BATCH).read_bytes()
    headers = [
        ("Content-Type", entry["content_type"]),
        ("Content-Length", entry["content_length_header"]),
    ]
    status, out, err = cli(
        "convert", "--http", stdin=_message(entry["start_line"], headers, body, b"\r\n")
    )
    assert (status, err) == (0, "")
    head, new_body = _split(out, b"\r\n")
    assert new_body == convert_batch(body, entry["content_type"], to="json")
    assert head == [
        entry["start_line"].encode(),
        f"Content-Type: {entry['content_type']}".encode(),
        f"Content-Length: {len(new_body)}".encode(),
    ]
    assert b"application/vnd.microsoft.com.ucwa+json" in new_body
    assert b"ucwa+xml" not in new_body


def test_http_batch_error_names_the_part(cli: Any) -> None:
    entry = ENTRIES[BATCH]
    body = (CORPUS / BATCH).read_bytes()
    last = body.rindex(b"</resource></resource>")
    body = body[:last] + b"</oops>" + body[last:]
    headers = [("Content-Type", entry["content_type"])]
    status, out, err = cli(
        "convert", "--http", stdin=_message("HTTP/1.1 200 OK", headers, body, b"\n")
    )
    assert (status, out) == (1, b"")
    assert re.fullmatch(r"<stdin>: multipart body: part 2: .+ \(at line 1, column \d+\)\n", err), (
        err
    )


def test_http_batch_request_infers_the_form(cli: Any) -> None:
    name = "batch/post-xml-request.mime"
    entry = ENTRIES[name]
    body = (CORPUS / name).read_bytes()
    message = _message(entry["start_line"], [("Content-Type", entry["content_type"])], body, b"\n")
    status, out, _ = cli("convert", "--http", stdin=message)
    assert status == 0
    _, new_body = _split(out, b"\n")
    assert b"Accept: application/vnd.microsoft.com.ucwa+json" in new_body
    assert b"ucwa+xml" not in new_body


def test_http_non_ucwa_body_passes_through(cli: Any) -> None:
    message = b"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\n<a/>\n"
    assert cli("convert", "--http", stdin=message)[:2] == (0, message)
    bodiless = b"GET /ucwa/v1/applications HTTP/1.1\r\nAccept: application/json\r\n\r\n"
    assert cli("convert", "--http", stdin=bodiless)[:2] == (0, bodiless)


def test_http_body_error_line_is_in_the_message(cli: Any) -> None:
    message = b"HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\n  ]\n"
    status, out, err = cli("convert", "--http", stdin=message)
    assert (status, out) == (1, b"")
    assert re.fullmatch(r"<stdin>:5:3: .+\n", err), err


def test_http_out_dir_keeps_names(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    message = _message(
        "HTTP/1.1 200 OK", [("Content-Type", "application/xml")], MEETING_XML.read_bytes(), b"\n"
    )
    (root / "meeting.http").write_bytes(message)
    out_dir = tmp_path / "out"
    assert cli("convert", "--http", root, "--out-dir", out_dir)[0] == 0
    head, body = _split((out_dir / "meeting.http").read_bytes(), b"\n")
    assert head == [b"HTTP/1.1 200 OK", b"Content-Type: application/json"]
    assert body == ucwaformat.xml_to_json(MEETING_XML.read_bytes())


# --------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------


def test_check_valid_documents(cli: Any) -> None:
    status, out, err = cli("check", MEETING_XML, MEETING_JSON, TOKEN_XML)
    assert (status, out, err) == (0, b"", "")


def test_check_errors(cli: Any, tmp_path: Path) -> None:
    doc = orjson.loads(MEETING_JSON.read_bytes())
    doc["accessLevel"] = "Bogus"
    doc["lobbyBypassForPhoneUsers"] = "enabled"
    doc["attendees"] = "sip:one@contoso.com"
    doc["expirationTime"] = "tomorrow"
    doc["colour"] = "blue"
    bad = tmp_path / "meeting.json"
    bad.write_bytes(orjson.dumps(doc))
    status, out, err = cli("check", bad)
    assert (status, err) == (1, "")
    assert out.decode().splitlines() == [
        f"{bad}: error: $.accessLevel: 'Bogus' is not a member of AccessLevel "
        "(Everyone, Invited, Locked, None, SameEnterprise)",
        f"{bad}: error: $.attendees: expected a list of strings, not the string "
        "'sip:one@contoso.com'",
        f"{bad}: error: $.expirationTime: expected a date, not the string 'tomorrow'",
        f"{bad}: error: $.lobbyBypassForPhoneUsers: 'enabled' is not a member of "
        "LobbyBypassForPhoneUsers; did you mean 'Enabled'?",
        f"{bad}: note: $.colour: 'myAssignedOnlineMeeting' has no property 'colour'",
    ]


def test_check_xml_wrong_type(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "token.xml"
    bad.write_bytes(TOKEN_XML.read_bytes().replace(b">31<", b">soon<"))
    status, out, _ = cli("check", bad)
    assert status == 1
    assert out.decode() == f"{bad}: error: $.duration: expected an integer, not the string 'soon'\n"


def test_check_notes_only_exit_0(cli: Any) -> None:
    data = f'<resource xmlns="{NS}" rel="gadget" href="/g"><property name="size">3</property></resource>'
    status, out, _ = cli("check", stdin=data.encode())
    assert status == 0
    assert out == b"<stdin>: note: $: unknown resource type 'gadget'\n"
    assert cli("check", "--quiet", stdin=data.encode())[:2] == (0, b"")


def test_check_request_body_with_rel(cli: Any) -> None:
    body = CORPUS / "myOnlineMeetings/post-xml-request.xml"
    status, out, _ = cli("check", body)
    assert (status, out) == (
        0,
        f"{body}: note: $: a request body; pass rel (--rel) to check its parameters\n".encode(),
    )
    assert cli("check", "--rel", "myOnlineMeetings", body)[:2] == (0, b"")


def test_check_event_page_walks_embedded_resources(cli: Any) -> None:
    page = CORPUS / "_concepts/EventChannelDetails/01-json.json"
    status, out, _ = cli("check", page)
    assert status == 0
    assert out.decode().startswith(f"{page}: note: $.sender[0].events[0]._embedded.communication")


def test_check_unreadable(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"rel": }')
    status, out, err = cli("check", bad, MEETING_JSON)
    assert (status, out) == (1, b"")
    assert re.fullmatch(rf"{re.escape(str(bad))}:1:9: .+\n", err), err


# --------------------------------------------------------------------------------------------
# diff (the command)
# --------------------------------------------------------------------------------------------


def test_diff_xml_and_its_translation_are_equal(cli: Any, tmp_path: Path) -> None:
    translated = tmp_path / "meeting.json"
    assert cli("convert", MEETING_XML, "-o", translated)[0] == 0
    assert cli("diff", MEETING_XML, translated) == (0, b"", "")
    assert cli("diff", translated, "-", stdin=MEETING_XML.read_bytes()) == (0, b"", "")


def test_diff_changed_value(cli: Any, tmp_path: Path) -> None:
    doc = orjson.loads(ucwaformat.xml_to_json(MEETING_XML.read_bytes()))
    doc["subject"] = "Yearly numbers"
    doc["expirationTime"] = doc["expirationTime"].replace("048)", "053)")
    changed = tmp_path / "meeting.json"
    changed.write_bytes(orjson.dumps(doc))
    status, out, err = cli("diff", MEETING_XML, changed)
    assert (status, err) == (1, "")
    assert out.decode().splitlines() == [
        '$.expirationTime: "/Date(1474932023048)/" != "/Date(1474932023053)/"',
        '$.subject: "Quarterly sales numbers" != "Yearly numbers"',
    ]
    status, out, _ = cli(
        "diff", MEETING_XML, changed, "--ignore", "$.subject", "--tolerance-ms", "5"
    )
    assert (status, out) == (0, b"")


def test_diff_unreadable_exit_2(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<resource\n")
    status, out, err = cli("diff", MEETING_XML, bad)
    assert (status, out) == (2, b"")
    assert re.fullmatch(rf"{re.escape(str(bad))}:\d+:\d+: .+\n", err), err
    assert cli("diff", MEETING_XML, tmp_path / "nope.json")[0] == 2


# --------------------------------------------------------------------------------------------
# diff (the function)
# --------------------------------------------------------------------------------------------

LEFT = (
    b'{"rel": "x", "_links": {"self": {"href": "/a"}}, "n": 1, "s": "a", "l": ["p", "q"],'
    b' "b": true, "_embedded": {"e": {"rel": "y", "_links": {"self": {"href": "/e"}}}}}'
)


def _changed(**members: Any) -> bytes:
    doc = orjson.loads(LEFT)
    for key, value in members.items():
        if value is MISSING:
            del doc[key]
        else:
            doc[key] = value
    return orjson.dumps(doc)


def test_diff_equal_across_forms() -> None:
    xml = MEETING_XML.read_bytes()
    assert diff(xml, ucwaformat.xml_to_json(xml)) == []
    assert diff(xml, ucwaformat.from_xml(xml)) == []
    assert diff(xml.decode(), MEETING_XML.read_bytes()) == []


def test_diff_is_order_insensitive() -> None:
    assert diff(LEFT, orjson.dumps(dict(reversed(orjson.loads(LEFT).items())))) == []


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        (_changed(n=2), Difference("$.n", 1, 2, "value")),
        (_changed(n="1"), Difference("$.n", 1, "1", "type")),
        (_changed(b=1), Difference("$.b", True, 1, "type")),
        (_changed(s=MISSING), Difference("$.s", "a", MISSING, "extra")),
        (_changed(z="new"), Difference("$.z", MISSING, "new", "missing")),
        (_changed(l=["p"]), Difference("$.l", ["p", "q"], ["p"], "shape")),
        (
            _changed(_embedded={"e": [{"rel": "y", "_links": {"self": {"href": "/e"}}}]}),
            Difference(
                "$._embedded.e",
                {"rel": "y", "_links": {"self": {"href": "/e"}}},
                [{"rel": "y", "_links": {"self": {"href": "/e"}}}],
                "shape",
            ),
        ),
        (_changed(l=["p", "r"]), Difference("$.l[1]", "q", "r", "value")),
    ],
)
def test_diff_kinds(right: bytes, expected: Difference) -> None:
    assert diff(LEFT, right)[0] == expected


def test_difference_str() -> None:
    assert str(Difference("$.n", 1, "1", "type")) == '$.n: 1 != "1"'
    assert str(Difference("$.s", "a", MISSING, "extra")) == '$.s: "a" != (missing)'
    long = str(Difference("$.l", ["x" * 100], [], "shape"))
    assert long.startswith('$.l: ["xxx') and "… != []" in long


def test_diff_ignore_patterns() -> None:
    right = _changed(n=2, s="b", z=0)
    assert [d.path for d in diff(LEFT, right)] == ["$.n", "$.s", "$.z"]
    assert [d.path for d in diff(LEFT, right, ignore=["$.n", "$.?"])] == []
    assert [d.path for d in diff(LEFT, right, ignore=["$.[ns]"])] == ["$.n", "$.s", "$.z"]
    hrefs = _changed(_links={"self": {"href": "/b"}})
    assert [d.path for d in diff(LEFT, hrefs)] == ["$._links.self.href"]
    assert diff(LEFT, hrefs, ignore=["$..href"]) == []
    assert diff(LEFT, hrefs, ignore=["$._links"]) == []  # a subtree
    assert diff(LEFT, hrefs, ignore=["*.href"]) == []
    assert diff(LEFT, _changed(l=["p", "r"]), ignore=["$.l[*]"]) == []


def test_diff_tolerance() -> None:
    left = _changed(t="/Date(1000)/")
    assert [d.kind for d in diff(left, _changed(t="/Date(1009)/"))] == ["value"]
    assert diff(left, _changed(t="/Date(1009)/"), tolerance_ms=10) == []
    assert diff(left, _changed(t="/Date(1011)/"), tolerance_ms=10) != []


def test_diff_bad_arguments() -> None:
    with pytest.raises(TypeError, match="not a single 'str'"):
        diff(LEFT, LEFT, ignore="$.n")
    with pytest.raises(ValueError, match="must not be negative"):
        diff(LEFT, LEFT, tolerance_ms=-1)
    with pytest.raises(TypeError, match="not 'int'"):
        diff(LEFT, 3)  # type: ignore[arg-type]
    with pytest.raises(UcwaFormatError):
        diff(LEFT, b"<resource")


# -- streaming large files ---------------------------------------------------------------------


def test_large_files_stream_with_the_same_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "in"
    tree.mkdir()
    for name in ("myAssignedOnlineMeeting/get-xml-response.xml", "search/get-json-response.json"):
        (tree / name.replace("/", "-")).write_bytes((CORPUS / name).read_bytes())
    (tree / "bad.xml").write_bytes(b"<resource")
    assert main(["convert", str(tree), "--out-dir", str(tmp_path / "tree")]) == 1
    # --stream-above 1 streams every file: the same outputs, the same failure, no partial file.
    assert (
        main(["convert", str(tree), "--out-dir", str(tmp_path / "stream"), "--stream-above", "1"])
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("bad.xml:1:10: Couldn't find end of Start Tag resource") == 2
    tree_out = sorted(p.relative_to(tmp_path / "tree") for p in (tmp_path / "tree").rglob("*"))
    stream_out = sorted(
        p.relative_to(tmp_path / "stream") for p in (tmp_path / "stream").rglob("*")
    )
    assert tree_out == stream_out and len(tree_out) == 2
    for rel in tree_out:
        assert (tmp_path / "stream" / rel).read_bytes() == (tmp_path / "tree" / rel).read_bytes()
    one = str(tree / "myAssignedOnlineMeeting-get-xml-response.xml")
    assert main(["convert", one]) == 0
    plain = capsys.readouterr().out
    assert main(["convert", one, "--stream-above", "1"]) == 0
    assert capsys.readouterr().out == plain


def test_streamed_report_prints_each_loss_and_keeps_none(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A streamed file's losses are printed one by one as the conversion hands them over (the
    # tree path's lines, in its order or another), never gathered in a list; none on an error.
    from ucwaformat import _stream

    monkeypatch.setattr(_stream, "LOSS_MEMORY", 2)  # (most wait in the file)
    src = CORPUS / "search" / "get-xml-response.xml"
    data = src.read_bytes().replace(b"</resource>", b"<foo/></resource>")
    path = tmp_path / "search.xml"
    path.write_bytes(data)
    lines = sorted(f"{path}: {loss}" for loss in _losses(data))
    assert len(lines) > 4
    status, out, err = cli("convert", path, "--report", "--stream-above", "1")
    assert status == 0 and out == ucwaformat.xml_to_json(data) + b"\n"
    assert sorted(err.splitlines()) == lines
    path.write_bytes(data[:-20])
    status, out, err = cli("convert", path, "--report", "--stream-above", "1")
    assert status == 1 and err.count("\n") == 1 and f"{path}:" in err


def test_options_are_read_from_the_convert_arguments_by_name() -> None:
    # A new convert flag is an argument and an Options field of the same name: nothing else
    # builds Options from a command line (ucwaformat._jobs.Options.from_args).
    from ucwaformat._jobs import Options
    from ucwaformat.cli import _parser

    args = _parser().parse_args(
        [
            "convert",
            "x.xml",
            "--to",
            "json",
            "--pretty",
            "--dialect",
            "docs",
            "--rel",
            "r",
            "--strict",
            "--report",
            "--max-depth",
            "7",
            "--max-value-size",
            "99",
        ]
    )
    opts = Options.from_args(args)
    assert opts._asdict() == {
        "to": "json",
        "pretty": True,
        "dialect": "docs",
        "rel": "r",
        "strict": True,
        "report": True,
        "schema": (),
        "max_depth": 7,
        "max_attributes": 1000,
        "max_value_size": 99,
    }
    assert opts.limits == ucwaformat.Limits(max_depth=7, max_value_size=99)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_huge_integer_fails_its_file_and_the_run_goes_on(
    cli: Any, tmp_path: Path, jobs: str
) -> None:
    # Python's int string limit once aborted the whole tree with a traceback.
    root = tmp_path / "in"
    root.mkdir()
    (root / "a-huge.json").write_bytes(b'{"rel":"x","n":' + b"9" * 5000 + b"}")
    (root / "b-ok.json").write_bytes(b'{"rel":"x","n":"1"}')
    status, _out, err = cli("convert", root, "--out-dir", tmp_path / "out", "-j", jobs)
    assert status == 1
    assert f"{root / 'a-huge.json'}:1:16: a number of more than 4300 digits" in err
    assert "Traceback" not in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["b-ok.xml"]


def test_a_batch_form_is_decided_by_one_rule_for_the_command_and_the_gateway(cli: Any) -> None:
    # The first part asks for JSON (its Accept) and has no body; the second sends an XML body.
    # The command once went by the first UCWA Content-Type (XML), the gateway by the first
    # part's Accept (JSON): both now call _batch.batch_form.
    from ucwaformat._batch import batch_form

    body = (
        b"--B\r\nContent-Type: application/http; msgtype=request\r\n\r\n"
        b"GET /ucwa/v1/applications/1/me HTTP/1.1\r\n"
        b"Accept: application/vnd.microsoft.com.ucwa+json\r\nHost: h\r\n\r\n\r\n"
        b"--B\r\nContent-Type: application/http; msgtype=request\r\n\r\n"
        b"PUT /ucwa/v1/applications/1/me/x HTTP/1.1\r\n"
        b"Content-Type: application/vnd.microsoft.com.ucwa+xml\r\nHost: h\r\n\r\n"
        b'<input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">'
        b'<property name="a">b</property></input>\r\n'
        b"--B--\r\n"
    )
    content_type = "multipart/batching; boundary=B"
    assert batch_form(body, content_type) == "json"
    message = b"POST /ucwa/v1/applications/1/batch HTTP/1.1\r\nContent-Type: " + (
        content_type.encode() + b"\r\n\r\n" + body
    )
    status, out, err = cli("convert", "--http", stdin=message)
    assert (status, err) == (0, "")
    # Spoken in JSON, so converted to XML: the first part now asks for XML.
    assert b"Accept: application/vnd.microsoft.com.ucwa+xml" in out


# -o and what it names (issue: hostile input, the command's outputs)


def _meeting(tmp_path: Path) -> Path:
    src = tmp_path / "m.xml"
    src.write_bytes((CORPUS / "myAssignedOnlineMeeting" / "get-xml-response.xml").read_bytes())
    return src


def test_output_dash_is_stdout(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _meeting(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, _ = cli("convert", src, "-o", "-")
    assert status == 0 and out.startswith(b'{"rel":"myAssignedOnlineMeeting"')
    assert not (tmp_path / "-").exists()


def test_output_through_a_symlink_replaces_its_target(cli: Any, tmp_path: Path) -> None:
    src = _meeting(tmp_path)
    target = tmp_path / "real.json"
    target.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert cli("convert", src, "-o", link)[0] == 0
    assert link.is_symlink()
    assert target.read_bytes().startswith(b'{"rel":"myAssignedOnlineMeeting"')


def test_output_to_a_fifo_writes_into_it(cli: Any, tmp_path: Path) -> None:
    import threading

    src = _meeting(tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert cli("convert", src, "-o", fifo)[0] == 0
    reader.join(10)
    assert got and got[0].startswith(b'{"rel":"myAssignedOnlineMeeting"')
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # not renamed over by a regular file
    assert leftovers(tmp_path) == []


def test_output_to_a_device_is_never_renamed_over(cli: Any, tmp_path: Path) -> None:
    src = _meeting(tmp_path)
    before = os.stat(os.devnull)
    assert cli("convert", src, "-o", os.devnull)[0] == 0
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (
        before.st_ino,
        before.st_rdev,
    )


def test_output_to_dev_stdout_through_a_pipe(tmp_path: Path) -> None:
    # /dev/stdout links to /proc/self/fd/1, a pipe here: written into, never renamed over.
    src = _meeting(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "ucwaformat", "convert", str(src), "-o", "/dev/stdout"],
        capture_output=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.startswith(b'{"rel":"myAssignedOnlineMeeting"')


@pytest.mark.parametrize("stream_above", ["0", "1000000"])
def test_an_output_that_cannot_be_opened_is_named_and_fails_its_file(
    cli: Any, tmp_path: Path, stream_above: str
) -> None:
    import socket

    src = _meeting(tmp_path)
    path = tmp_path / "out.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        status, out, err = cli("convert", src, "-o", path, "--stream-above", stream_above)
    assert (status, out) == (1, b"")
    assert err.startswith(f"{path}: ") and "Traceback" not in err


def test_http_batch_that_does_not_parse_is_reported_not_passed_through(cli: Any) -> None:
    # batch_form gives None for an envelope it cannot read; the command once took that for a
    # batch naming no form and echoed the message with status 0.
    message = b"POST /b HTTP/1.1\r\nContent-Type: multipart/batching\r\n\r\n--x\r\n\r\n"
    status, out, err = cli("convert", "--http", stdin=message)
    assert (status, out) == (1, b"")
    assert err == "<stdin>: multipart body: no boundary parameter in 'multipart/batching'\n"


def test_ctrl_c_with_two_processes_stops_cleanly(tmp_path: Path) -> None:
    """Ctrl-C during a parallel conversion: the command stops within seconds with status 130,
    no worker prints a traceback, and no temporary output is left behind."""
    src = tmp_path / "in"
    src.mkdir()
    data = MEETING_XML.read_bytes()
    for i in range(6000):
        (src / f"m{i:04d}.xml").write_bytes(data)
    interrupted = 0
    for attempt, delay in enumerate((0.0, 0.1, 0.2)):
        out = tmp_path / f"out{attempt}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ucwaformat",
                "convert",
                str(src),
                "--out-dir",
                str(out),
                "-j",
                "2",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
        )
        # Interrupted while converting, however long the start took on a loaded machine: once
        # the workers have written something (a fixed delay once hit the interpreter's start).
        deadline = time.monotonic() + 60
        while not (out.exists() and any(os.scandir(out))) and proc.poll() is None:
            assert time.monotonic() < deadline, "no output after a minute"
            time.sleep(0.005)
        time.sleep(delay)
        if proc.poll() is not None:  # pragma: no cover - a machine fast enough to finish first
            proc.communicate()
            continue
        os.killpg(proc.pid, signal.SIGINT)
        interrupted += 1
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is about
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("the command hung after Ctrl-C") from None
        if proc.returncode == 0 and len(os.listdir(out)) == 6000 and not leftovers(out):
            # The signal came as the command was ending, its work done (a loaded machine):
            # not an interruption, and not a failure.
            interrupted -= 1
            continue
        assert proc.returncode == 130, (proc.returncode, err)
        assert b"Traceback" not in err, err.decode()
        if out.exists():
            assert not leftovers(out)
    assert interrupted, "every run ended before it could be interrupted"


def test_abort_removes_the_temporary_file_when_closing_fails(tmp_path: Path) -> None:
    # A full disk: closing flushes the buffer and fails; the file must go all the same.
    from ucwaformat._jobs import AtomicFile

    out = AtomicFile(tmp_path)
    out.write(b"x" * 100)

    class FullDisk(io.BytesIO):
        def close(self) -> None:
            raise OSError(28, "No space left on device")

    real = out.file
    out.file = FullDisk()
    out.abort()
    real.close()
    assert not leftovers(tmp_path)
