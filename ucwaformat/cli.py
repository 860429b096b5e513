"""The ``ucwaformat`` command: convert UCWA documents between XML and JSON."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._api import json_to_xml, xml_to_json
from ._errors import Loss, UcwaFormatError

__all__ = ["main"]

_EPILOG = """\
The input form is detected from the first non-blank byte ('<' is XML, anything else JSON).
Exit status: 0 when every input converted, 1 when any input was bad (each reported on stderr
as PATH:LINE:COL: MESSAGE or PATH: MESSAGE (at $.path)), 2 for usage errors.

examples:
  ucwaformat convert meeting.xml --pretty        XML to JSON on stdout
  ucwaformat convert meeting.json -o meeting.xml JSON to XML into a file
  curl ... | ucwaformat convert - --to json      stdin to stdout
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ucwaformat",
        description="Translate Microsoft UCWA documents between their XML and JSON forms.",
    )
    parser.add_argument("--version", action="version", version=f"ucwaformat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    conv = sub.add_parser(
        "convert",
        help="convert documents to the other form (or to --to)",
        description="Convert UCWA documents from XML to JSON or from JSON to XML.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conv.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE",
        help="input files; '-' (the default) reads stdin",
    )
    conv.add_argument(
        "--to",
        choices=("json", "xml"),
        help="target form; by default the other form of each input",
    )
    conv.add_argument("-o", "--output", metavar="FILE", help="write to FILE (one input only)")
    conv.add_argument("--pretty", action="store_true", help="indent the output")
    conv.add_argument(
        "--dialect",
        choices=("server", "docs"),
        default="server",
        help="XML dialect to write: 'server' (true/false, no <property name=\"rel\">; default) "
        "or 'docs' (True/False and <property name=\"rel\">, like the reference examples)",
    )
    conv.add_argument(
        "--rel",
        metavar="TYPE",
        help="the root's resource type when the XML lacks it (for typing values)",
    )
    conv.add_argument(
        "--strict",
        action="store_true",
        help="fail on anything the translation cannot carry instead of reporting it",
    )
    conv.add_argument(
        "--report",
        action="store_true",
        help="print what the translation could not carry (losses) on stderr",
    )
    return parser


def _detect(data: bytes) -> str:
    stripped = data.lstrip(b" \t\r\n\xef\xbb\xbf")
    return "xml" if stripped[:1] == b"<" else "json"


def _convert(data: bytes, args: argparse.Namespace, losses: list[Loss]) -> bytes:
    source = _detect(data)
    target = args.to or ("json" if source == "xml" else "xml")
    if source == target:
        raise UcwaFormatError(f"the input is already {target.upper()}")
    if source == "xml":
        return xml_to_json(
            data, rel=args.rel, strict=args.strict, report=losses, pretty=args.pretty
        )
    return json_to_xml(
        data,
        rel=args.rel,
        strict=args.strict,
        report=losses,
        pretty=args.pretty,
        dialect=args.dialect,
    )


def _where(name: str, err: UcwaFormatError) -> str:
    if err.line is not None:
        return f"{name}:{err.line}:{err.column or 0}: {err.msg}"
    return f"{name}: {err}"


def _write_atomic(path: Path, data: bytes) -> None:
    # Nothing half-written: the file appears only once its content is complete.
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run_convert(args: argparse.Namespace) -> int:
    if args.output and len(args.inputs) > 1:
        print("ucwaformat: -o takes one input", file=sys.stderr)
        return 2
    failed = 0
    for name in args.inputs:
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
            continue
        label = "<stdin>" if name == "-" else name
        losses: list[Loss] = []
        try:
            out = _convert(data, args, losses)
        except UcwaFormatError as err:
            print(_where(label, err), file=sys.stderr)
            failed += 1
            continue
        if args.report:
            for loss in losses:
                print(f"{label}: {loss}", file=sys.stderr)
        if not out.endswith(b"\n"):
            out += b"\n"
        if args.output:
            _write_atomic(Path(args.output), out)
        else:
            sys.stdout.buffer.write(out)
            sys.stdout.buffer.flush()
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "convert":
        return _run_convert(args)
    return 2  # pragma: no cover - argparse requires a command
