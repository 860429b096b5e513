"""Every script of ``examples/`` runs, in a fresh interpreter, and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from data_paths import ROOT

import ucwaformat

EXAMPLES = ROOT / "examples"


def _run(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_every_script_is_run_here() -> None:
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert scripts == ["bulk_convert.py", "gateway.py", "test_meeting.py", "typed_meeting.py"]


def test_gateway() -> None:
    out = _run(str(EXAMPLES / "gateway.py")).splitlines()
    assert out[0] == "GET -> 200 application/vnd.microsoft.com.ucwa+json"
    assert out[1] == "  rel=myAssignedOnlineMeeting subject='Quarterly sales numbers'"
    assert out[2:5] == [
        "  losses: 2",
        "    response: sub-ms at $.expirationTime",
        "    response: offset at $.expirationTime",
    ]
    assert out[5] == 'PUT -> 200 application/vnd.microsoft.com.ucwa+json: {"subject":"Moved to Friday"}'


def test_bulk_convert_of_its_own_tree() -> None:
    assert _run(str(EXAMPLES / "bulk_convert.py")).splitlines() == [
        "converted 1 file(s)",
        "  wrote meetings/assigned.json",
        "  failed broken.xml: Opening and ending tag mismatch: property line 1 and resource"
        " (at line 1, column 50)",
        "  loss offset: 1",
        "  loss sub-ms: 1",
    ]


def test_bulk_convert_of_a_given_tree(tmp_path: Path) -> None:
    src, dst = tmp_path / "in", tmp_path / "out"
    (src / "a").mkdir(parents=True)
    data = (EXAMPLES / "myAssignedOnlineMeeting.xml").read_bytes()
    (src / "a" / "m.xml").write_bytes(data)
    out = _run(str(EXAMPLES / "bulk_convert.py"), str(src), str(dst))
    assert out.splitlines()[:2] == ["converted 1 file(s)", "  wrote a/m.json"]
    assert (dst / "a" / "m.json").read_bytes() == ucwaformat.xml_to_json(data, pretty=True)


def test_pytest_example_with_the_plugin() -> None:
    out = _run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES / "test_meeting.py"))
    assert "2 passed" in out


def test_typed_meeting() -> None:
    out = _run(str(EXAMPLES / "typed_meeting.py"))
    lines = out.splitlines()
    assert lines[0] == (
        "read: 'Quarterly sales numbers', <AccessLevel.LOCKED: 'Locked'>, "
        "ends 2016-09-26 16:20:23.048562-07:00"
    )
    assert '  "accessLevel": "Everyone",' in lines
    assert '  "expirationTime": "\\/Date(1475018423048)\\/",' in lines
    assert lines[-1] == (
        "as data: subject='Quarterly sales numbers (moved)' expirationTime='/Date(1475018423048)/'"
    )
