"""The README's examples run, and its tables say what the code does."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from data_paths import ROOT

import ucwaformat

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_blocks_found() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_examples_run(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})


def test_loss_table_lists_every_kind() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (.*) \|$", README, re.M))
    assert {k: v for k, v in rows.items() if k in ucwaformat.LOSS_KINDS} == {
        k: v.replace("|", "/") for k, v in ucwaformat.LOSS_KINDS.items()
    }


def test_quick_start_command_converts_the_bundled_example() -> None:
    # The quick start's second half, run with this interpreter (the install is CI's job).
    out = subprocess.run(
        [sys.executable, "-m", "ucwaformat", "convert", "examples/myAssignedOnlineMeeting.xml", "--pretty"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    assert b'"conferenceId": "12983487"' in out
    assert b'"expirationTime": "\\/Date(1474932023048)\\/"' in out
