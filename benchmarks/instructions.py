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
    python benchmarks/instructions.py --anatomy             # where the small call's work goes

Slow: about a minute per case. ``--anatomy`` counts ours, the floor and xmltodict on the small
example and on variants of it with one part taken out (the type marks, the date, the embedded
resource, the whitespace), and on plain resources of 0, 40 and 80 string properties: what each
part and each property costs each contender (about ten minutes on a busy machine).
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


def _instructions(case: str, calls: int, child: str = _CHILD) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            child.format(here=str(HERE)),
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


# -- --anatomy: the small call, part by part -----------------------------------------------------

#: contender → the statement timed on ``data`` (the floor is benchmarks/run.py's).
CONTENDERS = {
    "ours": "ucwaformat.xml_to_json(data)",
    "floor": "run.floor_xml_to_json(data)",
    "xmltodict": "orjson.dumps(xmltodict.parse(data))",
}

_ANATOMY_CHILD = r"""
import sys
sys.path.insert(0, {here!r})
import gc, orjson, run, ucwaformat, xmltodict
contender, path = sys.argv[1].split("@", 1)
data = open(path, "rb").read()
stmt = compile({stmts!r}[contender], "<stmt>", "eval")
eval(stmt)
gc.disable()
for _ in range(int(sys.argv[2])):
    eval(stmt)
"""

_TYPE_MARK = re.compile(r'\s*<property name="rel">[^<]*</property>')
_DATE = '<property name="expirationTime">2016-09-26T16:20:23.0485629-07:00</property>'
_EMBEDDED = re.compile(r'\s*<resource rel="onlineMeetingExtension".*?</resource>', re.S)
_BLANKS = re.compile(r">\s+<")


def variants() -> dict[str, str]:
    """The small example, the example less one part, and plain resources of N properties."""
    import payloads

    example = payloads.meeting_xml().decode()
    assert _DATE in example and _TYPE_MARK.search(example) and _EMBEDDED.search(example)
    out = {
        "example": example,
        "no type marks": _TYPE_MARK.sub("", example),
        "no date": example.replace(_DATE, ""),
        "no embedded": _EMBEDDED.sub("", example),
        "no whitespace": _BLANKS.sub("><", example),
    }
    head = (
        '<?xml version="1.0" encoding="utf-8"?><resource rel="myAssignedOnlineMeeting" '
        f'href="/x" xmlns="{payloads.NS}">'
    )
    for n in (0, 40, 80):
        props = "".join(f'<property name="p{i}">value {i}</property>' for i in range(n))
        out[f"{n} properties"] = head + props + "</resource>"
    return out


def anatomy() -> None:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    # (format() fills in {here!r}: the dict's own braces are doubled)
    child = _ANATOMY_CHILD.replace(
        "{stmts!r}", repr(CONTENDERS).replace("{", "{{").replace("}", "}}")
    )
    calls = 200
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, (name, text) in enumerate(variants().items()):
            paths[name] = Path(tmp) / f"{i}.xml"
            paths[name].write_text(text, encoding="utf-8")
        jobs = [(name, who) for name in paths for who in CONTENDERS]

        def count(job: tuple[str, str]) -> int:
            case = f"{job[1]}@{paths[job[0]]}"
            return (_instructions(case, calls, child) - _instructions(case, 0, child)) // calls

        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            found = dict(zip(jobs, pool.map(count, jobs), strict=True))
    print(f"{'instructions per call':24}" + "".join(f"{who:>12}" for who in CONTENDERS))
    for name in paths:
        print(f"{name:24}" + "".join(f"{found[name, who]:>12,}" for who in CONTENDERS))
    print("\nwhat a part costs (the example less the variant without it)")
    for name in ("no type marks", "no date", "no embedded", "no whitespace"):
        part = name.removeprefix("no ")
        print(
            f"{part:24}"
            + "".join(f"{found['example', w] - found[name, w]:>12,}" for w in CONTENDERS)
        )
    print(
        f"{'a document (0 props)':24}"
        + "".join(f"{found['0 properties', w]:>12,}" for w in CONTENDERS)
    )
    print(
        f"{'a string property':24}"
        + "".join(
            f"{(found['80 properties', w] - found['40 properties', w]) // 40:>12,}"
            for w in CONTENDERS
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"of {', '.join(CASES)}")
    parser.add_argument(
        "--anatomy", action="store_true", help="the small call part by part, against the peers"
    )
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
    if args.anatomy:
        anatomy()
        return 0
    for case in args.cases:
        calls = CASES[case]
        per_call = (_instructions(case, calls) - _instructions(case, 0)) // calls
        print(f"{case:12} {per_call:>14,} instructions per call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
