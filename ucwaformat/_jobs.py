"""The command's job machinery, shared by ``ucwaformat convert`` and :mod:`ucwaformat.dask`.

What one conversion job needs (its :class:`Options`, the inputs as :class:`Task` s, the outcome
as :class:`Done`), the jobs themselves (a document, an HTTP message, a line of a ``--lines``
stream), running them in order over a process pool or a cluster's executor, the inputs a
directory walk picks, atomic output files and the tally of a run. Everything a job takes or
returns is picklable: jobs run in worker processes (``--jobs``) and on Dask workers.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import secrets
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO, Final, TypeVar

import attrs

from ._api import from_json, from_xml, json_to_xml, to_json, to_xml, xml_to_json
from ._errors import DEFAULT_LIMITS, Limits, Loss, UcwaFormatError
from ._media import Dialect, Form, detect_form, other_form
from ._model import Document

T = TypeVar("T")
R = TypeVar("R")

STDIN: Final = "<stdin>"
BOM: Final = b"\xef\xbb\xbf"
BLANK: Final = b" \t\r\n" + BOM
#: Output file extensions: one document per file, and one per line (--lines).
EXT: Final[dict[str, str]] = {"json": ".json", "xml": ".xml"}
LINES_EXT: Final[dict[str, str]] = {"json": ".jsonl", "xml": ".xmll"}
#: The files a directory walk picks (without --all), per mode.
PICK: Final[dict[str, frozenset[str]]] = {
    "doc": frozenset({".json", ".xml"}),
    "lines": frozenset({".jsonl", ".ndjson", ".xmll"}),
    "http": frozenset({".http"}),
}
LINES_BATCH: Final = 256  # lines per worker task with --lines --jobs


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def error_line(label: str, err: UcwaFormatError, line_offset: int = 0, column_offset: int = 0) -> str:
    """``label:line:col: message`` for syntax errors, ``label: message (at $.path)`` for
    structural ones, ``label:line: message (at $.path)`` for an element that lacks something."""
    if err.line is not None:
        line = err.line + line_offset
        at = "" if err.path is None else f" (at {err.path})"
        if err.column is None:
            return f"{label}:{line}: {err.msg}{at}"
        column = err.column + (column_offset if err.line == 1 else 0)
        return f"{label}:{line}:{column}: {err.msg}{at}"
    return f"{label}: {err}"


def os_error_line(label: str, exc: OSError) -> str:
    return f"{label}: {exc.strerror or exc}"


# --------------------------------------------------------------------------------------------
# Converting one body (runs in worker processes with --jobs: everything here is picklable)
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Options:
    """What a conversion needs to know; sent to the worker processes."""

    to: Form | None
    pretty: bool
    dialect: Dialect
    rel: str | None
    strict: bool
    report: bool
    # The limits on a hostile input (Limits: their defaults and their one home).
    max_depth: int = DEFAULT_LIMITS.max_depth
    max_attributes: int = DEFAULT_LIMITS.max_attributes
    max_value_size: int = DEFAULT_LIMITS.max_value_size

    @property
    def limits(self) -> Limits:
        return Limits(self.max_depth, self.max_attributes, self.max_value_size)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        """The options of a parsed command line: each field from the argument of its name."""
        return cls(**{field.name: getattr(args, field.name) for field in attrs.fields(cls)})


def convert_body(data: bytes, opts: Options, losses: list[Loss]) -> tuple[bytes, Form]:
    """One document to the target form; the output and its form."""
    source = detect_form(data)
    target = opts.to or other_form(source)
    # Across forms, the one-call functions: XML -> JSON without the model, and JSON -> XML read
    # for XML (values the schema does not type are reported, which from_json alone does not).
    if source == "xml" and target == "json":
        out = xml_to_json(
            data,
            rel=opts.rel,
            strict=opts.strict,
            report=losses,
            pretty=opts.pretty,
            limits=opts.limits,
        )
        return out, target
    if source == "json" and target == "xml":
        out = json_to_xml(
            data,
            rel=opts.rel,
            strict=opts.strict,
            report=losses,
            dialect=opts.dialect,
            pretty=opts.pretty,
            limits=opts.limits,
        )
        return out, target
    doc: Document
    if source == "xml":
        doc = from_xml(data, rel=opts.rel, strict=opts.strict, report=losses, limits=opts.limits)
    else:
        doc = from_json(data, rel=opts.rel, strict=opts.strict, report=losses, limits=opts.limits)
    if target == "json":
        out = to_json(doc, pretty=opts.pretty, strict=opts.strict, report=losses)
    else:
        out = to_xml(
            doc, dialect=opts.dialect, pretty=opts.pretty, strict=opts.strict, report=losses
        )
    return out, target


def loss_lines(label: str, losses: list[Loss]) -> list[str]:
    return [f"{label}: {loss}" for loss in losses]


@attrs.frozen
class Task:
    """One input of a document or --http conversion: a file to read, or stdin's bytes."""

    label: str
    source: str | None
    data: bytes | None = None
    failure: OSError | None = None  # reading ``source`` failed where it was read (--dask)


@attrs.frozen
class Done:
    """The outcome of one input: the output (None when it failed) and what to print."""

    out: bytes | None
    form: Form | None
    messages: tuple[str, ...]
    size: int


def read_task(task: Task) -> bytes:
    if task.failure is not None:
        raise task.failure
    if task.data is not None:
        return task.data
    assert task.source is not None
    return Path(task.source).read_bytes()


def doc_job(task: Task, opts: Options) -> Done:
    """Convert one document file."""

    def convert(data: bytes, losses: list[Loss]) -> tuple[bytes, Form | None]:
        out, form = convert_body(data, opts, losses)
        return (out if out.endswith(b"\n") else out + b"\n"), form

    return _job(task, opts, convert)


def http_job(task: Task, opts: Options) -> Done:
    """Convert the body of one HTTP message."""
    return _job(task, opts, lambda data, losses: (convert_http(data, opts, losses), None))


def _job(
    task: Task,
    opts: Options,
    convert: Callable[[bytes, list[Loss]], tuple[bytes, Form | None]],
) -> Done:
    """Read a task's input and convert it; what went wrong is a message, never an exception."""
    try:
        data = read_task(task)
    except OSError as exc:
        return Done(None, None, (os_error_line(task.label, exc),), 0)
    losses: list[Loss] = []
    try:
        out, form = convert(data, losses)
    except _BodyError as exc:
        return Done(None, None, (error_line(task.label, exc.err, exc.line_offset),), len(data))
    except UcwaFormatError as err:
        return Done(None, None, (error_line(task.label, err),), len(data))
    messages = loss_lines(task.label, losses) if opts.report else []
    return Done(out, form, tuple(messages), len(data))


@attrs.frozen
class Line:
    """The outcome of one --lines document: its output line (None when it failed)."""

    out: bytes | None
    form: Form | None
    messages: tuple[str, ...]


def line_job(item: tuple[int, bytes], opts: Options, label: str) -> Line:
    """Convert one line of a --lines stream (``item`` is its number and text)."""
    lineno, line = item
    text = line.rstrip(b"\r\n")
    body = text.lstrip(BLANK)
    if not body:
        return Line(b"", None, ())  # blank lines are skipped, not errors
    losses: list[Loss] = []
    try:
        out, form = convert_body(body, opts, losses)
    except UcwaFormatError as err:
        return Line(None, None, (error_line(label, err, lineno - 1, len(text) - len(body)),))
    if form == "xml":
        # The writer escapes CR and, without --pretty, writes no line breaks of its own: an LF
        # left in the output is text content, where &#10; reads back as the same LF.
        out = out.replace(b"\n", b"&#10;")
    messages = loss_lines(f"{label}:{lineno}", losses) if opts.report else []
    return Line(out + b"\n", form, tuple(messages))


def _map_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]


def _ignore_interrupts() -> None:
    """A worker process leaves Ctrl-C to the parent, which stops the run: a worker interrupted
    inside the pool's queues can leave the pool waiting for it forever, and prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    chunksize: int,
    executor: Executor | None = None,
) -> Iterator[R]:
    """``map(fn, items)``, in ``jobs`` processes when more than one, results in input order.

    Work goes out in chunks of ``chunksize`` items with at most two chunks per process in
    flight, so a long stream is never read into memory at once. An ``executor`` (a Dask
    cluster's, with ``jobs`` its worker threads) runs the chunks instead of new processes.
    """
    if jobs <= 1 and executor is None:
        yield from map(fn, items)
        return
    with contextlib.ExitStack() as stack:
        pool = executor or stack.enter_context(
            ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts)
        )
        pending: deque[Future[list[R]]] = deque()
        try:
            chunk: list[T] = []
            for item in items:
                chunk.append(item)
                if len(chunk) >= chunksize:
                    pending.append(pool.submit(_map_chunk, fn, chunk))
                    chunk = []
                    if len(pending) >= 2 * jobs:
                        yield from pending.popleft().result()
            if chunk:
                pending.append(pool.submit(_map_chunk, fn, chunk))
            while pending:
                yield from pending.popleft().result()
        except BaseException:
            # Interrupted (or the consumer stopped): what has not started never will; the
            # chunks being converted end on their own (workers ignore Ctrl-C).
            for future in pending:
                future.cancel()
            if executor is None:
                pool.shutdown(wait=True, cancel_futures=True)
            raise


# --------------------------------------------------------------------------------------------
# HTTP messages
# --------------------------------------------------------------------------------------------


class _BodyError(Exception):
    """A body that did not convert, with where the body starts in the message."""

    def __init__(self, err: UcwaFormatError, line_offset: int) -> None:
        super().__init__(str(err))
        self.err = err
        self.line_offset = line_offset


@attrs.define
class _Header:
    line: bytes  # as written, without its line end
    name: str  # lower case
    value: str  # stripped
    start: int  # where the value begins in ``line``
    end: int  # where it ends

    def set(self, value: str) -> None:
        """Replace the value, keeping the name and the blanks around the value as written."""
        raw = value.encode("latin-1")
        self.line = self.line[: self.start] + raw + self.line[self.end :]
        self.end = self.start + len(raw)
        self.value = value


def _header(line: bytes) -> _Header | None:
    name, colon, rest = line.partition(b":")
    if not colon or not name.strip() or line[:1] in (b" ", b"\t"):
        return None  # not a header (or an obsolete folded continuation): kept as it is
    start = len(name) + 1
    start += len(rest) - len(rest.lstrip(b" \t"))
    end = len(line) - (len(rest) - len(rest.rstrip(b" \t")))
    end = max(end, start)
    return _Header(
        line, name.strip().decode("latin-1").lower(), line[start:end].decode("latin-1"), start, end
    )


def _split_message(data: bytes) -> tuple[bytes, list[bytes], bytes, bytes | None, int]:
    """A message as (leading blank lines, head lines, line end, body or None, body's line)."""
    pos = 0
    lines: list[bytes] = []
    eol: bytes | None = None
    lineno = 0
    lead_end = 0
    while True:
        nl = data.find(b"\n", pos)
        raw = data[pos:] if nl < 0 else data[pos:nl]
        line = raw[:-1] if raw.endswith(b"\r") else raw
        lineno += 1
        if nl < 0:
            if line:
                lines.append(line)
            return data[:lead_end], lines, eol or b"\r\n", None, lineno
        if eol is None and (lines or line):
            eol = b"\r\n" if raw.endswith(b"\r") else b"\n"
        pos = nl + 1
        if not line:
            if lines:  # the blank line after the headers
                return data[:lead_end], lines, eol or b"\r\n", data[pos:], lineno + 1
            lead_end = pos  # blank lines before the start line are kept as they are
            continue
        lines.append(line)


def convert_http(data: bytes, opts: Options, losses: list[Loss]) -> bytes:
    """An HTTP message with its body converted and Content-Type/Content-Length updated.

    Messages are read as captured by a proxy or shown in the UCWA docs: LF or CRLF line ends,
    the body being everything after the blank line (Content-Length is not trusted, docs values
    are often wrong). Bodies that are not UCWA pass through unchanged.
    """
    # Imported when needed: only --http uses the batch module.
    from ._batch import (
        batch_form,
        convert_batch,
        convert_media_type,
        is_ucwa_media_type,
        split_batch,
    )

    lead, lines, eol, body, body_line = _split_message(data)
    if body is None or not lines:
        return data
    parsed = [_header(line) for line in lines[1:]]
    headers = [h for h in parsed if h is not None]

    def first(name: str) -> _Header | None:
        return next((h for h in headers if h.name == name), None)

    ctype = first("content-type")
    if ctype is None or not body.strip(BLANK):
        return data
    form = is_ucwa_media_type(ctype.value)
    batch = ctype.value.split(";", 1)[0].strip(" \t").lower() == "multipart/batching"
    if form is None and not batch:
        return data  # not UCWA: passed through unchanged
    for name in ("transfer-encoding", "content-encoding"):
        coding = first(name)
        if coding is not None and coding.value.lower() != "identity":
            raise UcwaFormatError(f"cannot convert a body with {name} {coding.value!r}")
    if batch:
        try:
            # A batch that names no form is passed through, once its envelope has been read
            # (batch_form gives None for one that does not parse: its error is reported).
            split_batch(body, ctype.value)
        except UcwaFormatError as err:
            raise UcwaFormatError(f"multipart body: {err}") from err
        source = batch_form(body, ctype.value)
        target = opts.to or (None if source is None else other_form(source))
        if target is None:
            return data
        try:
            new = convert_batch(
                body,
                ctype.value,
                to=target,
                strict=opts.strict,
                report=losses,
                dialect=opts.dialect,
                pretty=opts.pretty,
            )
        except UcwaFormatError as err:
            # Positions count in the envelope or in a part's body, never in the message: they
            # stay in the message text, after the part they belong to.
            raise UcwaFormatError(f"multipart body: {err}") from err
    else:
        assert form is not None
        target = opts.to or other_form(form)
        if target == form:
            return data
        try:
            new, _ = convert_body(body.removeprefix(BOM), attrs.evolve(opts, to=target), losses)
        except UcwaFormatError as err:
            raise _BodyError(err, body_line - 1) from err
        ctype.set(convert_media_type(ctype.value, target))
    length = first("content-length")
    if length is not None and new != body:
        length.set(str(len(new)))
    head = [
        lines[0],
        *(line if h is None else h.line for line, h in zip(lines[1:], parsed, strict=True)),
    ]
    return lead + eol.join(head) + eol + eol + new


# --------------------------------------------------------------------------------------------
# Inputs, outputs, progress
# --------------------------------------------------------------------------------------------


@attrs.frozen
class InputFile:
    """One input: its label in messages, its file (None for stdin), its place under --out-dir."""

    label: str
    path: Path | None
    rel: Path | None


def expand_inputs(names: Sequence[str], picks: frozenset[str] | None) -> tuple[list[InputFile], list[str]]:
    """The inputs named, directories walked (sorted; hidden names skipped), and walk errors.

    ``picks`` are the suffixes a walk takes; None takes every file.
    """
    inputs: list[InputFile] = []
    errors: list[str] = []

    def failed(exc: OSError) -> None:
        errors.append(os_error_line(str(exc.filename or "?"), exc))

    for name in names:
        if name == "-":
            inputs.append(InputFile(STDIN, None, None))
            continue
        path = Path(name)
        if not path.is_dir():
            inputs.append(InputFile(name, path, Path(path.name)))
            continue
        for root, dirs, files in os.walk(path, onerror=failed):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(files):
                found = Path(root, file)
                if not file.startswith(".") and (picks is None or found.suffix.lower() in picks):
                    inputs.append(InputFile(str(found), found, found.relative_to(path)))
    return inputs, errors


@functools.cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicFile:
    """A file written under a temporary name beside its destination, renamed when complete.

    Nothing half-written ever carries the destination's name (DESIGN.md): ``commit`` renames,
    ``abort`` (or any failure) removes the temporary file.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        # The directory is known before the file exists, and the name says whose it is: an
        # interrupt at any point leaves nothing remove_temporaries cannot find.
        _DIRS.add(directory)
        prefix = _prefix()
        while True:
            tmp = directory / f"{prefix}{secrets.token_hex(6)}.tmp"
            try:
                # One call makes and opens the file (O_EXCL): an interrupt leaves at most a
                # file with this process's name, never a descriptor to close by hand.
                self.file: IO[bytes] = open(tmp, "xb")  # noqa: SIM115 (closed by commit/abort)
            except FileExistsError:
                continue
            break
        self.tmp = tmp

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def commit(self, path: Path) -> None:
        try:
            self.file.close()
            # mkstemp makes the file private; an output gets the permissions of a new file.
            os.chmod(self.tmp, 0o666 & ~_umask())
            os.replace(self.tmp, path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Remove the temporary file; closing it may fail (a full disk), removing it must not."""
        try:
            self.file.close()
        except OSError:
            pass
        finally:
            self.tmp.unlink(missing_ok=True)


#: The directories this process has made temporary output files in.
_DIRS: Final[set[Path]] = set()


def _prefix() -> str:
    """The name a temporary output file of this process starts with."""
    return f".ucwaformat-{os.getpid()}-"


def remove_temporaries() -> None:
    """Remove the temporary output files this process left (an interrupted run)."""
    prefix = _prefix()
    for directory in list(_DIRS):
        with contextlib.suppress(OSError):
            for entry in os.scandir(directory):
                if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def write_atomic(path: Path, data: bytes) -> None:
    out: AtomicFile | None = None
    try:
        out = AtomicFile(path.parent)
        out.write(data)
    except BaseException:
        if out is not None:
            out.abort()
        raise
    out.commit(path)


@attrs.define
class Tally:
    """What a run did, for the summary and the exit status."""

    converted: int = 0
    failed: int = 0
    size_in: int = 0
    size_out: int = 0

    def summary(self, unit: str, seconds: float) -> str:
        return (
            f"ucwaformat: {self.converted} {unit} converted, {self.failed} failed, "
            f"{self.size_in} bytes in, {self.size_out} bytes out, {seconds:.2f} s"
        )

