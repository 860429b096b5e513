"""The ``ucwaformat`` command: convert, check and compare UCWA documents.

Like ``python -m json.tool``: ``main(argv=None) -> int``, ``-`` is stdin, bytes in and out
(``sys.stdin.buffer``/``sys.stdout.buffer``), exit 0 when all went well, 1 for bad input (each
problem on stderr as ``PATH:LINE:COL: MESSAGE`` or ``PATH: MESSAGE (at $.path)``), 2 for usage
errors. Conversions of many inputs can run in several processes (``--jobs``: this one and
workers, each writing the output files of what it converts) or on a Dask cluster (``--dask``: the
parent process does all the reading and writing); outputs keep the input order, and an output
file appears only once it is complete.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import importlib
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NoReturn, TypeVar, cast

from ._api import from_json, from_xml
from ._errors import Loss, UcwaFormatError, add_limit_arguments
from ._jobs import (
    EXT,
    LINES_BATCH,
    LINES_EXT,
    PICK,
    STDIN,
    TO_STREAM,
    AtomicFile,
    InputFile,
    Options,
    Tally,
    Task,
    doc_job,
    error_line,
    expand_inputs,
    http_job,
    is_har,
    line_job,
    loss_lines,
    ordered_map,
    os_error_line,
    output_path,
    output_stem,
    overlaid,
    read_overlay,
    remove_temporaries,
    write_atomic,
)
from ._media import Form, detect_form, other_form
from ._model import Document

if TYPE_CHECKING:
    from concurrent.futures import Executor

__all__ = ["main"]

T = TypeVar("T")
R = TypeVar("R")


_CONVERT_EPILOG = """\
The input form is detected from the content ('<' first, after blanks and a UTF-8 or UTF-16
byte order mark, is XML; anything else JSON), or with --http from the message's Content-Type.
Without --to each input goes to the other form; an input already in the --to form is rewritten
in it (normalised, or --pretty).

Directories are walked recursively for *.xml, *.json and *.har (with --lines *.jsonl, *.ndjson
and *.xmll; with --http *.http; with --all every file), skipping hidden names. --out-dir mirrors
the input tree and names each output for its form (.json/.xml; .jsonl/.xmll with --lines; the
input's name with --http and for a .har). Without -o/--out-dir the outputs go to stdout, in
input order.

A .har file (HTTP Archive 1.2, as browsers and proxies save it) has each request and response
body with a UCWA media type converted (base64 bodies stay base64; batches part by part), its
media type, size and Content-Type/Content-Length headers updated, and is written under its own
name; everything else in it is kept. check reads each UCWA body of a .har file too.

With --lines each non-blank input line is one document and each output line one document
(newlines inside XML text are written as &#10;). A bad line is reported and left out; the
others are still converted, and an output holds every line that converted.

Exit status: 0 when everything converted; 1 when an input (or with --lines a line) was bad,
each reported on stderr as PATH:LINE:COL: MESSAGE or PATH: MESSAGE (at $.path); 2 for usage
errors. An output file is written (atomically) only when its conversion succeeded.

With --dask the conversions run on a Dask cluster (the dask extra: pip install
'ucwaformat[dask]', the same version on every worker); this command still reads the inputs and
writes the outputs, so the workers need no access to them. Failing to reach the cluster exits 2.

examples:
  ucwaformat convert meeting.xml --pretty          XML to JSON on stdout
  ucwaformat convert meeting.json -o meeting.xml   JSON to XML into a file
  curl ... | ucwaformat convert - --to json        stdin to stdout
  ucwaformat convert captures/ --out-dir json/ --to json --jobs 8
  ucwaformat convert captures/ --out-dir json/ --dask tcp://scheduler:8786
  ucwaformat convert --http response.http          a captured HTTP message, body converted
  ucwaformat convert --lines --to xml < docs.jsonl > docs.xmll
"""

_CHECK_EPILOG = """\
Each finding is printed on stdout as PATH: note|error: $.path: MESSAGE. Errors are values of
the wrong type (a string where the schema has an integer, a single value where it has a list)
and values outside their enumeration; notes are unknown resource types, properties and request
parameters, and what reading had to repair or guess.

Exit status: 0 when no document has errors (notes are fine), 1 when one has or cannot be
read (reported on stderr as PATH:LINE:COL: MESSAGE), 2 for usage errors.
"""

_DIFF_EPILOG = """\
Both documents are compared in the JSON shape, so an XML document and its JSON translation are
equal; property order, dialect, whitespace and sub-millisecond date digits do not count. Each
difference is printed on stdout as $.path: LEFT != RIGHT, with JSON values ("(missing)" for an
absent member).

Patterns for --ignore: '*' any run of characters, '?' one character, '..' any depth
('$..href', '$._links.*', '$._embedded.contact[*].uri'); a matching member is skipped with
everything under it.

Exit status (as for diff(1)): 0 equal, 1 different, 2 when a document cannot be read
(reported on stderr as PATH:LINE:COL: MESSAGE) or for usage errors.
"""

_LEARN_EPILOG = """\
Directories are walked for *.json, *.jsonl, *.ndjson, *.http and *.har. A raw HTTP message gives
its body when its Content-Type is UCWA JSON (a multipart/batching body its JSON parts); a HAR
file every such request and response body. XML bodies and request bodies (inputs) say nothing
of types and are skipped.

The overlay (the format of docs/overlays.md) lists, per resource type seen, each property's
type, whether each link and embedded role is a collection, each embedded role's type and the
values seen of enumerations. Where the bodies disagree (a property seen as integer and as
string) the wider type is written and the conflict printed on stderr. Use it with --schema on
convert, check and diff, or Schema.with_overlay in Python; --schema here sets what learning
starts from (enumerations and text types it keeps).

Exit status: 0, or 1 when an input could not be read (reported on stderr; the overlay is still
written from the others), 2 for usage errors.
"""


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _milliseconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def _add_rel(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--rel", metavar="TYPE", help=help)


def _add_schema(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schema",
        action="append",
        default=[],
        type=read_overlay,
        metavar="FILE",
        help="a schema overlay (JSON, as 'ucwaformat learn' writes) applied over the bundled "
        "schema; repeatable, applied in order",
    )


class _Version(argparse.Action):
    """``--version``, as argparse's own action prints it, with the version looked up only when
    asked: reading it (importlib.metadata) costs an import every other run would pay."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show program's version number and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        from . import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


#: The commands whose options live here: a command line that starts with one of them does not
#: need ``serve``'s (see :func:`_parser`).
_OWN_COMMANDS = frozenset({"convert", "check", "diff", "learn"})


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command's parser; ``command``: the first argument, when it names one of the
    :data:`_OWN_COMMANDS` (the parser then lacks ``serve``, which nothing on that command line
    can reach: its options, and the gateway it imports, cost a few milliseconds of every run)."""
    parser = argparse.ArgumentParser(
        prog="ucwaformat",
        description="Translate, check and compare Microsoft UCWA documents (XML and JSON).",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    conv = sub.add_parser(
        "convert",
        help="convert documents to the other form (or to --to)",
        description="Convert UCWA documents from XML to JSON or from JSON to XML.",
        epilog=_CONVERT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conv.set_defaults(run=_run_convert, parser=conv)
    conv.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE|DIR|-",
        help="input files and directories; '-' (the default) reads stdin",
    )
    conv.add_argument(
        "--to",
        choices=("json", "xml"),
        help="target form; by default the other form of each input",
    )
    dest = conv.add_mutually_exclusive_group()
    dest.add_argument("-o", "--output", metavar="FILE", help="write to FILE (one input only)")
    dest.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write each output under DIR, mirroring the input tree, named for its form",
    )
    conv.add_argument("--pretty", action="store_true", help="indent the output")
    conv.add_argument(
        "--dialect",
        choices=("server", "docs"),
        default="server",
        help="XML dialect to write: 'server' (true/false, no <property name=\"rel\">; default) "
        "or 'docs' (True/False and <property name=\"rel\">, like the reference examples)",
    )
    _add_rel(conv, "the root's resource type when the XML lacks it (for typing values)")
    _add_schema(conv)
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
    mode = conv.add_mutually_exclusive_group()
    mode.add_argument(
        "--lines",
        action="store_true",
        help="one document per line in and out (JSON lines, one-line XML)",
    )
    mode.add_argument(
        "--http",
        action="store_true",
        help="the input is a raw HTTP request or response; convert its body and update "
        "Content-Type and Content-Length (multipart/batching bodies part by part; chunked "
        "bodies are joined, gzip and deflate ones decoded and compressed again)",
    )
    conv.add_argument(
        "--all",
        action="store_true",
        help="in directories, take every file, not only the ones named for the mode",
    )
    workers = conv.add_mutually_exclusive_group()
    workers.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="convert in N processes, this one and N-1 workers (default 1); outputs keep the "
        "input order",
    )
    conv.add_argument(
        "--stream-above",
        type=int,
        default=STREAM_ABOVE,
        metavar="BYTES",
        help="convert input files of at least BYTES by streaming, in memory flat in the number "
        f"of embedded resources (default {STREAM_ABOVE}, 32 MiB); the output is the same",
    )
    add_limit_arguments(conv, _jobs)
    workers.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="convert on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786), or "
        "on a local one with a worker process per core ('local'); outputs keep the input order",
    )

    chk = sub.add_parser(
        "check",
        help="check documents against the bundled schema",
        description="Check UCWA documents against the schema bundled with ucwaformat.",
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chk.set_defaults(run=_run_check, parser=chk)
    chk.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE|DIR|-",
        help="documents, HAR files and directories (*.xml, *.json, *.har) to check; '-' (the "
        "default) reads stdin",
    )
    _add_rel(
        chk,
        "the root's resource type when the document lacks it, or for a request body the "
        "resource it is sent to",
    )
    chk.add_argument("-q", "--quiet", action="store_true", help="print errors only, no notes")
    _add_schema(chk)

    dif = sub.add_parser(
        "diff",
        help="compare two documents in any forms",
        description="Compare two UCWA documents semantically, XML or JSON on either side.",
        epilog=_DIFF_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dif.set_defaults(run=_run_diff, parser=dif)
    dif.add_argument("left", metavar="A", help="the first document ('-' for stdin)")
    dif.add_argument("right", metavar="B", help="the second document ('-' for stdin)")
    dif.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATTERN",
        help="skip members whose $.path matches PATTERN (repeatable)",
    )
    dif.add_argument(
        "--tolerance-ms",
        type=_milliseconds,
        default=0,
        metavar="MS",
        help="let /Date(ms)/ values differ by up to MS milliseconds",
    )
    _add_rel(dif, "the root's resource type when the XML lacks it (for typing values)")
    _add_schema(dif)

    lrn = sub.add_parser(
        "learn",
        help="learn a schema overlay from JSON bodies",
        description="Learn a schema overlay from UCWA JSON bodies: the types, collections, "
        "embedded types and enumeration values they show.",
        epilog=_LEARN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lrn.set_defaults(run=_run_learn, parser=lrn)
    lrn.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE|DIR|-",
        help="JSON documents, JSON lines, raw HTTP messages, HAR files and directories of them; "
        "'-' (the default) reads stdin",
    )
    lrn.add_argument("-o", "--output", metavar="FILE", help="write the overlay to FILE")
    _add_schema(lrn)

    # serve: the transcoding reverse proxy; its options and code live in ucwaformat.gateway
    # (uvicorn and httpx, the serve extra, are imported only when it runs).
    if command not in _OWN_COMMANDS:
        from .gateway._serve import add_serve_parser

        add_serve_parser(sub)
    return parser


# --------------------------------------------------------------------------------------------
# Outputs and progress
# --------------------------------------------------------------------------------------------


class _Sink:
    """Where outputs go: stdout, one file (-o), or a mirrored tree (--out-dir)."""

    def __init__(self, output: str | None, out_dir: str | None, extensions: dict[str, str]):
        self.special: Path | None = None  # -o names a FIFO, a device or a socket
        self._stream: IO[bytes] | None = None
        if output == "-":
            output = None  # -o - is stdout, as an input of - is stdin
        elif output is not None:
            path = Path(output)
            try:
                mode = path.stat().st_mode  # of what a link points to
            except OSError:
                mode = None
            if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                # A FIFO, a device, a socket, a pipe (-o /dev/stdout): written into as a
                # stream, never renamed over (as root that would replace a device node).
                self.special, output = path, None
            elif path.is_symlink():
                # Replace the file the link points to, not the link (and rename on its disk).
                output = os.path.realpath(path)
        self.output = None if output is None else Path(output)
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.extensions = extensions
        self.written: dict[Path, str] = {}

    @property
    def stream(self) -> IO[bytes]:
        """Where outputs go when they go to no file of their own: stdout, or -o's FIFO/device."""
        if self.special is None:
            return sys.stdout.buffer
        if self._stream is None:
            self._stream = self.special.open("wb")  # opened at the first output (a FIFO blocks)
        return self._stream

    def describe(self, item: InputFile, form: Form | None) -> str:
        """The output of ``item`` as a message names it (an output's error names the output)."""
        if self.special is not None:
            return str(self.special)
        if self.to_stdout:
            return "<stdout>"
        return str(self.destination(item, form))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    @property
    def to_stdout(self) -> bool:
        return self.output is None and self.out_dir is None

    def directory(self, item: InputFile) -> Path:
        """The directory an output file of ``item`` goes to."""
        return self.destination(item, None).parent

    def destination(self, item: InputFile, form: Form | None) -> Path:
        """The output file of ``item`` (in ``form``; None keeps the input's name)."""
        if self.output is not None:
            return self.output
        assert self.out_dir is not None and item.rel is not None
        return Path(output_path(str(self.out_dir / item.rel), form, self.extensions))

    def own_outputs(self, inputs: list[InputFile]) -> list[str | None]:
        """Per input, where its job may write its output itself (as it is named, see
        :func:`output_path`), or None where the output must come back here: to stdout, to -o,
        or when another input's output could take the same name (which :meth:`claim` refuses,
        in input order)."""
        if self.out_dir is None or self.output is not None:
            return [None] * len(inputs)
        # As os.path.join spells them (a relname is never absolute), each stem made once: this
        # runs over every input before the first conversion starts.
        root = str(self.out_dir)
        root = root if root.endswith(os.sep) else root + os.sep
        bases = [None if i.relname is None else root + i.relname for i in inputs]
        stems = [None if b is None else output_stem(b) for b in bases]
        counts = collections.Counter(stems)
        return [
            None if s is None or counts[s] > 1 else b for b, s in zip(bases, stems, strict=True)
        ]

    def claim(self, item: InputFile, path: Path) -> None:
        """Refuse a second output under one name (``a.xml`` and ``a.json`` both to ``a.json``)."""
        other = self.written.setdefault(path, item.label)
        if other != item.label:
            raise _Refused(f"{item.label}: not written: {path} is the output of {other}")

    def write(self, item: InputFile, data: bytes, form: Form | None) -> None:
        if self.to_stdout:
            self.stream.write(data)
            self.stream.flush()
            return
        path = self.destination(item, form)
        self.claim(item, path)
        write_atomic(path, data)


class _Refused(Exception):
    """An output that is not written; the message says why."""


class _Ui:
    """Messages on stderr, and a progress bar while stderr is a terminal (tqdm, if installed)."""

    def __init__(self, total: int, unit: str) -> None:
        self.bar: Any = None
        if total > 1 and sys.stderr.isatty():
            try:
                # Imported by name: an optional nicety, only for people watching a terminal.
                tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False)

    def say(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------------
# convert
# --------------------------------------------------------------------------------------------


def _loaded(task: Task) -> Task:
    """``task`` with its file read here (the workers of a cluster may not see this machine's)."""
    if task.source is None or task.data is not None:
        return task
    try:
        return task._replace(data=Path(task.source).read_bytes())
    except OSError as exc:
        return task._replace(failure=exc)


def _convert_documents(
    inputs: list[InputFile],
    opts: Options,
    jobs: int,
    http: bool,
    sink: _Sink,
    ui: _Ui,
    executor: Executor | None = None,
    stream_above: int | None = None,
) -> Tally:
    """Convert documents (or HTTP messages) in order; a file of at least ``stream_above`` bytes
    (not a HAR file) is streamed here straight into its output when its turn comes."""
    tally = Tally()
    stdin = sys.stdin.buffer.read() if any(i.file is None for i in inputs) else b""
    # Outputs to files of their own are written by the jobs (in whichever process runs them with
    # --jobs); on a cluster, whose workers may not see this machine's files, here.
    dests = sink.own_outputs(inputs) if executor is None else [None] * len(inputs)
    tasks = [
        Task(i.label, None, stdin)
        if i.file is None
        else Task(
            i.label, i.file, dest=dest, stream_above=None if is_har(i.label) else stream_above
        )
        for i, dest in zip(inputs, dests, strict=True)
    ]
    job = functools.partial(http_job if http else doc_job, opts=opts)
    # A cluster's task costs milliseconds to schedule: it gets bigger chunks than a process pool.
    chunksize = max(1, min(32 if executor is None else 128, len(tasks) // (4 * jobs)))
    # On a cluster the files are read here, lazily: a window of chunks is in memory at a time.
    work = tasks if executor is None else map(_loaded, tasks)
    results = ordered_map(job, work, jobs, chunksize, executor)
    for item, task, done in zip(inputs, tasks, results, strict=True):
        if done.written == TO_STREAM:
            if _stream_one(item, opts, sink, ui, tally):
                ui.step()
                continue
            done = job(task._replace(stream_above=None))  # already in the target form
        for message in done.messages:
            ui.say(message)
        tally.size_in += done.size
        if done.written >= 0:
            tally.converted += 1
            tally.size_out += done.written
        elif done.out is None:
            tally.failed += 1
        else:
            try:
                sink.write(item, done.out, done.form)
            except _Refused as exc:
                ui.say(str(exc))
                tally.failed += 1
            except BrokenPipeError:
                raise  # stdout's reader went away: main stops the run
            except OSError as exc:
                ui.say(os_error_line(sink.describe(item, done.form), exc))
                tally.failed += 1
            else:
                tally.converted += 1
                tally.size_out += len(done.out)
        ui.step()
    return tally


class _InputFailed(Exception):
    """Reading a --lines input failed (an OSError of the input, not of its output)."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc)
        self.exc = exc


def _numbered(stream: Iterable[bytes], tally: Tally) -> Iterator[tuple[int, bytes]]:
    try:
        for lineno, line in enumerate(stream, 1):
            tally.size_in += len(line)
            yield lineno, line
    except OSError as exc:
        raise _InputFailed(exc) from exc


def _convert_lines(
    item: InputFile,
    opts: Options,
    jobs: int,
    sink: _Sink,
    ui: _Ui,
    tally: Tally,
    executor: Executor | None = None,
) -> None:
    """Convert one --lines input, line by line; its output holds every line that converted."""
    job = functools.partial(line_job, opts=opts, label=item.label)
    out: AtomicFile | None = None
    form: Form | None = opts.to
    try:
        stream: IO[bytes] = sys.stdin.buffer if item.path is None else item.path.open("rb")
    except OSError as exc:
        ui.say(os_error_line(item.label, exc))
        tally.failed += 1
        return
    try:
        if not sink.to_stdout:
            out = AtomicFile(sink.directory(item))
        lines = ordered_map(job, _numbered(stream, tally), jobs, LINES_BATCH, executor)
        for line in lines:
            for message in line.messages:
                ui.say(message)
            if line.out is None:
                tally.failed += 1
            elif line.out:
                tally.converted += 1
                tally.size_out += len(line.out)
                form = form or line.form
                if out is None:
                    sink.stream.write(line.out)
                else:
                    out.write(line.out)
        if out is None:
            sink.stream.flush()
        elif form is None:
            out.abort()  # nothing converted, and no --to to name an empty output by
        else:
            path = sink.destination(item, form)
            sink.claim(item, path)
            out.commit(path)
            out = None
    except _Refused as exc:
        ui.say(str(exc))
        tally.failed += 1
    except BrokenPipeError:
        raise  # stdout's reader went away: main stops the run
    except _InputFailed as exc:
        ui.say(os_error_line(item.label, exc.exc))
        tally.failed += 1
    except OSError as exc:
        # The output failed (a full disk, a file too large): named by the output.
        ui.say(os_error_line(sink.describe(item, form), exc))
        tally.failed += 1
    finally:
        if out is not None:
            out.abort()
        if item.path is not None:
            stream.close()


class _NoCluster(Exception):
    """--dask could not give workers (no dask installed, no scheduler there, no workers)."""


@contextlib.contextmanager
def _workers(args: argparse.Namespace) -> Iterator[tuple[int, Executor | None]]:
    """What runs the conversions: ``--jobs`` processes, or a Dask cluster's executor (--dask)."""
    if args.dask is None:
        yield args.jobs, None
        return
    try:
        from .dask import ClusterError, cluster_executor  # only here: the core needs no dask
    except ImportError as exc:
        raise _NoCluster(
            f"--dask needs the dask extra (pip install 'ucwaformat[dask]'): {exc}"
        ) from exc
    with contextlib.ExitStack() as stack:
        try:
            executor, threads = stack.enter_context(cluster_executor(args.dask))
        except ClusterError as exc:
            raise _NoCluster(f"--dask {args.dask}: {exc}") from exc
        yield threads, executor


#: Input files at least this large are converted by streaming (flat memory, same output).
STREAM_ABOVE = 32 << 20


class _LastByte:
    """A writer that remembers the last byte written through it."""

    def __init__(self, dst: IO[bytes]) -> None:
        self.dst = dst
        self.last = b""

    def write(self, data: bytes) -> int:
        if data:
            self.last = data[-1:]
        return self.dst.write(data)


class _LossPrinter:
    """A streamed file's losses (``--report``), each printed as the conversion hands it over
    and then dropped: a document with very many stays in flat memory."""

    def __init__(self, label: str, ui: _Ui) -> None:
        self.label = label
        self.ui = ui

    def append(self, loss: Loss) -> None:
        (line,) = loss_lines(self.label, [loss])
        self.ui.say(line)


def _stream_one(item: InputFile, opts: Options, sink: _Sink, ui: _Ui, tally: Tally) -> bool:
    """Convert one large file by streaming (``ucwaformat._stream``) straight into its output.

    Returns False when the file is left to the ordinary path (already in the target form).
    """
    from ._stream import stream_json_to_xml, stream_xml_to_json

    assert item.path is not None
    with item.path.open("rb") as fin:
        head = fin.read(4096)
        source = detect_form(head)
        target = opts.to or other_form(source)
        if source == target:
            return False
        fin.seek(0)
        # Printed when the whole file has converted (nothing on an error), never kept.
        losses = _LossPrinter(item.label, ui) if opts.report else None
        out: AtomicFile | None = None
        path: Path | None = None
        try:
            if not sink.to_stdout:
                path = sink.destination(item, target)
                sink.claim(item, path)
                out = AtomicFile(path.parent)
            last = _LastByte(sink.stream if out is None else out.file)
            dst = cast("BinaryIO", last)
            if source == "xml":
                stream_xml_to_json(
                    fin,
                    dst,
                    rel=opts.rel,
                    strict=opts.strict,
                    report=losses,
                    pretty=opts.pretty,
                    schema=opts.schema_obj,
                    limits=opts.limits,
                )
            else:
                stream_json_to_xml(
                    fin,
                    dst,
                    rel=opts.rel,
                    strict=opts.strict,
                    report=losses,
                    dialect=opts.dialect,
                    pretty=opts.pretty,
                    schema=opts.schema_obj,
                    limits=opts.limits,
                )
            if last.last != b"\n":
                last.write(b"\n")
        except _Refused as exc:
            ui.say(str(exc))
            tally.failed += 1
            return True
        except UcwaFormatError as err:
            if out is not None:
                out.abort()
            ui.say(error_line(item.label, err))
            tally.failed += 1
            return True
        except BrokenPipeError:
            if out is not None:
                out.abort()
            raise  # stdout's reader went away: main stops the run
        except OSError as exc:
            # The output failed (a full disk, a FIFO or device that cannot be opened): named
            # by the output, not the input.
            if out is not None:
                out.abort()
            ui.say(os_error_line(sink.describe(item, target), exc))
            tally.failed += 1
            return True
        except BaseException:
            if out is not None:
                out.abort()
            raise
        try:
            if out is not None and path is not None:
                out.commit(path)
                tally.size_out += path.stat().st_size
            else:
                sink.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            ui.say(os_error_line(sink.describe(item, target), exc))
            tally.failed += 1
            return True
        tally.size_in += item.path.stat().st_size
        tally.converted += 1
        return True


def _run_convert(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    if args.output and (len(args.inputs) != 1 or Path(args.inputs[0]).is_dir()):
        parser.error("-o/--output takes exactly one input file; use --out-dir for more")
    if args.out_dir and "-" in args.inputs:
        parser.error("--out-dir needs files or directories, not stdin ('-')")
    if args.lines and args.pretty:
        parser.error("--pretty cannot be used with --lines (one document per line)")
    opts = Options.from_args(args)
    mode = "lines" if args.lines else "http" if args.http else "doc"
    inputs, errors = expand_inputs(args.inputs, None if args.all else PICK[mode])
    sink = _Sink(args.output, args.out_dir, LINES_EXT if args.lines else EXT)
    started = time.perf_counter()
    ui = _Ui(len(inputs), "file")
    for message in errors:
        ui.say(message)
    try:
        with _workers(args) as (jobs, executor):
            if args.lines:
                tally = Tally()
                for item in inputs:
                    _convert_lines(item, opts, jobs, sink, ui, tally, executor)
                    ui.step()
            else:
                # Large files stream straight into their outputs (when output order cannot
                # matter: files, or a single input on stdout), here, when their turn comes.
                streams = not args.http and executor is None
                streams = streams and (not sink.to_stdout or len(inputs) == 1)
                tally = _convert_documents(
                    inputs,
                    opts,
                    jobs,
                    args.http,
                    sink,
                    ui,
                    executor,
                    args.stream_above if streams else None,
                )
    except _NoCluster as exc:
        ui.say(f"ucwaformat: {exc}")
        return 2
    finally:
        ui.close()
        sink.close()
    tally.failed += len(errors)
    if len(inputs) > 1:
        unit = "documents" if args.lines else "files"
        print(tally.summary(unit, time.perf_counter() - started), file=sys.stderr)
    return 1 if tally.failed else 0


# --------------------------------------------------------------------------------------------
# check and diff
# --------------------------------------------------------------------------------------------


def _read_input(item: InputFile) -> bytes:
    return sys.stdin.buffer.read() if item.path is None else item.path.read_bytes()


def _run_check(args: argparse.Namespace) -> int:
    from ._check import check
    from ._har import har_documents

    inputs, errors = expand_inputs(args.inputs, PICK["doc"])
    bad = bool(errors)
    for message in errors:
        print(message, file=sys.stderr)
    schema = overlaid(tuple(args.schema))
    for item in inputs:
        try:
            data = _read_input(item)
            # A HAR file: each UCWA body in it, named by where it is.
            bodies = har_documents(data) if is_har(item.label) else [("", data)]
        except OSError as exc:
            print(os_error_line(item.label, exc), file=sys.stderr)
            bad = True
            continue
        except UcwaFormatError as err:
            print(error_line(item.label, err), file=sys.stderr)
            bad = True
            continue
        for where, body in bodies:
            label = f"{item.label} {where}" if where else item.label
            try:
                findings = check(body, rel=args.rel, schema=schema)
            except UcwaFormatError as err:
                print(error_line(label, err), file=sys.stderr)
                bad = True
                continue
            for finding in findings:
                if finding.severity == "error":
                    bad = True
                elif args.quiet:
                    continue
                print(f"{label}: {finding}")
    return 1 if bad else 0


def _run_diff(args: argparse.Namespace) -> int:
    from ._diff import detect_form, diff

    parser: argparse.ArgumentParser = args.parser
    if args.left == args.right == "-":
        parser.error("only one of A and B can be stdin ('-')")
    docs: list[Document] = []
    for name in (args.left, args.right):
        item = InputFile(STDIN, None, None) if name == "-" else InputFile(name, name, None)
        try:
            data = _read_input(item)
            read = from_xml if detect_form(data) == "xml" else from_json
            docs.append(read(data, rel=args.rel, schema=overlaid(tuple(args.schema))))
        except OSError as exc:
            print(os_error_line(item.label, exc), file=sys.stderr)
            return 2
        except UcwaFormatError as err:
            print(error_line(item.label, err), file=sys.stderr)
            return 2
    differences = diff(docs[0], docs[1], ignore=args.ignore, tolerance_ms=args.tolerance_ms)
    for difference in differences:
        print(difference)
    return 1 if differences else 0


def _run_learn(args: argparse.Namespace) -> int:
    from ._learn import Learner, sources, write_overlay

    learner = Learner(overlaid(tuple(args.schema)))
    bad = False
    for source in sources(args.inputs):
        if source.error is not None:
            print(source.error, file=sys.stderr)
            bad = True
            continue
        try:
            learner.add_json(source.data, source.where)
        except UcwaFormatError as err:
            if source.label is not None:
                print(error_line(source.label, err, source.line_offset), file=sys.stderr)
            else:
                print(error_line(source.where, err), file=sys.stderr)
            bad = True
    out = write_overlay(learner.overlay())
    for conflict in learner.conflicts:
        print(f"ucwaformat learn: conflict: {conflict}", file=sys.stderr)
    skipped = ", ".join(f"{n} {what}" for what, n in sorted(learner.skipped.items()))
    print(
        f"ucwaformat learn: {learner.read} documents, {len(learner.types)} resource types"
        + (f" (skipped: {skipped})" if skipped else ""),
        file=sys.stderr,
    )
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(out)
    else:
        write_atomic(Path(args.output), out)
    return 1 if bad else 0


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def _silence_stdout() -> None:
    # Further writes (and the interpreter's final flush) must not raise again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = _parser(argv[0] if argv else None).parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except SystemExit as exc:  # argparse: --help and --version (0), usage errors (2)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        remove_temporaries()  # outputs being written when the interrupt came
        return 130
