"""A bulk conversion: every UCWA document under a directory, XML to JSON, into another directory.

    python examples/bulk_convert.py IN_DIR OUT_DIR

Without arguments it converts this directory's own example into a temporary one. Each file is
converted on its own: a file that does not translate is listed with the position of the
problem, and what a translation could not carry (its losses) is counted, never silently lost.
The command does the same, in parallel: ``ucwaformat convert IN_DIR --out-dir OUT_DIR -j 2``.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

import ucwaformat


def convert_tree(src: Path, dst: Path) -> tuple[int, list[str], Counter[str]]:
    """Converts ``src/**/*.xml`` to ``dst/**/*.json``; (converted, failures, loss kinds)."""
    done = 0
    failures: list[str] = []
    kinds: Counter[str] = Counter()
    for path in sorted(src.rglob("*.xml")):
        report: list[ucwaformat.Loss] = []
        try:
            out = ucwaformat.xml_to_json(path.read_bytes(), pretty=True, report=report)
        except ucwaformat.UcwaFormatError as exc:
            failures.append(f"{path.relative_to(src)}: {exc}")
            continue
        target = (dst / path.relative_to(src)).with_suffix(".json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(out)
        kinds.update(loss.kind for loss in report)
        done += 1
    return done, failures, kinds


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as tmp:
        if args:
            src, dst = Path(args[0]), Path(args[1])
        else:  # a small tree: the example, and a file that is not UCWA XML
            src, dst = Path(tmp) / "in", Path(tmp) / "out"
            (src / "meetings").mkdir(parents=True)
            example = Path(__file__).parent / "myAssignedOnlineMeeting.xml"
            (src / "meetings" / "assigned.xml").write_bytes(example.read_bytes())
            (src / "broken.xml").write_bytes(b"<resource rel='x'><property name='a'>1</resource>")
        done, failures, kinds = convert_tree(src, dst)
        print(f"converted {done} file(s)")
        for name in sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*.json")):
            print(f"  wrote {name}")
        for failure in failures:
            print(f"  failed {failure}")
        for kind, count in sorted(kinds.items()):
            print(f"  loss {kind}: {count}")
    return 1 if failures and args else 0


if __name__ == "__main__":
    sys.exit(main())
