"""Bulk conversion on Dask: ``ucwaformat.dask`` and ``ucwaformat convert --dask``.

A real ``distributed.LocalCluster`` (two worker processes, one thread each) is started once for
the module. Every run is compared with the single-process command, ``main(["convert", ...])``
in-process: the same output bytes, the same error lines, the same exit status.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from data_paths import CORPUS

distributed = pytest.importorskip(
    "distributed", reason="the dask extra is not installed (pip install 'ucwaformat[dask]')"
)

import dask.bag as db  # noqa: E402
import fsspec  # noqa: E402

import ucwaformat  # noqa: E402
import ucwaformat.dask as udask  # noqa: E402
from ucwaformat.cli import main  # noqa: E402

MEETING_XML = CORPUS / "myAssignedOnlineMeeting/get-xml-response.xml"
CONTACT_JSON = CORPUS / "contact/get-json-response.json"
BAD_XML = b"<resource xmlns='http://schemas.microsoft.com/rtc/2012/03/ucwa' rel='x'>\n  <link>\n"
BAD_XML_MESSAGE = "Premature end of data in tag link line 2"
BAD_JSON = b'{"rel": "contact", "_links": {"self": []}}\n'
SUMMARY = re.compile(r"(ucwaformat: .*, )[\d.]+ s")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A client of a local cluster of two worker processes."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not squatting port 8787
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Corpus documents in nested directories, two bad ones, and files a walk leaves out."""
    root = tmp_path_factory.mktemp("tree") / "in"
    dirs = sorted(d for d in CORPUS.iterdir() if d.is_dir() and not d.name.startswith("_"))
    for i, src in enumerate(dirs[:12]):
        dest = root / ("" if i < 3 else f"group{i % 3}") / src.name
        dest.mkdir(parents=True, exist_ok=True)
        for file in sorted(src.iterdir()):
            if file.suffix in (".xml", ".json"):
                shutil.copyfile(file, dest / file.name)
    (root / "group1" / "bad.xml").write_bytes(BAD_XML)
    (root / "bad.json").write_bytes(BAD_JSON)
    (root / "notes.txt").write_bytes(b"not a document")
    (root / ".hidden.xml").write_bytes(b"<not a document")
    return root


def run(*argv: str | Path, stdin: bytes = b"") -> tuple[int, bytes, list[str]]:
    """``main(argv)`` in-process: exit status, stdout bytes, stderr lines (summary time cut)."""
    out = io.BytesIO()
    err = io.StringIO()
    fake_stdout = io.TextIOWrapper(out, write_through=True)
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin))
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(fake_stdout),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(sys, "stdin", fake_stdin)
        status = main([str(arg) for arg in argv])
    return (
        status,
        out.getvalue(),
        [SUMMARY.sub(r"\1", line) for line in err.getvalue().splitlines()],
    )


def outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".ucwaformat-")]


@attrs.frozen
class Reference:
    """What the single-process command did with ``tree`` (and a missing file)."""

    status: int
    lines: list[str]
    outputs: dict[str, bytes]

    @property
    def errors(self) -> list[str]:
        return self.lines[:-1]

    @property
    def summary(self) -> str:
        return self.lines[-1]


@pytest.fixture(scope="module")
def reference(tree: Path) -> Reference:
    out_dir = tree.parent / "reference"
    status, stdout, lines = run("convert", tree, tree.parent / "missing.xml", "--out-dir", out_dir)
    assert stdout == b""
    return Reference(status, lines, outputs(out_dir))


def test_reference_has_good_and_bad_files(tree: Path, reference: Reference) -> None:
    assert reference.status == 1
    assert len(reference.outputs) >= 20
    assert f"{tree / 'group1' / 'bad.xml'}:3:1: " in "\n".join(reference.errors)
    assert f"{tree / 'bad.json'}: " in "\n".join(reference.errors)
    assert f"{tree.parent / 'missing.xml'}: No such file or directory" in reference.errors
    assert "notes.json" not in reference.outputs and "bad.xml" not in reference.outputs


# --------------------------------------------------------------------------------------------
# The core stays free of dask
# --------------------------------------------------------------------------------------------


def test_core_and_command_do_not_import_dask() -> None:
    code = (
        "import sys, ucwaformat, ucwaformat.cli\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'fsspec') or m == 'ucwaformat.dask')\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# ucwaformat.dask.convert_files
# --------------------------------------------------------------------------------------------


def test_convert_files_matches_the_command(
    client: Any, tree: Path, reference: Reference, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    summary = udask.convert_files(
        [str(tree), str(tree.parent / "missing.xml")], str(out_dir), scheduler=client
    )
    assert outputs(out_dir) == reference.outputs  # byte for byte, and no output for a bad file
    assert list(summary.failed) == reference.errors  # the same lines, in the same order
    assert SUMMARY.sub(r"\1", str(summary)) == reference.summary
    assert not summary.ok
    assert not leftovers(tmp_path)


def test_convert_files_options(client: Any, tree: Path, tmp_path: Path) -> None:
    _, _, lines = run(
        "convert",
        tree,
        "--out-dir",
        tmp_path / "ref",
        "--to",
        "xml",
        "--dialect",
        "docs",
        "--pretty",
        "--strict",
        "--rel",
        "contact",
    )
    summary = udask.convert_files(
        str(tree),
        str(tmp_path / "out"),
        to="xml",
        dialect="docs",
        pretty=True,
        strict=True,
        rel="contact",
        scheduler=client,
    )
    assert outputs(tmp_path / "out") == outputs(tmp_path / "ref")
    assert list(summary.failed) == lines[:-1]
    assert summary.converted > 0


def test_convert_files_glob(client: Any, tree: Path, reference: Reference, tmp_path: Path) -> None:
    summary = udask.convert_files(
        str(tree / "group*" / "**" / "*.xml"), str(tmp_path / "out"), scheduler=client
    )
    got = outputs(tmp_path / "out")
    # Mirrored from the part of the pattern before its first wildcard.
    want = {
        name: data
        for name, data in reference.outputs.items()
        if name.startswith("group") and name.endswith(".json")
    }
    assert got == want
    assert summary.failed == (f"{tree / 'group1' / 'bad.xml'}:3:1: " + BAD_XML_MESSAGE,)
    nothing = str(tree / "nothing" / "*.xml")
    summary = udask.convert_files(nothing, str(tmp_path / "none"), scheduler="sync")
    assert (summary.converted, summary.failed) == (0, (f"{nothing}: no file matches",))


def test_two_outputs_with_one_name(client: Any, tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.xml").write_bytes(MEETING_XML.read_bytes())
    (root / "a.json").write_bytes(CONTACT_JSON.read_bytes())
    status, _, lines = run("convert", "--to", "json", root, "--out-dir", tmp_path / "ref")
    summary = udask.convert_files(str(root), str(tmp_path / "out"), to="json", scheduler=client)
    assert status == 1 and "not written" in lines[0]
    assert list(summary.failed) == [
        line.replace(str(tmp_path / "ref"), str(tmp_path / "out")) for line in lines[:-1]
    ]
    assert outputs(tmp_path / "out") == outputs(tmp_path / "ref")


def test_convert_files_on_an_fsspec_filesystem(tree: Path, reference: Reference) -> None:
    """Non-local filesystems: read with fsspec, written to a temporary name and fs.mv'd.

    The memory filesystem lives in one process, so this runs on the synchronous scheduler.
    """
    fs = fsspec.filesystem("memory")
    for path in tree.rglob("*"):
        if path.is_file():
            fs.pipe_file(f"/ucwa-in/{path.relative_to(tree).as_posix()}", path.read_bytes())
    try:
        summary = udask.convert_files("memory://ucwa-in", "memory://ucwa-out", scheduler="sync")
        got = {p.removeprefix("/ucwa-out/"): fs.cat_file(p) for p in fs.find("/ucwa-out")}
        assert got == reference.outputs  # and no temporary file left behind
        assert list(summary.failed) == [
            line.replace(str(tree), "memory:///ucwa-in")
            for line in reference.errors
            if "missing.xml" not in line
        ]
        fs.pipe_file("/ucwa-in/group0/.hidden.xml", b"<not a document")
        summary = udask.convert_files(
            "memory://ucwa-in/group*/**/*.xml", "memory://ucwa-glob", scheduler="sync"
        )
        got = {p.removeprefix("/ucwa-glob/"): fs.cat_file(p) for p in fs.find("/ucwa-glob")}
        assert got == {
            name: data
            for name, data in reference.outputs.items()
            if name.startswith("group") and name.endswith(".json")
        }
        assert summary.failed == (f"memory:///ucwa-in/group1/bad.xml:3:1: {BAD_XML_MESSAGE}",)
    finally:
        for root in ("/ucwa-in", "/ucwa-out", "/ucwa-glob"):
            if fs.exists(root):
                fs.rm(root, recursive=True)


# --------------------------------------------------------------------------------------------
# ucwaformat.dask.convert_bag
# --------------------------------------------------------------------------------------------


def test_convert_bag(client: Any) -> None:
    xml = MEETING_XML.read_bytes()
    json = CONTACT_JSON.read_bytes()
    bodies = db.from_sequence([xml, ("contact.json", json), ("bad.xml", BAD_XML), xml.decode()])
    results = udask.convert_bag(bodies).compute(scheduler=client)
    assert [r.ok for r in results] == [True, True, False, True]
    first, second, bad, fourth = results
    assert isinstance(first, udask.Converted) and isinstance(second, udask.Converted)
    assert (first.label, first.form, first.data) == ("<bytes>", "json", ucwaformat.xml_to_json(xml))
    assert first.losses  # the meeting's sub-millisecond digits
    assert (second.label, second.form) == ("contact.json", "xml")
    assert second.data == ucwaformat.json_to_xml(json)
    assert isinstance(bad, udask.Failed)
    assert (bad.label, bad.line, bad.column) == ("bad.xml", 3, 1)
    assert str(bad) == bad.message == f"bad.xml:3:1: {BAD_XML_MESSAGE}"
    assert fourth == first


def test_convert_bag_options() -> None:
    xml = MEETING_XML.read_bytes()
    bag = db.from_sequence([xml], npartitions=1)
    (same,) = udask.convert_bag(bag, to="xml", dialect="docs", pretty=True).compute(
        scheduler="sync"
    )
    assert isinstance(same, udask.Converted)
    assert same.data == ucwaformat.to_xml(ucwaformat.from_xml(xml), dialect="docs", pretty=True)
    (strict,) = udask.convert_bag(bag, strict=True).compute(scheduler="sync")
    assert isinstance(strict, udask.Failed) and strict.path is not None
    with pytest.raises(ValueError, match="to must be"):
        udask.convert_bag(bag, to="yaml")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# ucwaformat convert --dask
# --------------------------------------------------------------------------------------------


def test_command_dask_address_matches_jobs(
    client: Any, tree: Path, reference: Reference, tmp_path: Path
) -> None:
    missing = tree.parent / "missing.xml"
    address = client.scheduler.address
    status, stdout, lines = run(
        "convert", tree, missing, "--out-dir", tmp_path / "a", "--dask", address
    )
    assert (status, stdout, lines) == (reference.status, b"", reference.lines)
    assert outputs(tmp_path / "a") == reference.outputs
    assert not leftovers(tmp_path)
    # To stdout, in input order, as with --jobs.
    assert run("convert", tree, "--dask", address) == run("convert", tree, "--jobs", "2")


def test_command_dask_lines_and_http(client: Any, tmp_path: Path) -> None:
    address = client.scheduler.address
    stream = CONTACT_JSON.read_bytes().replace(b"\n", b"") + b"\n\n{bad\n" * 3
    assert run("convert", "--lines", "--to", "xml", "--dask", address, stdin=stream) == run(
        "convert", "--lines", "--to", "xml", "-j", "2", stdin=stream
    )
    message = b"HTTP/1.1 200 OK\nContent-Type: application/vnd.microsoft.com.ucwa+xml\n\n"
    assert run(
        "convert", "--http", "-", "--dask", address, stdin=message + MEETING_XML.read_bytes()
    ) == run("convert", "--http", "-", stdin=message + MEETING_XML.read_bytes())


def test_command_dask_local(tree: Path, reference: Reference, tmp_path: Path) -> None:
    """``--dask local`` starts a cluster on this machine; ``python -m ucwaformat`` as users run it."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ucwaformat",
            "convert",
            str(tree),
            str(tree.parent / "missing.xml"),
            "--out-dir",
            str(tmp_path / "out"),
            "--dask",
            "local",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert [SUMMARY.sub(r"\1", line) for line in done.stderr.splitlines()] == reference.lines
    assert outputs(tmp_path / "out") == reference.outputs


def test_command_dask_usage_errors(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    status, _, lines = run("convert", "x.xml", "--dask", "local", "--jobs", "2")
    assert status == 2 and "not allowed with argument" in lines[-1]
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "ucwaformat.dask", None)  # as if dask were not installed
        status, _, lines = run("convert", str(MEETING_XML), "--dask", "local")
    assert status == 2
    assert lines[-1].startswith("ucwaformat: --dask needs the dask extra (pip install ")
    monkeypatch.setattr(udask, "_CONNECT_TIMEOUT", "0.5s")
    status, _, lines = run("convert", str(MEETING_XML), "--dask", "tcp://127.0.0.1:9")
    assert status == 2
    assert lines[-1].startswith("ucwaformat: --dask tcp://127.0.0.1:9: ")
    # Workers must run this very version: outputs may not depend on where they were made.
    monkeypatch.setattr(udask, "__version__", "0.0.0")
    status, _, lines = run("convert", str(MEETING_XML), "--dask", client.scheduler.address)
    assert status == 2
    assert "this is ucwaformat 0.0.0" in lines[-1]
