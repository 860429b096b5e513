"""Peak memory of the tree path and the streaming path on large documents.

Writes ``search`` results embedding N contacts (the ``contacts`` payload of ``payloads.py``, 2.2 KB
of XML each) to temporary files, then converts each in a fresh process, once with the tree path
(``xml_to_json``/``json_to_xml`` on the whole bytes) and once with the streaming path
(``stream_xml_to_json``/``stream_json_to_xml`` between files), and prints the peak resident set
size each child reports (:func:`peak_rss_kib`) with its time and whether
its output equals the tree path's. JSON → XML streams its input only with ``ijson`` installed;
without it the JSON is loaded whole and only the output is written item by item (both rows are
shown when ijson is there).

    python benchmarks/stream_memory.py                    # 10,000 and 100,000 contacts
    python benchmarks/stream_memory.py --sizes 1000 20000
    python benchmarks/stream_memory.py --no-tree          # streaming rows only
    python benchmarks/stream_memory.py --hostile 150      # large parts other than items

``--hostile MB`` writes documents of about MB megabytes whose bulk is *not* a list of embedded
resources, and converts each with the command, ``ucwaformat convert FILE -o OUT
--stream-above 1`` (in the child process): a root holding only properties (XML and JSON), a
root holding only links (XML), contacts whose ``emailAddresses`` are arrays nested 500 deep
(JSON, under the parsers' limit of 1024), and one array nested past that limit (JSON: refused).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402

import ucwaformat  # noqa: E402
from ucwaformat import _stream  # noqa: E402


def write_contacts(path: Path, n: int, seed: int = 20160926) -> None:
    """``payloads.contacts_xml(n)``, written contact by contact (the same bytes)."""
    rng = random.Random(seed)
    href = payloads._attr(payloads.APP + "/search?query=doe&limit=" + str(n))
    with path.open("wb") as out:
        out.write(
            (
                f'{payloads._HEAD}<resource rel="search" href="{href}" xmlns="{payloads.NS}">'
                + payloads._prop("moreResultsAvailable", "false")
            ).encode("utf-8")
        )
        for i in range(n):
            out.write(payloads._contact(rng, i).encode("utf-8"))
        out.write(b"</resource>")


# -- documents whose bulk is not embedded resources (--hostile) --------------------------------


def _fill(path: Path, head: bytes, part: Any, tail: bytes, size: int) -> None:
    """``head``, then ``part(i)`` for i = 0, 1, … until ``size`` bytes, then ``tail``."""
    with path.open("wb") as out:
        out.write(head)
        written, i = len(head), 0
        while written < size:
            chunk = b"".join(part(j) for j in range(i, i + 10_000))
            out.write(chunk)
            written += len(chunk)
            i += 10_000
        out.write(tail)


def write_hostile(d: Path, size: int) -> list[tuple[str, Path]]:
    ns = payloads.NS
    cases: list[tuple[str, Path]] = []
    path = d / "root-properties.xml"
    _fill(
        path,
        f'<resource xmlns="{ns}" rel="me" href="/me">'.encode(),
        lambda i: f'<property name="p{i}">value number {i}</property>'.encode(),
        b"</resource>",
        size,
    )
    cases.append(("root properties", path))
    path = d / "root-properties.json"
    _fill(
        path,
        b'{"rel":"me","_links":{"self":{"href":"/me"}}',
        lambda i: f',"p{i}":"value number {i}"'.encode(),
        b"}",
        size,
    )
    cases.append(("root properties", path))
    path = d / "root-links.xml"
    _fill(
        path,
        f'<resource xmlns="{ns}" rel="me" href="/me">'.encode(),
        lambda i: f'<link rel="r{i}" href="/link/number/{i}"/>'.encode(),
        b"</resource>",
        size,
    )
    cases.append(("root links", path))
    nested = b"[" * 500 + b'"a@b.c"' + b"]" * 500
    path = d / "nested-arrays.json"
    _fill(
        path,
        b'{"rel":"search","_embedded":{"contact":[{"rel":"contact","emailAddresses":'
        + nested
        + b"}",
        lambda i: b',{"rel":"contact","emailAddresses":' + nested + b"}",
        b"]}}",
        size,
    )
    cases.append(("contacts, arrays nested 500 deep", path))
    path = d / "nested-too-deep.json"
    depth = size // 2
    with path.open("wb") as out:
        out.write(b'{"rel":"contact","emailAddresses":')
        for _ in range(depth // 1_000_000):
            out.write(b"[" * 1_000_000)
        for _ in range(depth // 1_000_000):
            out.write(b"]" * 1_000_000)
        out.write(b"}")
    cases.append(("one array nested past the limit", path))
    return cases


def hostile(size_mb: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ucwa-hostile-") as tmp:
        d = Path(tmp)
        for label, src in write_hostile(d, size_mb * 1_000_000):
            out = d / "out"
            res = run_child("cli", str(src), str(out))
            form = "XML → JSON" if src.suffix == ".xml" else "JSON → XML"
            rows.append(
                (
                    label,
                    form,
                    f"{src.stat().st_size / 1e6:.0f}",
                    f"{res['rss_mb']:.0f}",
                    f"{res['seconds']:.1f}",
                    res["status"],
                )
            )
            print("  ".join(rows[-1]), flush=True)
            src.unlink()
            out.unlink(missing_ok=True)
    head = ("document", "direction", "input MB", "peak RSS MB", "time s", "result")
    print()
    print("| " + " | ".join(head) + " |")
    print("|---|---|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


# -- the child: one conversion, then its peak RSS ------------------------------------------------


def child(mode: str, src: str, dst: str) -> None:
    start = time.perf_counter()
    status = "converted"
    if mode == "cli":
        import contextlib
        import io

        from ucwaformat.cli import main as command

        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = command(["convert", src, "-o", dst, "--stream-above", "1"])
        status = "converted" if code == 0 else f"refused: {err.getvalue().split(': ', 1)[-1].strip()}"
    elif mode == "x2j-tree":
        Path(dst).write_bytes(ucwaformat.xml_to_json(Path(src).read_bytes()))
    elif mode == "j2x-tree":
        Path(dst).write_bytes(ucwaformat.json_to_xml(Path(src).read_bytes()))
    else:
        if mode == "j2x-stream-whole":
            _stream._ijson = lambda: None
        func = _stream.stream_xml_to_json if mode == "x2j-stream" else _stream.stream_json_to_xml
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            func(fin, fout)
    seconds = time.perf_counter() - start
    rss_kb = peak_rss_kib()
    print(json.dumps({"rss_mb": rss_kb / 1024, "seconds": seconds, "status": status}))


def peak_rss_kib() -> int:
    """This process's peak resident set size, KiB: on Linux the high-water mark of its own
    memory (``VmHWM``), since ``ru_maxrss`` carries over a fork and an exec (a child of a large
    process reports at least the parent's size); ``ru_maxrss`` elsewhere."""
    if sys.platform == "linux":
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def baseline() -> None:
    rss_kb = peak_rss_kib()
    print(json.dumps({"rss_mb": rss_kb / 1024, "seconds": 0.0}))


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-tree", action="store_true", help="skip the tree path")
    parser.add_argument("--hostile", type=int, metavar="MB", help="the --hostile documents")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        if args.child == ["baseline"]:
            baseline()
        else:
            child(*args.child)
        return

    ijson = _stream.ijson_available()
    if args.hostile:
        print(f"python {sys.version.split()[0]}, ijson {'installed' if ijson else 'not installed'}")
        hostile(args.hostile)
        return
    print(
        f"python {sys.version.split()[0]}, ucwaformat {ucwaformat.__version__}, "
        f"ijson {'installed' if ijson else 'not installed'}, {os.cpu_count()} CPUs"
    )
    base = run_child("baseline")
    print(f"baseline (python + import ucwaformat): {base['rss_mb']:.0f} MB peak RSS\n")
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="ucwa-stream-") as tmp:
        d = Path(tmp)
        for n in args.sizes:
            xml = d / f"contacts-{n}.xml"
            write_contacts(xml, n)
            jsn = d / f"contacts-{n}.json"
            with xml.open("rb") as fin, jsn.open("wb") as fout:
                _stream.stream_xml_to_json(fin, fout)
            cases = [("XML → JSON", "x2j", xml, ".json"), ("JSON → XML", "j2x", jsn, ".xml")]
            for label, key, src, ext in cases:
                modes = [f"{key}-tree", f"{key}-stream"]
                if key == "j2x" and ijson:
                    modes.append("j2x-stream-whole")
                if args.no_tree:
                    modes.remove(f"{key}-tree")
                reference: str | None = None
                for mode in modes:
                    out = d / f"out-{n}-{mode}{ext}"
                    res = run_child(mode, str(src), str(out))
                    h = digest(out)
                    if mode.endswith("tree"):
                        reference = h
                    same = (
                        "—"
                        if reference is None or mode.endswith("tree")
                        else ("yes" if h == reference else "NO")
                    )
                    path = {
                        "tree": "tree",
                        "stream": "stream" + (" (ijson)" if key == "j2x" and ijson else ""),
                        "whole": "stream (JSON loaded whole)",
                    }[mode.rsplit("-", 1)[1]]
                    rows.append(
                        (
                            f"{n:,}",
                            label,
                            f"{src.stat().st_size / 1e6:.1f}",
                            path,
                            f"{res['rss_mb']:.0f}",
                            f"{res['seconds']:.2f}",
                            same,
                        )
                    )
                    out.unlink()
                    print("  ".join(rows[-1]), flush=True)
            xml.unlink()
            jsn.unlink()
    head = ("contacts", "direction", "input MB", "path", "peak RSS MB", "time s", "= tree output")
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" if i in (0, 2, 4, 5) else "---" for i in range(len(head))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
