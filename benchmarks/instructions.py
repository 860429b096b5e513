"""Instructions per conversion call (XML → JSON, and JSON → XML with ``-j2x``), counted by valgrind: a measure the machine's load cannot move.

Wall and CPU time on a shared 2-core machine move by 5–40 % between runs; the number of machine
instructions a call executes does not (with a fixed hash seed). It is not the time: cache misses
and branches count there too. It says reliably whether a change to a hot path does more or less
work, and by how much, where timing cannot.

Usage (needs ``valgrind`` on PATH; each case runs the interpreter twice under callgrind, with and
without the calls, and reports the difference per call)::

    python benchmarks/instructions.py                       # the installed/imported ucwaformat
    python benchmarks/instructions.py small-j2x contacts-j2x    # JSON → XML cases only
    PYTHONPATH=<other checkout> python benchmarks/instructions.py   # another commit's

Slow: about a minute per case.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: case → calls timed (enough that the per-call figure is stable to a few hundred instructions);
#: a case without ``-j2x`` is XML → JSON
CASES = {
    "small": 200,
    "events": 2,
    "contacts": 1,
    "small-j2x": 200,
    "events-j2x": 2,
    "contacts-j2x": 1,
}

_CHILD = r"""
import sys
sys.path.insert(0, {here!r})
import payloads, ucwaformat
case, n = sys.argv[1], int(sys.argv[2])
data = {{"small": payloads.meeting_xml, "events": payloads.events_xml,
        "contacts": lambda: payloads.contacts_xml(2000),
        "small-j2x": payloads.meeting_json, "events-j2x": payloads.events_json,
        "contacts-j2x": lambda: payloads.contacts_json(2000)}}[case]()
convert = ucwaformat.json_to_xml if case.endswith("-j2x") else ucwaformat.xml_to_json
import gc
gc.disable()
for _ in range(n):
    convert(data)
"""


def _instructions(case: str, calls: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            _CHILD.format(here=str(HERE)),
            case,
            str(calls),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"of {', '.join(CASES)}")
    args = parser.parse_args()
    unknown = [case for case in args.cases if case not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}")
    args.cases = args.cases or list(CASES)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    import ucwaformat

    print(f"ucwaformat from {Path(ucwaformat.__file__).parent}")
    for case in args.cases:
        calls = CASES[case]
        per_call = (_instructions(case, calls) - _instructions(case, 0)) // calls
        print(f"{case:12} {per_call:>14,} instructions per call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
