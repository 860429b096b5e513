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
import itertools
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final, NamedTuple, TypeVar

import orjson

from ._api import Kind, from_json, from_xml, json_to_xml, to_json, to_xml, xml_to_json
from ._errors import DEFAULT_LIMITS, Limits, Loss, UcwaFormatError
from ._kinds import request_kind
from ._media import (
    CodingError,
    Dialect,
    Form,
    TooLargeError,
    coding,
    decode_body,
    detect_form,
    encode_body,
    handled,
    other_form,
)
from ._model import Document
from ._schema import Schema

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

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
    "doc": frozenset({".json", ".xml", ".har"}),
    "lines": frozenset({".jsonl", ".ndjson", ".xmll"}),
    "http": frozenset({".http"}),
}
LINES_BATCH: Final = 256  # lines per worker task with --lines --jobs
#: The interpreter's switch interval while this process converts beside its workers (seconds).
SWITCH_INTERVAL: Final = 0.0005
#: Whether a sequence of inputs is converted by forked workers (see _forked.py), or by a
#: process pool: on Linux, where forking is safe and cheap and a pipe read is never split.
FORK = sys.platform == "linux"


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def error_line(
    label: str, err: UcwaFormatError, line_offset: int = 0, column_offset: int = 0
) -> str:
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


#: One ``--schema FILE``: its name (for messages) and its bytes, read where the command runs
#: (workers on a cluster need not see the file).
Overlay = tuple[str, bytes]


# What crosses to the workers and back (options, tasks, outcomes) and the inputs of a walk are
# named tuples: made and pickled by the thousand, by their fields as they are, and defined at
# each start of the command for a third of what attrs classes cost (_jobs: 5.4 ms -> 1.8 ms).


class Options(NamedTuple):
    """What a conversion needs to know; sent to the worker processes."""

    to: Form | None
    pretty: bool
    dialect: Dialect
    rel: str | None
    strict: bool
    report: bool
    schema: tuple[Overlay, ...] = ()
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
        values = {name: getattr(args, name) for name in cls._fields}
        return cls(**{**values, "schema": tuple(values["schema"])})

    @property
    def schema_obj(self) -> Schema | None:
        """The bundled schema with the ``--schema`` overlays over it, in order (None: bundled)."""
        return overlaid(self.schema)


@functools.lru_cache(maxsize=8)
def overlaid(overlays: tuple[Overlay, ...]) -> Schema | None:
    """The bundled schema with ``overlays`` applied in order; None when there are none.

    Built once per process for a set of overlays (every job of a run shares it)."""
    if not overlays:
        return None
    schema = Schema.bundled()
    for name, data in overlays:
        try:
            mapping = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise UcwaFormatError(f"{name}: {exc.msg}", line=exc.lineno, column=exc.colno) from None
        try:
            schema = schema.with_overlay(mapping)
        except UcwaFormatError as exc:
            raise UcwaFormatError(f"{name}: {exc.msg}", path=exc.path) from None
    return schema


def read_overlay(name: str) -> Overlay:
    """A ``--schema FILE`` argument: the file read and checked (argparse turns a failure into a
    usage error, exit 2)."""
    try:
        overlay = (name, Path(name).read_bytes())
        overlaid((overlay,))
    except OSError as exc:
        raise argparse.ArgumentTypeError(os_error_line(name, exc)) from None
    except UcwaFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return overlay


def convert_body(
    data: bytes, opts: Options, losses: list[Loss] | None, kind: Kind | None = None
) -> tuple[bytes, Form]:
    """One document to the target form; the output and its form (``kind``: the kind to read a
    JSON document as, instead of detecting it; ``losses``: None when nobody reads them, which
    spares the converters finding and spelling them)."""
    source = detect_form(data)
    target = opts.to or other_form(source)
    schema = opts.schema_obj
    # Across forms, the one-call functions: XML -> JSON without the model, and JSON -> XML read
    # for XML (values the schema does not type are reported, which from_json alone does not).
    if source == "xml" and target == "json":
        out = xml_to_json(
            data,
            rel=opts.rel,
            strict=opts.strict,
            report=losses,
            pretty=opts.pretty,
            schema=schema,
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
            schema=schema,
            kind=kind,
            limits=opts.limits,
        )
        return out, target
    doc: Document
    if source == "xml":
        doc = from_xml(
            data, rel=opts.rel, strict=opts.strict, report=losses, schema=schema, limits=opts.limits
        )
    else:
        doc = from_json(
            data,
            rel=opts.rel,
            strict=opts.strict,
            report=losses,
            schema=schema,
            kind=kind,
            limits=opts.limits,
        )
    if target == "json":
        out = to_json(doc, pretty=opts.pretty, strict=opts.strict, report=losses)
    else:
        out = to_xml(
            doc, dialect=opts.dialect, pretty=opts.pretty, strict=opts.strict, report=losses
        )
    return out, target


def loss_lines(label: str, losses: list[Loss]) -> list[str]:
    return [f"{label}: {loss}" for loss in losses]


class Task(NamedTuple):
    """One input of a document or --http conversion: a file to read, or stdin's bytes."""

    label: str
    source: str | None
    data: bytes | None = None
    failure: OSError | None = None  # reading ``source`` failed where it was read (--dask)
    #: The output's path as the input is named (:func:`output_path` gives it its form's
    #: extension): the job writes its output itself. None: the output goes back to the caller.
    dest: str | None = None
    #: A file of at least this size is not converted but left to the caller, to stream (None:
    #: any size is converted). Told by the open file, in the job: the command asks nothing of
    #: the inputs before the first conversion starts.
    stream_above: int | None = None


#: Done.written of a file left to the caller to stream (Task.stream_above).
TO_STREAM: Final = -2


class Done(NamedTuple):
    """The outcome of one input: the output (None when it failed, or when the job wrote it
    itself: then ``written`` is its size; :data:`TO_STREAM` when it is left to the caller) and
    what to print."""

    out: bytes | None
    form: Form | None
    messages: tuple[str, ...]
    size: int
    written: int = -1

    @property
    def ok(self) -> bool:
        return self.out is not None or self.written >= 0


class _Large(Exception):
    """A file of at least its task's ``stream_above`` bytes (its size)."""


def read_task(task: Task) -> bytes:
    if task.failure is not None:
        raise task.failure
    if task.data is not None:
        return task.data
    assert task.source is not None
    with open(task.source, "rb") as file:
        if task.stream_above is not None:
            size = os.fstat(file.fileno()).st_size
            if size >= task.stream_above:
                raise _Large(size)
        return file.read()


def is_har(name: str) -> bool:
    """Whether an input is an HTTP Archive (by its name: ``.har``)."""
    return name.lower().endswith(".har")


def doc_job(task: Task, opts: Options) -> Done:
    """Convert one document file (or the UCWA bodies of one HAR file)."""

    def convert(data: bytes, losses: list[Loss] | None) -> tuple[bytes, Form | None]:
        if is_har(task.label):
            return convert_har_file(data, opts, losses), None
        out, form = convert_body(data, opts, losses)
        return (out if out.endswith(b"\n") else out + b"\n"), form

    return _job(task, opts, convert)


def http_job(task: Task, opts: Options) -> Done:
    """Convert the body of one HTTP message."""
    return _job(task, opts, lambda data, losses: (convert_http(data, opts, losses), None))


def _job(
    task: Task,
    opts: Options,
    convert: Callable[[bytes, list[Loss] | None], tuple[bytes, Form | None]],
) -> Done:
    """Read a task's input and convert it; what went wrong is a message, never an exception."""
    try:
        data = read_task(task)
    except OSError as exc:
        return Done(None, None, (os_error_line(task.label, exc),), 0)
    except _Large as large:
        return Done(None, None, (), large.args[0], TO_STREAM)
    losses: list[Loss] | None = [] if opts.report else None
    try:
        out, form = convert(data, losses)
    except _BodyError as exc:
        return Done(None, None, (error_line(task.label, exc.err, exc.line_offset),), len(data))
    except UcwaFormatError as err:
        return Done(None, None, (error_line(task.label, err),), len(data))
    messages = [] if losses is None else loss_lines(task.label, losses)
    if task.dest is None:
        return Done(out, form, tuple(messages), len(data))
    path = output_path(task.dest, form, EXT)
    try:
        write_atomic(path, out)
    except OSError as exc:
        return Done(None, None, (*messages, os_error_line(path, exc)), len(data))
    return Done(None, form, tuple(messages), len(data), len(out))


class Line(NamedTuple):
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
    losses: list[Loss] | None = [] if opts.report else None
    try:
        out, form = convert_body(body, opts, losses)
    except UcwaFormatError as err:
        return Line(None, None, (error_line(label, err, lineno - 1, len(text) - len(body)),))
    if form == "xml":
        # The writer escapes CR and, without --pretty, writes no line breaks of its own: an LF
        # left in the output is text content, where &#10; reads back as the same LF.
        out = out.replace(b"\n", b"&#10;")
    messages = [] if losses is None else loss_lines(f"{label}:{lineno}", losses)
    return Line(out + b"\n", form, tuple(messages))


def _map_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]


def _ignore_interrupts() -> None:
    """A worker process leaves Ctrl-C to the parent, which stops the run: a worker interrupted
    inside the pool's queues can leave the pool waiting for it forever, and prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _take_back(
    pending: deque[tuple[Future[list[R]], list[T]] | list[R]], fn: Callable[[T], R]
) -> bool:
    """Convert here the last chunk of ``pending`` the pool has not handed to a worker yet
    (cancelled there, its results in its place); False when there is none."""
    for i in range(len(pending) - 1, -1, -1):
        entry = pending[i]
        if not isinstance(entry, list) and entry[0].cancel():
            pending[i] = _map_chunk(fn, entry[1])
            return True
    return False


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    chunksize: int,
    executor: Executor | None = None,
) -> Iterator[R]:
    """``map(fn, items)`` in ``jobs`` processes when more than one, results in input order.

    This process is one of them: it starts ``jobs - 1`` workers and, whenever the next result
    it must hand on is not ready, converts a chunk itself instead of waiting (a parent that only
    waited would still take its share of the cores for the pipes, while the workers pay a fork,
    a schema to load and the pickling of all they convert): the next one, or at the end one the
    pool has not handed to a worker yet. Work goes out in chunks of ``chunksize`` items, up to
    four per worker (one converting, the others queued: a worker never waits for this process
    to send the next) and ``4 * jobs`` in all, so a long stream is never read into memory at
    once. An ``executor`` (a Dask cluster's, with ``jobs`` its worker threads) runs every chunk
    instead, two per thread in flight; this process waits. A sequence of items (the files of a
    run, not the lines of a stream) goes to forked workers instead of the pool where
    :data:`FORK` says so (:func:`ucwaformat._forked.forked_map`: the same order and guarantees).
    """
    if jobs <= 1 and executor is None:
        yield from map(fn, items)
        return
    if executor is None and FORK and isinstance(items, Sequence):
        from ._forked import forked_map  # only here: a run without --jobs need not load it

        yield from forked_map(fn, items, jobs, chunksize)
        return
    # Imported here: the process pool brings multiprocessing, logging, socket... which a run
    # without --jobs need not pay for at start-up.
    from concurrent.futures import ProcessPoolExecutor

    here = executor is None  # whether this process converts chunks too
    workers = jobs - 1 if here else jobs
    chunks = _chunks(items, chunksize)
    # In input order: chunks sent to the pool (with the chunk), and chunks converted here
    # (their results). The first is converted before the workers start: forked, they have what
    # it loaded (the schema, the converters' caches) and need not load it again.
    pending: deque[tuple[Future[list[R]], list[T]] | list[R]] = deque()
    if here:
        first = next(chunks, None)
        if first is None:
            return
        pending.append(_map_chunk(fn, first))
    with contextlib.ExitStack() as stack:
        if here:
            # The pool's threads hand each chunk to a worker and take its result back; while
            # this process converts, each waits for the interpreter lock up to the switch
            # interval (5 ms by default: about what a worker takes for a chunk of small files,
            # so workers sat idle between chunks). Shortened for the run.
            stack.callback(sys.setswitchinterval, sys.getswitchinterval())
            sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        pool = executor or stack.enter_context(
            ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
        )
        sent = 0  # chunks sent, in ``pending``
        depth = 4 * workers if here else 2 * jobs  # chunks sent and not handed on, at most
        limit = 4 * jobs  # chunks in ``pending``, at most
        try:
            while True:
                while (
                    sent < depth
                    and len(pending) < limit
                    and (chunk := next(chunks, None)) is not None
                ):
                    pending.append((pool.submit(_map_chunk, fn, chunk), chunk))
                    sent += 1
                if not pending:
                    return
                head = pending[0]
                if isinstance(head, list):
                    pending.popleft()
                    yield from head
                    continue
                if here and not head[0].done():
                    # Rather than wait: the next chunk, or one the pool has not handed to a
                    # worker yet (the last first): no worker is left with a queue to finish
                    # while this process waits.
                    chunk = next(chunks, None) if len(pending) < limit else None
                    if chunk is not None:
                        pending.append(_map_chunk(fn, chunk))
                        continue
                    if _take_back(pending, fn):
                        sent -= 1
                        continue
                pending.popleft()
                sent -= 1
                yield from head[0].result()
        except BaseException:
            # Interrupted (or the consumer stopped): what has not started never will; the
            # chunks being converted end on their own (workers ignore Ctrl-C).
            for entry in pending:
                if not isinstance(entry, list):
                    entry[0].cancel()
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


class _Header:
    __slots__ = ("end", "line", "name", "start", "value")

    def __init__(self, line: bytes, name: str, value: str, start: int, end: int) -> None:
        self.line = line  # as written, without its line end
        self.name = name  # lower case
        self.value = value  # stripped
        self.start = start  # where the value begins in ``line``
        self.end = end  # where it ends

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


def convert_har_file(data: bytes, opts: Options, losses: list[Loss] | None) -> bytes:
    """A HAR file with each UCWA body converted (to ``opts.to`` or the other form), batches part
    by part; a body that does not convert fails the file (``$.log.entries[N]…: message``)."""
    from ._batch import batch_form, convert_batch
    from ._har import convert_har
    from ._media import convert_media_type, media_kind

    def one(body: bytes, mime: str, where: str) -> tuple[bytes, str] | None:
        kind = media_kind(mime)
        found: list[Loss] | None = None if losses is None else []
        try:
            if kind == "batch":
                source = batch_form(body, mime)
                target = opts.to or (None if source is None else other_form(source))
                if target is None:
                    return None
                new = convert_batch(
                    body,
                    mime,
                    to=target,
                    strict=opts.strict,
                    report=found,
                    dialect=opts.dialect,
                    pretty=opts.pretty,
                    schema=opts.schema_obj,
                    limits=opts.limits,
                )
                done = new, mime
            else:
                assert kind is not None
                target = opts.to or other_form(kind)
                if target == kind:
                    return None
                request = kind == "json" and ".request." in where
                new, _ = convert_body(
                    body.removeprefix(BOM),
                    opts._replace(to=target),
                    found,
                    request_kind(body) if request else None,
                )
                done = new, convert_media_type(mime, target)
        except UcwaFormatError as err:
            raise UcwaFormatError(f"{where}: {err}") from err
        if losses is not None and found:
            losses.extend(Loss(loss.kind, f"{where}: {loss.path}", loss.message) for loss in found)
        return done

    return convert_har(data, one)


#: The most bytes a captured message's body may decode to (a guard against compression bombs).
MAX_DECODED: Final = 1 << 30


def _dechunk(body: bytes, line: int) -> bytes:
    """A ``Transfer-Encoding: chunked`` body (RFC 9112 §7.1) joined; CRLF or LF line ends,
    extensions and trailers dropped. ``line`` is where the body starts in the message."""
    out: list[bytes] = []
    pos = 0
    while True:
        nl = body.find(b"\n", pos)
        if nl < 0:
            where = line + body.count(b"\n", 0, pos)
            raise UcwaFormatError("chunked body: no last chunk (0)", line=where, column=1)
        size_line = body[pos:nl].rstrip(b"\r").split(b";", 1)[0].strip(b" \t")
        try:
            size = int(size_line, 16)
        except ValueError:
            size = -1
        if size < 0 or not size_line.isalnum():
            where = line + body.count(b"\n", 0, pos)
            shown = size_line[:20].decode("latin-1")
            raise UcwaFormatError(f"chunked body: bad chunk size {shown!r}", line=where, column=1)
        pos = nl + 1
        if size == 0:
            return b"".join(out)  # trailers, if any, are not kept
        chunk = body[pos : pos + size]
        if len(chunk) < size:
            where = line + body.count(b"\n", 0, pos)
            raise UcwaFormatError("chunked body: a chunk ends early", line=where, column=1)
        out.append(chunk)
        pos += size
        if body[pos : pos + 2] == b"\r\n":
            pos += 2
        elif body[pos : pos + 1] == b"\n":
            pos += 1
        else:
            where = line + body.count(b"\n", 0, pos)
            raise UcwaFormatError("chunked body: no line end after a chunk", line=where, column=1)


def _codings(value: str) -> list[str]:
    return [item.strip(" \t").lower() for item in value.split(",") if item.strip(" \t")]


def _decoded(
    first: Callable[[str], _Header | None], body: bytes, body_line: int
) -> tuple[bytes, bool, str]:
    """A captured message's body without its transfer coding (chunked) and content coding
    (gzip, deflate): (the body, whether it was chunked, the content coding to encode it in
    again). Codings the command cannot undo are an error."""
    chunked = False
    transfer = first("transfer-encoding")
    if transfer is not None:
        names = [n for n in _codings(transfer.value) if n != "identity"]
        if names and names != ["chunked"]:
            raise UcwaFormatError(
                f"cannot convert a body with transfer-encoding {transfer.value!r}"
            )
        if names:
            body, chunked = _dechunk(body, body_line), True
    content = first("content-encoding")
    name = coding(None if content is None else content.value)
    if not handled(name):
        raise UcwaFormatError(f"cannot convert a body with content-encoding {name!r}")
    try:
        body = decode_body(body, name, MAX_DECODED)
    except CodingError as exc:
        raise UcwaFormatError(str(exc)) from None
    except TooLargeError:
        raise UcwaFormatError(f"the body is larger than {MAX_DECODED} bytes once decoded") from None
    return body, chunked, name


def message_body(data: bytes) -> tuple[str, bytes] | None:
    """An HTTP message's Content-Type and body (decoded from chunked, gzip or deflate), when it
    has both (read as :func:`convert_http` reads it); for ``ucwaformat learn``."""
    _lead, lines, _eol, body, body_line = _split_message(data)
    if body is None or not lines:
        return None
    headers = [h for h in map(_header, lines[1:]) if h is not None]

    def first(name: str) -> _Header | None:
        return next((h for h in headers if h.name == name), None)

    ctype = first("content-type")
    if ctype is None:
        return None
    return ctype.value, _decoded(first, body, body_line)[0]


def convert_http(data: bytes, opts: Options, losses: list[Loss] | None) -> bytes:
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
    original = body
    body, chunked, content_coding = _decoded(first, body, body_line)
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
                schema=opts.schema_obj,
                limits=opts.limits,
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
        # A request's JSON body keeps the input kind its XML said (request_kind).
        kind = request_kind(body) if form == "json" and not lines[0].startswith(b"HTTP/") else None
        try:
            new, _ = convert_body(body.removeprefix(BOM), opts._replace(to=target), losses, kind)
        except UcwaFormatError as err:
            if chunked or content_coding:
                # Positions count in the decoded body, which the message does not show.
                raise UcwaFormatError(f"decoded body: {err}") from err
            raise _BodyError(err, body_line - 1) from err
        ctype.set(convert_media_type(ctype.value, target))
    # The body goes out whole (no longer chunked: a Content-Length instead of the
    # Transfer-Encoding), in the content coding it came in.
    new = encode_body(new, content_coding)
    length = first("content-length")
    if length is not None and new != original:
        length.set(str(len(new)))
    head = [lines[0]]
    for line, h in zip(lines[1:], parsed, strict=True):
        if chunked and h is not None and h.name == "transfer-encoding":
            if length is None:
                head.append(b"Content-Length: " + str(len(new)).encode())
            continue
        head.append(line if h is None else h.line)
    return lead + eol.join(head) + eol + eol + new


# --------------------------------------------------------------------------------------------
# Inputs, outputs, progress
# --------------------------------------------------------------------------------------------


class InputFile(NamedTuple):
    """One input: its label in messages, its file (None for stdin), its place under --out-dir
    (as text: a walk of thousands of files makes no Path objects; ``path`` and ``rel`` give
    them when asked)."""

    label: str
    file: str | None
    relname: str | None

    @property
    def path(self) -> Path | None:
        return None if self.file is None else Path(self.file)

    @property
    def rel(self) -> Path | None:
        return None if self.relname is None else Path(self.relname)


def _suffix(name: str) -> str:
    """A file name's suffix, as :attr:`Path.suffix` gives it."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def expand_inputs(
    names: Sequence[str], picks: frozenset[str] | None
) -> tuple[list[InputFile], list[str]]:
    """The inputs named, directories walked (sorted; hidden names skipped), and walk errors.

    ``picks`` are the suffixes a walk takes; None takes every file. Files found in a directory
    are named as pathlib names them: ``DIR/sub/file`` (``sub/file`` for ``.``).
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
            inputs.append(InputFile(name, str(path), path.name))
            continue
        top = str(path)  # as pathlib spells it: no trailing separator, no ./ parts
        # What a file's name starts with (none for "."), and its place under --out-dir after it.
        lead = "" if top == "." else top if top.endswith(os.sep) else top + os.sep
        for root, dirs, files in os.walk(top, onerror=failed):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            if top == ".":
                here = "" if root == "." else root[2:] + os.sep  # ./sub/file is sub/file
            else:
                here = root if root.endswith(os.sep) else root + os.sep
            for file in sorted(files):
                if not file.startswith(".") and (picks is None or _suffix(file).lower() in picks):
                    found = here + file
                    inputs.append(InputFile(found, found, found[len(lead) :]))
    return inputs, errors


def output_stem(base: str) -> str:
    """``base`` without its suffix, as :meth:`Path.with_suffix` sees it: a name's suffix starts
    at its last dot, unless that dot starts or ends the name."""
    cut = max(base.rfind("/"), base.rfind(os.sep)) + 1
    dot = base.rfind(".", cut)
    return base[:dot] if cut < dot < len(base) - 1 else base


def output_path(base: str, form: Form | None, extensions: Mapping[str, str]) -> str:
    """The output file of an input whose output, named as the input, would be ``base``: in
    ``form``, with the form's extension instead of the input's; None keeps the name (a HAR
    file, an HTTP message). Two inputs of different :func:`output_stem` never share one."""
    return base if form is None else output_stem(base) + extensions[form]


#: The directories this process has made temporary output files in.
_DIRS: Final[set[str]] = set()
#: Temporary output names: this process's prefix (see _prefix) and a counter.
_SERIAL: Final = itertools.count()
_PREFIX: list[str] = []


def _prefix() -> str:
    """The name a temporary output file of this process starts with."""
    if not _PREFIX:
        _PREFIX.append(f".ucwaformat-{os.getpid()}-")
    return _PREFIX[0]


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere workers are new processes anyway
    os.register_at_fork(after_in_child=_PREFIX.clear)  # a worker process names its own

_CREATE: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _create(directory: str) -> tuple[int, str]:
    """A new temporary output file in ``directory`` (made when missing): its descriptor and path.

    The directory is recorded before the file exists, and the name says whose it is: an
    interrupt at any point leaves nothing :func:`remove_temporaries` cannot find. One call makes
    and opens the file (O_EXCL), with the permissions of any new file (0o666 less the umask).
    """
    _DIRS.add(directory)
    prefix = f"{directory}/{_prefix()}"
    made = False
    while True:
        tmp = f"{prefix}{next(_SERIAL)}.tmp"
        try:
            return os.open(tmp, _CREATE, 0o666), tmp
        except FileExistsError:
            continue  # left by an earlier process of the same id
        except FileNotFoundError:
            if made:
                raise
            # Made at the first output into it, not checked for every output.
            os.makedirs(directory, exist_ok=True)
            made = True


class AtomicFile:
    """A file written under a temporary name beside its destination, renamed when complete.

    Nothing half-written ever carries the destination's name (DESIGN.md): ``commit`` renames,
    ``abort`` (or any failure) removes the temporary file.
    """

    def __init__(self, directory: Path | str) -> None:
        fd, self.tmp = _create(os.fspath(directory))
        try:
            self.file: IO[bytes] = open(fd, "wb")  # noqa: SIM115 (closed by commit/abort)
        except BaseException:
            os.close(fd)
            os.unlink(self.tmp)
            raise

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def commit(self, path: Path | str) -> None:
        try:
            self.file.close()
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
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)


def remove_temporaries() -> None:
    """Remove the temporary output files this process left (an interrupted run)."""
    prefix = _prefix()
    for directory in list(_DIRS):
        with contextlib.suppress(OSError):
            for entry in os.scandir(directory):
                if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write ``path`` whole or not at all: into a temporary file beside it, then renamed.

    As few system calls as that takes (an output per small file costs more in them than in its
    conversion): open, write, close, rename; the directory is made only when it is missing.
    """
    path = os.fspath(path)
    fd, tmp = _create(os.path.dirname(path) or ".")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Tally:
    """What a run did, for the summary and the exit status."""

    def __init__(
        self, converted: int = 0, failed: int = 0, size_in: int = 0, size_out: int = 0
    ) -> None:
        self.converted = converted
        self.failed = failed
        self.size_in = size_in
        self.size_out = size_out

    def _values(self) -> tuple[int, int, int, int]:
        return self.converted, self.failed, self.size_in, self.size_out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tally) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return "Tally(converted={}, failed={}, size_in={}, size_out={})".format(*self._values())

    def summary(self, unit: str, seconds: float) -> str:
        return (
            f"ucwaformat: {self.converted} {unit} converted, {self.failed} failed, "
            f"{self.size_in} bytes in, {self.size_out} bytes out, {seconds:.2f} s"
        )
