"""The command's outputs under faults (issue: the command under signals and full disks).

A full disk or a file-size limit while writing leaves no temporary file, no half output and
no traceback, and the message names the output, not the input; ``-o`` never renames over a
symlink, a FIFO or a device node, and ``-o -`` is stdout (tests/test_cli.py has those for
plain paths; here through symlinks and ``/dev/stdout`` as it is when stdout is a file).

The file-size limit (``RLIMIT_FSIZE``) is set in a child process, with ``SIGXFSZ`` ignored so
that a write past it fails with ``EFBIG`` as a full disk fails with ``ENOSPC``.
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from data_paths import CORPUS

from ucwaformat.cli import main

MEETING = CORPUS / "myAssignedOnlineMeeting"


def _lines(tmp_path: Path, n: int = 50) -> Path:
    line = json.dumps(json.loads((MEETING / "get-json-response.json").read_bytes()))
    src = tmp_path / "in.jsonl"
    src.write_text((line + "\n") * n)
    return src


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".ucwaformat-")]


def _small_files() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))


def _convert_with_small_files(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ucwaformat", "convert", *args],
        cwd=cwd,
        preexec_fn=_small_files,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["--lines", "in.jsonl", "-o", "out.xmll"], "out.xmll"),
        (["--lines", "in.jsonl", "--out-dir", "od"], "od/in.xmll"),
        (["--lines", "in.jsonl", "--out-dir", "od", "-j", "2"], "od/in.xmll"),
        (["m.xml", "-o", "out.json"], "out.json"),
        (["m.xml", "-o", "out.json", "--stream-above", "1"], "out.json"),
        (["m.xml", "--out-dir", "od"], "od/m.json"),
    ],
    ids=["lines-o", "lines-out-dir", "lines-jobs", "document", "streamed", "out-dir"],
)
def test_a_file_too_large_is_named_by_its_output_and_leaves_nothing(
    tmp_path: Path, args: list[str], output: str
) -> None:
    _lines(tmp_path)
    (tmp_path / "m.xml").write_bytes((MEETING / "get-xml-response.xml").read_bytes())
    result = _convert_with_small_files(tmp_path, *args)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0] == f"{output}: File too large", result.stderr
    assert "Traceback" not in result.stderr
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / output).exists()


def test_a_full_disk_with_lines_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ucwaformat import _jobs

    src = _lines(tmp_path)

    def full(self: Any, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_jobs.AtomicFile, "write", full)
    out = tmp_path / "out.xmll"
    assert main(["convert", "--lines", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"{out}: No space left on device"
    assert not out.exists() and _leftovers(tmp_path) == []


def test_an_input_that_fails_while_read_is_named_by_the_input(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    class Failing(io.BytesIO):
        def __iter__(self) -> Any:
            raise OSError(errno.EIO, os.strerror(errno.EIO))

    class Stdin:
        buffer = Failing(b"")

    monkeypatch.setattr(sys, "stdin", Stdin())
    assert main(["convert", "--lines", "-"]) == 1
    assert capsysbinary.readouterr().err.decode().splitlines()[0] == "<stdin>: Input/output error"


def test_a_symlink_to_a_device_is_written_into(tmp_path: Path) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(os.devnull)
    before = os.stat(os.devnull)
    assert main(["convert", str(MEETING / "get-xml-response.xml"), "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == os.devnull
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_symlink_to_a_fifo_is_written_into(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    link = tmp_path / "out.json"
    link.symlink_to(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["convert", str(MEETING / "get-xml-response.xml"), "-o", str(link)]) == 0
    reader.join(10)
    assert got and got[0].startswith(b'{"rel":"myAssignedOnlineMeeting"')
    assert link.is_symlink() and stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(not Path("/dev/stdout").is_symlink(), reason="/dev/stdout is not a link here")
def test_dev_stdout_when_stdout_is_a_file(tmp_path: Path) -> None:
    # /dev/stdout -> /proc/self/fd/1 -> a regular file: the file gets the output, and
    # /dev/stdout stays what it is (as root, a rename over it would replace it).
    before = os.readlink("/dev/stdout")
    out = tmp_path / "captured.json"
    with out.open("wb") as fout:
        result = subprocess.run(
            [sys.executable, "-m", "ucwaformat", "convert", str(MEETING / "get-xml-response.xml"),
             "-o", "/dev/stdout"],
            stdout=fout,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert (result.returncode, result.stderr) == (0, b"")
    assert out.read_bytes().startswith(b'{"rel":"myAssignedOnlineMeeting"')
    assert os.readlink("/dev/stdout") == before
    assert _leftovers(tmp_path) == []


def test_output_dash_with_lines_is_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    src = _lines(tmp_path, 3)
    monkeypatch.chdir(tmp_path)
    assert main(["convert", "--lines", str(src), "-o", "-"]) == 0
    assert capsysbinary.readouterr().out.count(b"\n") == 3
    assert not (tmp_path / "-").exists()
