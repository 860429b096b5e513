"""Every caller against the core: the command, ``-j``, one thing to report, the typed layer.

    python benchmarks/callers.py [--quick] [--only NAME] [--repeat R] [--files 2000] [--big 100000]

Each case times a *caller* and the core call it should cost about the same as, side by side in
one run (interleaved repetitions, medians), and prints the ratio with its target:

- ``command-10k``: ``ucwaformat convert contacts.xml -o out.json`` on the 10k-contact document,
  run in this process (``cli.main``, CPU time of this process), against in-process
  ``xml_to_json`` (+ writing the bytes to a file); and the command in a subprocess (CPU time of
  the child, ``RUSAGE_CHILDREN``) against the same ``xml_to_json`` call in a fresh process with
  the command's imports (whose heap grows from nothing: page faults a warm process does not
  pay). The interpreter's start and imports are measured alone too.
- ``command-growth``: the command (subprocess, CPU) at 10k and at ``--big`` contacts: time per
  resource, on the tree path (``--stream-above`` past the file) and on the default path (which
  streams files of 32 MiB and more).
- ``files``: ``convert TREE --out-dir OUT`` on ``--files`` small corpus documents with ``-j 1``
  and ``-j 2`` (subprocesses, wall time; CPU time of the children shown), against an in-process
  loop that reads each file, converts it with ``xml_to_json``/``json_to_xml`` and writes it.
  Under an editable install (``pip install -e``) every start also imports its finder, which a
  wheel install does not: what it imports that the command does not is printed, with the ratio
  estimated without it.
- ``unknown-rel``: in-process ``xml_to_json`` on the 10k document with one link rel the schema
  does not know, and with one date without a zone, against the same document without either.
- ``typed``: ``typed.from_xml`` against ``xml_to_json`` on the small meeting and on the 10k
  document (as ``types.Search``).
- ``stream``: ``stream_xml_to_json`` between files on the 10k document against the streaming
  floor (``iterparse`` + ``run.py``'s minimal walk per item + orjson), CPU time; and the peak
  RSS (the high-water mark of fresh processes) of ``convert --stream-above 1`` with and without
  ``--report`` at 10k and 300k contacts (100k with ``--quick``).

CPU time (``time.process_time``, ``RUSAGE_CHILDREN``) unless said otherwise; ``gc.collect()``
before each sample, the collector enabled (the callers decide for themselves).

Subprocesses run as an installed package does: with its bytecode cached. The package is
compiled (``compileall``) before the cases run, and the children run without
``PYTHONDONTWRITEBYTECODE`` (which some environments set: every start would compile each module
from source again, tens of milliseconds an installed package never pays).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import gc
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import lxml.etree
import orjson
from payloads import contacts_xml, meeting_xml

import ucwaformat
from ucwaformat import typed, types

ROOT: Final = Path(__file__).resolve().parent.parent
CORPUS: Final = ROOT / "tests" / "data" / "corpus"
SCRATCH: Final = "/dev/shm" if os.path.isdir("/dev/shm") else None
UNKNOWN_LINK: Final = b'<link rel="somethingTheSchemaDoesNotKnow" href="/ucwa/x/unknown"/>'

#: xml_to_json of argv[1] written to argv[2], in a process of its own (the command's imports).
FRESH: Final = (
    "import sys, ucwaformat.cli; from pathlib import Path; "
    "Path(sys.argv[2]).write_bytes(ucwaformat.xml_to_json(Path(sys.argv[1]).read_bytes()))"
)

#: The children's environment: bytecode is read from the cache, as for an installed package.
CHILD_ENV: Final = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

Sample = Callable[[], float]  # runs once, returns seconds


def cache_bytecode() -> None:
    """Compile the package being measured, as installing it does (pip writes the .pyc files)."""
    compileall.compile_dir(Path(ucwaformat.__file__).parent, quiet=1)


def cpu(fn: Callable[[], object]) -> Sample:
    """A sample of ``fn``'s CPU time in this process."""

    def run() -> float:
        gc.collect()
        start = time.process_time()
        fn()
        return time.process_time() - start

    return run


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(argv: list[str], wall: bool = False, cpu_out: list[float] | None = None) -> Sample:
    """A sample of a subprocess's CPU time (children included), or its wall time."""

    def run() -> float:
        before = _children()
        start = time.perf_counter()
        subprocess.run(
            argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV
        )
        elapsed = time.perf_counter() - start
        used = _children() - before
        if cpu_out is not None:
            cpu_out.append(used)
        return elapsed if wall else used

    return run


def editable_finder() -> float:
    """Seconds of a child's start spent on imports that only an editable install makes.

    ``pip install -e`` puts a .pth file in site-packages that imports a finder at every start;
    a wheel install has none. Much of what the finder imports (pathlib, re...) the command
    imports anyway, so only the rest counts: the modules under the finder in an ``-X
    importtime`` report that a start without site-packages' .pth files (``-S``, the package
    and site-packages on the path) does not import. The least of three reports; 0 when the
    package is not installed editable."""
    purelib = sysconfig.get_paths()["purelib"]
    plain = subprocess.run(
        [sys.executable, "-S", "-c", "import sys, ucwaformat.cli; print(*sys.modules)"],
        env={**CHILD_ENV, "PYTHONPATH": os.pathsep.join([str(ROOT), purelib])},
        capture_output=True,
        text=True,
        check=True,
    )
    needed = set(plain.stdout.split())
    found: list[float] = []
    for _ in range(3):
        report = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import ucwaformat.cli"],
            env=CHILD_ENV,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        rows = [line.split("|") for line in report.splitlines() if line.count("|") == 2]
        # (self µs, depth, name), children before their parent.
        tree = [
            (int(own.rsplit(":", 1)[-1]), len(name) - len(name.lstrip()), name.strip())
            for own, _, name in rows[1:]
        ]
        micros = 0
        for i, (_, depth, name) in enumerate(tree):
            if name.startswith("__editable__"):
                j = i
                while j > 0 and tree[j - 1][1] > depth:
                    j -= 1
                micros += sum(own for own, _, n in tree[j : i + 1] if n not in needed)
        found.append(micros / 1e6)
    return min(found)


def interleaved(samples: dict[str, Sample], repeat: int) -> dict[str, float]:
    """Medians of the samples, run round-robin ``repeat`` times (the first one rotating)."""
    names = list(samples)
    for name in names:
        samples[name]()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(samples[name]())
    return {name: statistics.median(ts) for name, ts in times.items()}


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


RESULTS: list[tuple[str, float, str, bool]] = []


def target(label: str, ratio: float, limit: float, at_least: bool = False) -> None:
    ok = ratio >= limit if at_least else ratio <= limit
    want = f"≥ {limit}×" if at_least else f"≤ {limit}×"
    RESULTS.append((label, ratio, want, ok))
    print(f"  {label:<50} {ratio:6.2f}×  {want:<8} {'PASS' if ok else 'MISS'}")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ucwaformat", "convert", *args]


# -- cases --------------------------------------------------------------------------------------


def case_command(tmp: Path, repeat: int) -> None:
    from ucwaformat.cli import main

    print("\n[command-10k] convert on the 10k-contact document")
    xml = contacts_xml(10_000)
    src = tmp / "contacts10k.xml"
    src.write_bytes(xml)
    out = tmp / "out.json"
    core_out = tmp / "core.json"
    m = interleaved(
        {
            "xml_to_json + write": cpu(lambda: core_out.write_bytes(ucwaformat.xml_to_json(xml))),
            "cli.main": cpu(lambda: main(["convert", str(src), "-o", str(out)])),
            "subprocess": child(command(str(src), "-o", str(out))),
            # The same call in a fresh process: the heap grows from nothing there (page faults).
            "xml_to_json in a fresh process": child(
                [sys.executable, "-c", FRESH, str(src), str(core_out)]
            ),
            "startup": child([sys.executable, "-c", "import ucwaformat.cli"]),
        },
        repeat,
    )
    assert out.read_bytes() == core_out.read_bytes() + (
        b"" if core_out.read_bytes().endswith(b"\n") else b"\n"
    )
    for name, t in m.items():
        print(f"  {name:<32} {fmt(t)}")
    core = m["xml_to_json + write"]
    target("convert (in-process) / xml_to_json", m["cli.main"] / core, 1.15)
    print(
        f"  subprocess / xml_to_json: {m['subprocess'] / core:.2f}×; without the start-up "
        f"({fmt(m['startup'])}): {(m['subprocess'] - m['startup']) / core:.2f}×"
    )
    target(
        "convert (subprocess) / fresh-process xml_to_json",
        m["subprocess"] / m["xml_to_json in a fresh process"],
        1.15,
    )


def case_growth(tmp: Path, repeat: int, big: int) -> None:
    print(f"\n[command-growth] convert (subprocess, CPU) at 10k and {big:,} contacts, per resource")
    small = tmp / "growth-small.xml"
    large = tmp / "growth-large.xml"
    small.write_bytes(contacts_xml(10_000))
    large.write_bytes(contacts_xml(big))
    out = tmp / "growth.json"
    tree = ("--stream-above", str(1 << 40))
    m = interleaved(
        {
            "10k tree": child(command(str(small), "-o", str(out), *tree)),
            "big tree": child(command(str(large), "-o", str(out), *tree)),
            "big default": child(command(str(large), "-o", str(out))),
        },
        max(1, repeat // 2),
    )
    startup = interleaved({"s": child([sys.executable, "-c", "import ucwaformat.cli"])}, 3)["s"]
    per_small = (m["10k tree"] - startup) / 10_000
    per_big = (m["big tree"] - startup) / big
    per_default = (m["big default"] - startup) / big
    print(f"  10k tree          {fmt(m['10k tree'])}  {per_small * 1e6:.1f} µs/resource")
    print(f"  {big:,} tree  {fmt(m['big tree'])}  {per_big * 1e6:.1f} µs/resource")
    print(f"  {big:,} default {fmt(m['big default'])}  {per_default * 1e6:.1f} µs/resource")
    print(f"  (start-up {fmt(startup)} taken off before dividing)")
    target(f"per resource, tree: {big // 1000}k / 10k", per_big / per_small, 1.2)
    target(f"per resource, default: {big // 1000}k / 10k", per_default / per_small, 1.2)


def _corpus_docs() -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".xml", ".json") or path.parent.name.startswith("_"):
            continue
        data = path.read_bytes()
        try:
            (ucwaformat.xml_to_json if path.suffix == ".xml" else ucwaformat.json_to_xml)(data)
        except ucwaformat.UcwaFormatError:
            continue
        found.append((f"{path.parent.name}-{path.stem}", data))
    return found


def make_tree(root: Path, n: int) -> list[Path]:
    """N corpus documents under ``root`` in 20 directories, each with its own href."""
    docs = _corpus_docs()
    paths: list[Path] = []
    for i in range(n):
        name, data = docs[i % len(docs)]
        data = data.replace(b"/ucwa/", f"/ucwa/{i}/".encode(), 1)
        ext = ".xml" if data.lstrip()[:1] == b"<" else ".json"
        path = root / f"d{i % 20:02d}" / f"{i:05d}-{name}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return paths


def case_files(tmp: Path, repeat: int, n: int) -> None:
    print(f"\n[files] {n:,} small files: convert -j 1 / -j 2 (subprocesses) vs an in-process loop")
    tree = tmp / "tree"
    paths = make_tree(tree, n)
    jobs = [(p, tmp / "loop" / p.relative_to(tree)) for p in paths]
    runs = {"j1": 0, "j2": 0}

    def loop() -> None:
        shutil.rmtree(tmp / "loop", ignore_errors=True)
        for src, dst in jobs:
            data = src.read_bytes()
            if src.suffix == ".xml":
                out, dst = ucwaformat.xml_to_json(data), dst.with_suffix(".json")
            else:
                out, dst = ucwaformat.json_to_xml(data), dst.with_suffix(".xml")
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(out)

    def cmd(j: int, key: str, cpu_out: list[float]) -> Sample:
        def run() -> float:
            runs[key] += 1
            out = tmp / f"{key}-{runs[key]}"
            return child(command(str(tree), "--out-dir", str(out), "-j", str(j)), True, cpu_out)()

        return run

    def wall_loop() -> float:
        gc.collect()
        start = time.perf_counter()
        loop()
        return time.perf_counter() - start

    def in_process(j: int) -> Sample:
        def run() -> float:
            from ucwaformat.cli import main

            runs[f"main{j}"] = runs.get(f"main{j}", 0) + 1
            out = tmp / f"main{j}-{runs[f'main{j}']}"
            gc.collect()
            start = time.perf_counter()
            with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
                main(["convert", str(tree), "--out-dir", str(out), "-j", str(j)])
            return time.perf_counter() - start

        return run

    cpu1: list[float] = []
    cpu2: list[float] = []
    samples = {
        "loop": wall_loop,
        "main": in_process(1),
        "main -j 2": in_process(2),
        "-j 1": cmd(1, "j1", cpu1),
        "-j 2": cmd(2, "j2", cpu2),
    }
    m = interleaved(samples, repeat)
    first = {
        p.relative_to(tmp / "j1-1").as_posix(): p.read_bytes()
        for p in (tmp / "j1-1").rglob("*")
        if p.is_file()
    }
    again = {
        p.relative_to(tmp / "j2-1").as_posix(): p.read_bytes()
        for p in (tmp / "j2-1").rglob("*")
        if p.is_file()
    }
    assert first == again and len(first) == n, "the -j 1 and -j 2 outputs differ"
    print(f"  in-process loop  {fmt(m['loop'])} wall")
    print(f"  cli.main -j 1    {fmt(m['main'])} wall (in this process)")
    print(f"  cli.main -j 2    {fmt(m['main -j 2'])} wall (in this process: no interpreter start)")
    print(f"  -j 1             {fmt(m['-j 1'])} wall, {fmt(statistics.median(cpu1))} CPU")
    print(
        f"  -j 2             {fmt(m['-j 2'])} wall, {fmt(statistics.median(cpu2))} CPU (parent + workers)"
    )
    startup = interleaved({"s": child([sys.executable, "-c", "import ucwaformat.cli"], True)}, 3)[
        "s"
    ]
    print(f"  (interpreter start and imports alone: {fmt(startup)} wall)")
    finder = editable_finder()
    if finder:
        # Measured as installed here (editable); what a wheel install would give is estimated
        # by taking the finder's import off each start, and printed only as that.
        print(
            f"  (of which imports only the editable install makes: {fmt(finder)}, which a "
            f"wheel install does not; -j 1 / -j 2 without them, estimated: "
            f"{(m['-j 1'] - finder) / (m['-j 2'] - finder):.2f}×)"
        )
    target("-j 1 / -j 2 (wall)", m["-j 1"] / m["-j 2"], 1.6, at_least=True)
    target("-j 1 / -j 2 (cli.main, wall)", m["main"] / m["main -j 2"], 1.6, at_least=True)
    target("-j 1 (cli.main) / in-process loop (wall)", m["main"] / m["loop"], 2.0)
    print(f"  (-j 1 as a subprocess / in-process loop: {m['-j 1'] / m['loop']:.2f}×)")


def case_unknown(repeat: int) -> None:
    print(
        "\n[unknown-rel] xml_to_json on the 10k document, with one unknown link rel (or one date"
        " without a zone) vs without"
    )
    xml = contacts_xml(10_000)
    at = xml.index(b"<link ", len(xml) // 2)
    odd = xml[:at] + UNKNOWN_LINK + xml[at:]
    # One date in the middle without its zone ('Z'): read as UTC and reported.
    at = xml.index(b'Z</property>', xml.index(b'name="lastActive"', len(xml) // 2))
    zoneless = xml[:at] + xml[at + 1 :]
    plain: list[ucwaformat.Loss] = []
    losses: list[ucwaformat.Loss] = []
    zone: list[ucwaformat.Loss] = []
    ucwaformat.xml_to_json(xml, report=plain)
    ucwaformat.xml_to_json(odd, report=losses)
    ucwaformat.xml_to_json(zoneless, report=zone)
    extra = [loss for loss in losses if "somethingTheSchema" in str(loss)]
    print(f"  losses reported: {len(plain)} without, {len(losses)} with ({extra[:1]})")
    print(f"  zoneless: {len(zone)} ({[loss for loss in zone if loss.kind == 'zone'][:1]})")
    m = interleaved(
        {
            "without": cpu(lambda: ucwaformat.xml_to_json(xml)),
            "with": cpu(lambda: ucwaformat.xml_to_json(odd)),
            "zoneless": cpu(lambda: ucwaformat.xml_to_json(zoneless)),
        },
        repeat,
    )
    for name, t in m.items():
        print(f"  {name:<10} {fmt(t)}")
    target("one unknown rel / none", m["with"] / m["without"], 1.1)
    target("one date without a zone / none", m["zoneless"] / m["without"], 1.1)


def case_typed(repeat: int) -> None:
    print("\n[typed] typed.from_xml vs xml_to_json")
    small = meeting_xml()
    big = contacts_xml(10_000)
    n = 200

    def many(fn: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n):
                fn()

        return run

    m = interleaved(
        {
            "small xml_to_json": cpu(many(lambda: ucwaformat.xml_to_json(small))),
            "small typed": cpu(many(lambda: typed.from_xml(small, types.MyAssignedOnlineMeeting))),
            "10k xml_to_json": cpu(lambda: ucwaformat.xml_to_json(big)),
            "10k typed": cpu(lambda: typed.from_xml(big, types.Search)),
        },
        repeat,
    )
    print(
        f"  small  xml_to_json {fmt(m['small xml_to_json'] / n)}  typed {fmt(m['small typed'] / n)} (per call)"
    )
    print(f"  10k    xml_to_json {fmt(m['10k xml_to_json'])}  typed {fmt(m['10k typed'])}")
    target("typed.from_xml / xml_to_json, small", m["small typed"] / m["small xml_to_json"], 1.3)
    target("typed.from_xml / xml_to_json, 10k", m["10k typed"] / m["10k xml_to_json"], 1.3)


#: The command on one file in a fresh process, printing its peak RSS (KiB) on stdout
#: (``stream_memory.peak_rss_kib``: not ``ru_maxrss``, which a child of this process, large by
#: then, inherits).
PEAK: Final = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
    "from stream_memory import peak_rss_kib; from ucwaformat.cli import main; "
    "code = main(sys.argv[1:]); print(peak_rss_kib()); sys.exit(code)"
)


def stream_floor(src: str, dst: str) -> None:
    """The streaming floor: lxml ``iterparse`` over the file (the parser options ``_stream``
    uses), ``run.py``'s minimal walk of each embedded resource as it ends, orjson, each item
    written as it is made and dropped from the tree."""
    from run import _RESOURCE, _floor_resource

    parser = lxml.etree.iterparse(
        src,
        events=("end",),
        tag=_RESOURCE,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    roles: dict[str, bool] = {}
    with open(dst, "wb") as out:
        out.write(b'{"_embedded":{')
        for _event, el in parser:
            parent = el.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # the root, or a resource inside an item
            role = el.get("rel")
            out.write(b"," if roles.get(role) else b'"' + role.encode() + b'":[')
            roles[role] = True
            out.write(orjson.dumps(_floor_resource(el)))
            parent.remove(el)
        out.write(b"]}," + orjson.dumps(_floor_resource(parser.root))[1:])


def case_stream(tmp: Path, repeat: int, big: int) -> None:
    import stream_memory

    from ucwaformat._stream import stream_xml_to_json

    print(f"\n[stream] streaming XML → JSON vs the iterparse floor; peak RSS at 10k and {big:,}")
    small = tmp / "stream-10k.xml"
    stream_memory.write_contacts(small, 10_000)  # (contacts_xml's bytes)
    out = tmp / "stream-out.json"
    sunk: list[ucwaformat.Loss] = []

    def streamed(report: list[ucwaformat.Loss] | None) -> Callable[[], None]:
        def run() -> None:
            with small.open("rb") as fin, out.open("wb") as fout:
                stream_xml_to_json(fin, fout, report=report)
            sunk.clear()

        return run

    m = interleaved(
        {
            "iterparse floor": cpu(lambda: stream_floor(str(small), str(out))),
            "stream_xml_to_json": cpu(streamed(None)),
            "stream_xml_to_json, report": cpu(streamed(sunk)),
        },
        repeat,
    )
    for name, t in m.items():
        print(f"  {name:<32} {fmt(t)} CPU")
    target("stream / iterparse floor (CPU)", m["stream_xml_to_json"] / m["iterparse floor"], 1.3)
    print(f"  (with report=[]: {m['stream_xml_to_json, report'] / m['iterparse floor']:.2f}×)")
    large = tmp / "stream-big.xml"
    stream_memory.write_contacts(large, big)
    peaks: dict[str, float] = {}
    for label, src in (("10k", small), (f"{big // 1000}k", large)):
        for report in ("", "--report"):
            argv = [sys.executable, "-c", PEAK, "convert", str(src), "-o", str(out)]
            argv += ["--stream-above", "1", *([report] if report else [])]
            before = _children()
            proc = subprocess.run(
                argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
            )
            peak = int(proc.stdout.split()[-1]) / 1024
            peaks[f"{label} {report}".strip()] = peak
            print(
                f"  convert {label} {report or '(no report)':<12} {peak:6.0f} MB peak RSS, "
                f"{fmt(_children() - before)} CPU"
            )
    name = f"{big // 1000}k"
    target(f"peak RSS --report, {name} / 10k", peaks[f"{name} --report"] / peaks["10k --report"], 1.2)
    print(f"  (without --report: {peaks[name] / peaks['10k']:.2f}×)")


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "ucwaformat", "benchmarks"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 500 files, 30k")
    parser.add_argument("--only", metavar="NAME", help="cases whose name contains NAME")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.files, args.big = 3, 500, 30_000
    print("ucwaformat benchmarks: callers")
    print(f"command:  python benchmarks/callers.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        f"versions: Python {platform.python_version()} | lxml {lxml.etree.__version__} "
        f"(libxml2 {'.'.join(map(str, lxml.etree.LIBXML_VERSION))}) | orjson {orjson.__version__} "
        f"| ucwaformat {ucwaformat.__version__}"
    )
    print(f"machine:  {platform.platform()} | {os.cpu_count()} CPUs")
    print(f"commit:   {_commit()}")
    cache_bytecode()
    print("children: bytecode cached (compileall; PYTHONDONTWRITEBYTECODE unset), as installed")
    print(
        "load:     {:.2f} {:.2f} {:.2f} (1, 5, 15 min; other work on the machine)".format(
            *os.getloadavg()
        )
    )
    cases: dict[str, Callable[[Path], None]] = {
        "command-10k": lambda tmp: case_command(tmp, args.repeat),
        "command-growth": lambda tmp: case_growth(tmp, args.repeat, args.big),
        "files": lambda tmp: case_files(tmp, args.repeat, args.files),
        "unknown-rel": lambda tmp: case_unknown(args.repeat),
        "typed": lambda tmp: case_typed(args.repeat),
        "stream": lambda tmp: case_stream(tmp, args.repeat, 100_000 if args.quick else 300_000),
    }
    for name, run in cases.items():
        if args.only and args.only not in name:
            continue
        with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
            run(Path(tmp))
    print("\nload at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("\ntargets")
    for label, ratio, want, ok in RESULTS:
        print(f"  {label:<50} {ratio:6.2f}×  {want:<8} {'PASS' if ok else 'MISS'}")


if __name__ == "__main__":
    main()
