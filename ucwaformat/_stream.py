"""Streaming conversion of large documents: memory stays flat as the document grows.

A resource embedding very many resources (a contact list, a search result) or an event page is
converted item by item: each embedded resource of the root (each ``sender`` of an event page) is
read and written by the tree reader and writer of ``_xml``/``_json``/``_events`` as soon as its
end is read, then dropped. The converted items go to a *spool* (held in memory up to 4 MiB, then
a temporary file); the root's own properties and links, which are small, are written around them
at the end. So:

- the output equals the tree path's byte for byte (``xml_to_json``/``json_to_xml`` with the same
  options) and so do the reported losses, in another order; bad input raises the tree path's
  ``UcwaFormatError`` (on an error the input is read again whole, as the tree path reads it:
  with several errors, the items read first could show another);
- ``dst`` receives nothing until the whole input has been read and converted: an error leaves it
  untouched, as the tree path would;
- documents of other kinds (``<input>``, DTOs, a UTF-16 document) are converted by the tree path,
  whole.

XML is read with lxml's ``iterparse``, hardened as ``parse_xml_bytes`` is: no DTD, no entities, no
network, no huge trees, and the bytes are scanned for NUL and ``<!DOCTYPE`` before the parser sees
them. JSON has no streaming parser in the standard library: with ``ijson`` installed (the
``stream`` extra) the JSON is read item by item too; without it the JSON is loaded whole (the
output is still written item by item).

A few documents need a second pass: an XML root whose ``<property name="rel">`` comes after its
embedded resources (the type decides how they are read), or a JSON root whose ``rel`` comes after
``_embedded``, or JSON that ``ijson`` cannot read exactly (integers beyond 64 bits, lone
surrogates, duplicate keys, syntax errors: the second pass gives orjson's message and position).
The input is then read again from its start: a seekable source is sought back, any other is kept
in a temporary file as it is read.
"""

from __future__ import annotations

import gc
import importlib
import json
import pickle
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any, BinaryIO, Final

import attrs
import orjson
from lxml import etree

from . import _events, _json, _xml
from ._api import Kind, _check_unknown, _limits, _schema, json_to_xml, xml_to_json
from ._dto import dto_kind_of_json
from ._errors import Limits, Loss, LossSink, Recorder, UcwaFormatError, member_path
from ._jsondates import DateEscaper, fragment_written, plain_written
from ._kinds import read_json_object, report_kind, write_xml_into, xml_json
from ._media import Dialect
from ._model import Resource, Sender
from ._schema import Schema
from ._sinks import JsonSink
from ._xml import NS, UnknownPolicy
from ._xmlsink import XmlSink

__all__ = ["ijson_available", "stream_json_to_xml", "stream_xml_to_json"]

#: How much of the spool (the converted items) stays in memory before it moves to a file.
SPOOL_MEMORY: Final = 1 << 22
_CHUNK: Final = 1 << 16
_COPY: Final = 1 << 20
#: Consecutive items of one role are written to the spool together (one orjson call, one
#: write): those that end within this many bytes of input, and at most this many of them.
_BATCH_BYTES: Final = 1 << 18
_BATCH_ITEMS: Final = 1024

_RESOURCE_TAGS: Final = frozenset((f"{{{NS}}}resource", "resource"))
_EVENTS_TAGS: Final = frozenset((f"{{{NS}}}events", "events"))
_SENDER_TAGS: Final = frozenset((f"{{{NS}}}sender", "sender"))
_PROPERTY_TAGS: Final = frozenset((f"{{{NS}}}property", "property"))
_STREAM_TAGS: Final = (*_RESOURCE_TAGS, *_EVENTS_TAGS, *_SENDER_TAGS)

_BOMS: Final = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xfe\xff", b"\xff\xfe")
_DOCTYPE: Final = b"<!DOCTYPE"
#: What ijson reads otherwise than the tree reader (orjson): a ``\\uD800``-``\\uDFFF`` escape
#: (ijson reads a lone one as "?") and the control characters JSON allows nowhere, neither
#: between tokens nor in strings (yajl takes a form feed or a vertical tab for a blank). Either
#: asks for the exact reading, whose verdict and position are the tree reader's.
_INEXACT_JSON: Final = re.compile(rb"\\u[dD][89a-fA-F]|[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: A quote escaped inside a string: after an odd number of backslashes.
_ESCAPED_QUOTE: Final = re.compile(rb'(?<!\\)(?:\\\\)*\\"')


def ijson_available() -> bool:
    """Whether JSON input is read incrementally (``ijson`` is installed)."""
    return _ijson() is not None


def _ijson() -> Any:
    # ijson is optional (the ``stream`` extra) and has no type information.
    try:
        return importlib.import_module("ijson")
    except ImportError:
        return None


class _Restart(Exception):
    """Read the input again from its start, knowing what the first pass learned."""

    def __init__(self, forced: tuple[bool, str | None] | None = None) -> None:
        super().__init__("restart")
        self.forced = forced


# -- the input --------------------------------------------------------------------------------


class _Input:
    """The source as the parsers read it: checked as it goes, and readable again from its start.

    For XML (``scan_xml``) every chunk is searched for NUL and ``<!DOCTYPE`` before the parser
    sees it, with the line and column ``parse_xml_bytes`` would give. For ijson
    (``scan_json``) a surrogate escape or a control character asks for the exact (orjson) reading instead.
    """

    def __init__(self, src: IO[bytes]) -> None:
        self.src = src
        try:
            seekable = src.seekable()
        except (AttributeError, OSError, ValueError):
            seekable = False
        self.start: int | None = src.tell() if seekable else None
        self.tee: IO[bytes] | None = None if seekable else _spool_file()
        self.pending = b""
        self.scan_xml = False
        self.scan_json = False
        #: (XML) an ``xmlns:`` and a ``:nil`` in what was read so far: the document may hold
        #: ``xsi:nil`` (``_xml.scan_flags``, read as it comes); until then the reader skips
        #: looking for it.
        self.xmlns = False
        self.colon_nil = False
        self._reset()

    #: (JSON) the quotes that open or close a string, so far: an odd count at the end is a
    #: string left open, which yajl takes for the end of the input after a whole document
    #: (``{"a":1}"x``), where the tree path's parser sees content after the document.
    quotes = 0
    #: (JSON) the backslashes that end what was read so far (a run cut between two chunks).
    backslashes = b""

    def _reset(self) -> None:
        self.quotes = 0
        self.backslashes = b""
        self.offset = 0  # bytes handed out before the current chunk
        self.lines = 0  # newlines before ``offset``
        self.line_start = 0  # the offset just after the last of them
        self.prev = b""  # the last bytes handed out, for a match across two chunks

    def _raw(self, n: int) -> bytes:
        data = self.src.read(n) or b""
        if self.tee is not None and data:
            self.tee.write(data)
        return bytes(data)

    def peek(self, n: int) -> bytes:
        """The first ``n`` bytes (fewer at the end), read again by the next ``read``."""
        while len(self.pending) < n:
            more = self._raw(n - len(self.pending))
            if not more:
                break
            self.pending += more
        return self.pending[:n]

    def read(self, n: int | None = -1) -> bytes:
        if n == 0:
            return b""  # ijson asks for nothing to learn whether the file gives bytes
        if n is None or n < 0:
            n = _CHUNK
        if self.pending:
            data, self.pending = self.pending[:n], self.pending[n:]
        else:
            data = self._raw(n)
        if self.scan_xml:
            self._scan_xml(data)
        if self.scan_json:
            if _INEXACT_JSON.search(self.prev + data):
                raise _Restart
            self.prev = data[-5:]
            self._count_quotes(data)
        return data

    def _count_quotes(self, data: bytes) -> None:
        quotes = data.count(b'"')
        if quotes:
            window = self.backslashes + data
            escaped = len(_ESCAPED_QUOTE.findall(window)) if b'\\"' in window else 0
            self.quotes += quotes - escaped
        run = len(data) - len(data.rstrip(b"\\"))
        self.backslashes = self.backslashes + data if run == len(data) else data[len(data) - run :]

    def read_all(self) -> bytes:
        parts = [self.pending]
        self.pending = b""
        while chunk := self._raw(_COPY):
            parts.append(chunk)
        return b"".join(parts)

    def _scan_xml(self, data: bytes) -> None:
        nul = data.find(b"\x00")
        if nul >= 0:
            line, column = self._position(self.offset + nul, data)
            raise UcwaFormatError("NUL byte: XML 1.0 cannot hold U+0000", line=line, column=column)
        window = self.prev + data
        # (A "!" first: one byte is looked for many times faster than a word, and UCWA XML
        # seldom has one. rfind: CPython searches backwards about twice as fast for these.)
        found = window.find(_DOCTYPE) if b"!" in window else -1
        if found >= 0:
            line, column = self._position(self.offset - len(self.prev) + found, data)
            raise UcwaFormatError("DOCTYPE is not allowed in UCWA XML", line=line, column=column)
        if not self.colon_nil or not self.xmlns:
            self.xmlns = self.xmlns or window.rfind(b"xmlns:") >= 0
            self.colon_nil = self.colon_nil or window.rfind(b":nil") >= 0
        last = data.rfind(b"\n")
        if last >= 0:  # (a server's compact XML has none: no count)
            self.lines += data.count(b"\n")
            self.line_start = self.offset + last + 1
        self.offset += len(data)
        self.prev = window[-(len(_DOCTYPE) - 1) :]

    def _position(self, at: int, data: bytes) -> tuple[int, int]:
        # Byte columns, as parse_xml_bytes counts them. A match that began in the previous
        # chunk holds no newline, so the line is the current one.
        k = at - self.offset
        if k <= 0:
            return self.lines + 1, at - self.line_start + 1
        newlines = data.count(b"\n", 0, k)
        start = self.offset + data.rfind(b"\n", 0, k) + 1 if newlines else self.line_start
        return self.lines + newlines + 1, at - start + 1

    @property
    def nil(self) -> bool:
        return self.xmlns and self.colon_nil

    def rewind(self) -> None:
        """Start again from the beginning of the source."""
        self.pending = b""
        self._reset()
        if self.start is not None:
            self.src.seek(self.start)
            return
        tee = self.tee
        assert tee is not None
        while chunk := self.src.read(_COPY):
            tee.write(chunk)
        tee.seek(0)
        self.src, self.start, self.tee = tee, 0, None


def _spool_file() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)


#: How many losses a sink's report holds in memory before they move to a temporary file.
LOSS_MEMORY: Final = 4096


class _Losses:
    """The losses of one pass, given to the caller's report when the conversion succeeds.

    The recorder appends to ``recent``, a list (the readers take back the losses of a pass they
    read again). A list report receives them all at the end, as the tree path gives them; any
    other report (a :class:`LossSink`: the command prints each as it comes) gets them at the
    end too, but they wait in a temporary file, a batch at a time (``settle``, between items),
    so that memory stays flat however many there are. A pass that is read again, or that
    fails, gives its report nothing.
    """

    def __init__(self, report: list[Loss] | LossSink | None) -> None:
        self.report = report
        self.recent: list[Loss] | None = None if report is None else []
        self.spill = report is not None and not isinstance(report, list)
        self.file: IO[bytes] | None = None

    def settle(self) -> None:
        """Between items: a full batch moves to the file (only for a sink)."""
        recent = self.recent
        if self.spill and recent is not None and len(recent) >= LOSS_MEMORY:
            if self.file is None:
                self.file = _spool_file()
            batch = [(loss.kind, loss.path, loss.message) for loss in recent]
            pickle.dump(batch, self.file, pickle.HIGHEST_PROTOCOL)
            recent.clear()

    def deliver(self) -> None:
        """Give every loss, in the order they were recorded, to the report."""
        report, recent = self.report, self.recent
        if report is None or recent is None:
            return
        if isinstance(report, list):
            report.extend(recent)
            recent.clear()
            return
        file = self.file
        if file is not None:
            file.seek(0)
            while True:
                try:
                    batch = pickle.load(file)  # (our own file, written by settle)
                except EOFError:
                    break
                for kind, path, message in batch:
                    report.append(Loss(kind, path, message))
        for loss in recent:
            report.append(loss)
        recent.clear()
        self.close()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


# -- the spool and the output -----------------------------------------------------------------


class _Group:
    """The items of one role (or the senders) in the spool: runs of consecutive items."""

    __slots__ = ("count", "path", "pending", "runs")

    def __init__(self) -> None:
        self.count = 0
        self.path: str | None = None  # (XML → JSON) the role's $.path, once its first item ends
        self.runs: list[list[int]] = []  # [start, end] of items written one after the other
        self.pending: list[Loss] | None = None  # the first item's losses, path not yet settled


class _Spool:
    """Converted items, grouped by role; memory holds two integers per run of one role."""

    def __init__(self, sep: bytes) -> None:
        self.file = _spool_file()
        self.size = 0
        self.sep = sep
        self.groups: dict[str, _Group] = {}
        self.last: _Group | None = None

    def group(self, key: str) -> _Group:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group()
        return group

    def add(self, group: _Group, data: bytes) -> None:
        """``data``: items of ``group``, with the separators between them (the caller counts
        them in ``group.count``)."""
        file = self.file
        if group is self.last and group.runs:
            file.write(self.sep)
            file.write(data)
            self.size += len(self.sep) + len(data)
            group.runs[-1][1] = self.size
        else:
            file.write(data)
            group.runs.append([self.size, self.size + len(data)])
            self.size += len(data)
            self.last = group

    def read(self, start: int, end: int) -> bytes:
        self.file.seek(start)
        return self.file.read(end - start)

    def copy(self, group: _Group, out: DateEscaper, sep: bytes) -> None:
        file = self.file
        for i, (start, end) in enumerate(group.runs):
            if i:
                out.write(sep)
            file.seek(start)
            left = end - start
            while left > 0:
                chunk = file.read(min(left, _COPY))
                if not chunk:
                    raise OSError("the spool file is shorter than what was written to it")
                out.write(chunk)
                left -= len(chunk)

    def close(self) -> None:
        self.file.close()


def _sentinel() -> str:
    return f"@@ucwaformat-stream-{secrets.token_hex(12)}@@"


def _rebase(path: str, old: str, new: str) -> str:
    """``old`` + rest → ``new`` + rest, when ``path`` is ``old`` or lies inside it."""
    if path == old or (path.startswith(old) and path[len(old)] in ".["):
        return new + path[len(old) :]
    return path


# -- XML -> JSON --------------------------------------------------------------------------------


class _XmlToJson:
    """One pass over the XML: items to the spool as they end, the root's head at the end."""

    def __init__(
        self,
        schema: Schema,
        rec: Recorder,
        losses: _Losses,
        unknown: UnknownPolicy,
        hint: str | None,
        pretty: bool,
        escape_solidus: bool,
        date_offset: bool,
        forced: tuple[bool, str | None] | None,
    ) -> None:
        self.escape_solidus = escape_solidus
        self.schema = schema
        self.rec = rec
        self.losses = losses  # (where ``rec`` records: settled after each item)
        self.unknown = unknown
        self.hint = hint
        self.pretty = pretty
        # The one XML reader with the JSON sink, item by item; dates are escaped fragments, as
        # on the tree path, and when one is written the rest of the output is escaped as it is
        # written (DateEscaper), as the tree path escapes its whole output. (Whether the sink
        # *made* a date does not say: a repeated property's first value is dropped after.)
        self.sink = JsonSink(date_offset, rec, escape_solidus)
        self.dated = False
        #: Whether a piece of the output has date delimiters that are not escaped (a string
        #: that looks like a date, or every date without ``escape_solidus``): the tree path
        #: rewrites them only if a date is written too (``_json.dump``), and so does ``emit``.
        self.plain = False
        self.date_offset = date_offset
        self.reader = _xml._Reader(schema, rec, unknown, hint, self.sink)
        self.forced = forced
        self.committed: tuple[bool, str | None] | None = forced
        self.spool = _Spool(b",")
        # The items converted but not yet written: of one group, for one orjson call.
        self.batch: list[Any] = []
        self.batch_group: _Group | None = None
        self.batch_depth = 0
        self.batch_start = 0  # the input's offset when the batch's first item ended
        self.inp: _Input | None = None

    # -- the pass ---------------------------------------------------------------------------

    def run(self, inp: _Input, dst: IO[bytes]) -> None:
        self.inp = inp
        parser = etree.iterparse(
            inp,
            events=("end",),
            tag=_STREAM_TAGS,
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        root: etree._Element | None = None
        mode = ""
        try:
            for _event, el in parser:
                if root is None:
                    root = el.getroottree().getroot()
                    tag = root.tag
                    if tag in _RESOURCE_TAGS:
                        mode = "resource"
                        self.spool.sep = b"," + self.indent(3)
                    elif tag in _EVENTS_TAGS:
                        mode = "events"
                        self.spool.sep = b"," + self.indent(2)
                        if tag == "events":
                            self.rec.loss(
                                "namespace", "$", "element <events> has no namespace; read as UCWA"
                            )
                    else:
                        mode = "tree"
                if mode == "tree" or el is root or el.getparent() is not root:
                    continue
                _xml.check_value_sizes(el, self.rec.limits.max_value_size)
                if mode == "resource":
                    if el.tag in _RESOURCE_TAGS:
                        self.embedded(root, el)
                elif el.tag in _SENDER_TAGS:
                    self.sender(root, el)
            whole = parser.root
        except etree.XMLSyntaxError as exc:
            raise _xml.syntax_error(exc, parser.error_log) from None
        except (UcwaFormatError, _Restart):
            raise
        except (ValueError, MemoryError) as exc:  # lxml raises ValueError for a few input kinds
            raise _xml.syntax_error(exc, parser.error_log) from None
        if whole is None:
            raise UcwaFormatError("Document is empty", line=1, column=1)
        self.release()
        # (The items were checked as they ended; what is left is the root's own.)
        _xml.check_value_sizes(whole, self.rec.limits.max_value_size)
        if mode == "resource":
            self.finish_resource(whole, dst)
        elif mode == "events":
            self.finish_events(whole, dst)
        else:
            dst.write(
                xml_json(
                    whole,
                    self.reader,
                    self.sink,
                    rel=self.hint,
                    pretty=self.pretty,
                    escape_solidus=self.escape_solidus,
                    date_offset=self.date_offset,
                )
            )

    @property
    def escape(self) -> bool:
        return self.escape_solidus and self.dated and self.plain

    def dumped(self, obj: Any) -> bytes:
        """``obj`` as JSON; notes whether it holds a date, or text that looks like a date's
        delimiters."""
        fragments = self.sink.fragments
        data = _json.dump(obj, pretty=self.pretty, escape=False, fragments=fragments)
        if fragments:
            fragments.clear()  # (only the fallback writer needs them, within dump: flat memory)
            if fragment_written(data):
                self.dated = True
                return data  # (dump rewrote the delimiters of a piece with a date already)
        if not self.plain and plain_written(data):
            self.plain = True
        return data

    # -- items ------------------------------------------------------------------------------

    def indent(self, depth: int) -> bytes:
        return b"\n" + b"  " * depth if self.pretty else b""

    def switch(self, group: _Group) -> None:
        """Before an item of ``group`` is read: the batch of another role is written first.

        (Its dump forgets the date fragments the sink has made so far: the next item's must be
        made after it, or its dates would not count as written and the fallback writer of big
        integers would not find their text.)
        """
        if group is not self.batch_group:
            self.release()

    def hold(self, group: _Group, obj: Any, depth: int) -> None:
        """One more item of ``group`` (written at ``depth``): with the batch, or in a new one
        (:meth:`switch` has written the other role's)."""
        inp = self.inp
        assert inp is not None
        if group is not self.batch_group:
            self.release()
            self.batch_group = group
            self.batch_depth = depth
            self.batch_start = inp.offset
        batch = self.batch
        batch.append(obj)
        group.count += 1
        if inp.offset - self.batch_start >= _BATCH_BYTES or len(batch) >= _BATCH_ITEMS:
            self.release()

    def release(self) -> None:
        """Write the batch to the spool: its items as orjson writes an array's, no brackets."""
        batch, group = self.batch, self.batch_group
        if not batch or group is None:
            return
        data = self.dumped(batch)
        if self.pretty:
            # "[\n  A,\n  B\n]": each item's lines one level in; ``depth - 1`` more.
            data = data[4:-2].replace(b"\n", b"\n" + b"  " * (self.batch_depth - 1))
        else:
            data = data[1:-1]
        self.spool.add(group, data)
        batch.clear()
        self.batch_group = None

    def root_type(self, root: etree._Element) -> tuple[bool, str | None]:
        """(docs dialect, the type the root's children are read with), as the reader settles
        them from the root's ``<property name="rel">`` (the last of several)."""
        mark = self.reader.last_mark(root)
        if mark is None:
            return False, root.get("rel") or self.hint
        return True, mark

    def embedded(self, root: etree._Element, el: etree._Element) -> None:
        reader = self.reader
        tail = el.tail
        if tail and not tail.isspace():
            reader.stray_tail(el, "$")
        if el.tag == "resource":
            reader.kind(el, "$")  # reports the missing namespace
        role = el.get("rel")
        if role is None:
            raise UcwaFormatError(
                "embedded <resource> without 'rel'", line=_xml.line_of(el), path="$"
            )
        if self.committed is None:
            self.committed = self.root_type(root)
        docs, effective = self.committed
        reader.docs = docs
        reader.nil = self.inp is not None and self.inp.nil
        group = self.spool.group(role)
        self.switch(group)
        index = group.count
        epath = group.path
        if epath is None:
            epath = group.path = member_path(member_path("$", "_embedded"), role)
        path = f"{epath}[{index}]"
        if index == 0:
            # Whether the role is a collection is known at its second item or at the end; the
            # first item's losses wait until then for their path.
            pending: list[Loss] = []
            temp = Recorder(self.rec.strict, pending, self.rec.limits)
            reader.rec = temp
        try:
            obj = reader.embedded(el, path, effective, role, 1)
            self.sink.flush(reader.rec)  # the writer's losses, after the reader's, as a model's
        except UcwaFormatError as exc:
            if index == 0 and exc.path is not None and not self.collection(effective, role):
                raise UcwaFormatError(
                    exc.msg, line=exc.line, column=exc.column, path=_rebase(exc.path, path, epath)
                ) from None
            raise
        finally:
            reader.rec = self.rec
        self.hold(group, obj, 3)
        if index == 0:
            group.pending = pending
        elif index == 1:
            self.flush(group.pending)
            group.pending = None
        root.remove(el)
        self.losses.settle()

    def collection(self, effective: str | None, role: str) -> bool:
        coll = self.schema.embedded_collection(effective, role)
        return (self.unknown == "collection") if coll is None else coll

    def flush(self, losses: list[Loss] | None) -> None:
        if losses and self.rec.losses is not None:
            self.rec.losses.extend(losses)

    def sender(self, root: etree._Element, el: etree._Element) -> None:
        tail = el.tail
        if tail and not tail.isspace():
            self.reader.stray_tail(el, "$")
        group = self.spool.group("sender")
        self.switch(group)
        path = f"$.sender[{group.count}]"
        self.reader.nil = self.inp is not None and self.inp.nil
        sender = _events._sender_xml(el, path, self.reader)
        self.sink.flush(self.rec)
        self.hold(group, sender, 2)
        root.remove(el)
        self.losses.settle()

    # -- the end ----------------------------------------------------------------------------

    def finish_resource(self, root: etree._Element, dst: IO[bytes]) -> None:
        final = self.root_type(root)
        if self.forced is None and self.committed is not None and final != self.committed:
            raise _Restart(final)
        _docs, effective = final
        # The root's embedded resources are gone: this reads its properties and links only.
        head: dict[str, Any] = self.reader.root(root, self.hint)
        singles: dict[str, bool] = {}
        for role, group in self.spool.groups.items():
            epath = member_path(member_path("$", "_embedded"), role)
            if group.count > 1:
                continue
            coll = self.schema.embedded_collection(effective, role)
            if coll is None:
                coll = self.reader.guess(epath, "embedded resource", role, effective)
            if coll:
                self.flush(group.pending)
            else:
                singles[role] = True
                old = f"{epath}[0]"
                self.flush(
                    [
                        Loss(loss.kind, _rebase(loss.path, old, epath), loss.message)
                        for loss in group.pending or ()
                    ]
                )
            group.pending = None
        self.sink.flush(self.rec)  # the root's writer losses, after every reader loss
        marks: dict[str, str] = {}
        if self.spool.groups:
            embedded: dict[str, str] = {}
            for role in self.spool.groups:
                embedded[role] = marks[role] = _sentinel()
            head["_embedded"] = embedded
        report_kind(head, "resource", self.rec)
        self.emit(head, marks, singles, 3, dst)

    def finish_events(self, root: etree._Element, dst: IO[bytes]) -> None:
        head: dict[str, Any] = _events.read_events_xml(root, self.reader)  # no senders left
        self.sink.flush(self.rec)
        marks: dict[str, str] = {}
        if self.spool.groups:
            head["sender"] = marks["sender"] = _sentinel()
        report_kind(head, "events", self.rec)
        self.emit(head, marks, {}, 2, dst)

    def emit(
        self,
        head: dict[str, Any],
        marks: dict[str, str],
        singles: dict[str, bool],
        depth: int,
        dst: IO[bytes],
    ) -> None:
        """Write the head with each sentinel replaced by its items from the spool."""
        text = self.dumped(head)
        out = DateEscaper(dst, self.escape)
        ind = self.indent(depth)
        close = self.indent(depth - 1)
        pos = 0
        for key, mark in marks.items():
            quoted = orjson.dumps(mark)
            at = text.index(quoted, pos)
            out.write(text[pos:at])
            pos = at + len(quoted)
            group = self.spool.groups[key]
            if singles.get(key):
                ((start, end),) = group.runs
                item = self.spool.read(start, end)
                if self.pretty:
                    item = item.replace(ind, ind[:-2])
                out.write(item)
            else:
                out.write(b"[" + ind)
                self.spool.copy(group, out, b"," + ind)
                out.write(close + b"]")
        out.write(text[pos:])
        out.close()


def _tree_verdict(convert: Callable[[bytes], bytes], data: bytes) -> None:
    """Raise the tree path's error for the whole input, if it has one.

    Called when streaming met an error: an input with several errors may show the streaming
    converter another one first (its items are read before the root's own members, and each
    item is read and written before the next is read), so the whole input is read again, as
    the tree path reads it, for the error every path gives. Bad input only: the memory of a
    conversion that succeeds stays flat.
    """
    convert(data)


def stream_xml_to_json(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
    strict: bool = False,
    report: list[Loss] | LossSink | None = None,
    unknown_cardinality: UnknownPolicy = "single",
    pretty: bool = False,
    escape_solidus: bool = True,
    date_offset: bool = False,
    limits: Limits | None = None,
) -> None:
    """UCWA XML from the binary file ``src`` → UCWA JSON into the binary file ``dst``.

    The options and the output are those of :func:`ucwaformat.xml_to_json`; memory stays flat
    however many resources the root embeds or senders an event page has. ``dst`` is written only
    when the whole input has been converted, so an error leaves it untouched.

    ``report`` is a list, or any object with an ``append`` method (a :class:`LossSink`): each
    loss is appended once the whole input has converted, in the order a list receives them, and
    until then a sink's losses wait in a temporary file, so that memory stays flat with many.
    """
    _check_unknown(unknown_cardinality)
    sch = _schema(schema)
    lim = _limits(limits)
    inp = _Input(src)
    head = inp.peek(4)
    if any(head.startswith(bom) for bom in _BOMS):
        # UTF-16/32: the tree path transcodes the document first.
        data = inp.read_all()
        losses = _Losses(report)
        dst.write(
            xml_to_json(
                data,
                rel=rel,
                schema=sch,
                strict=strict,
                report=losses.recent,
                unknown_cardinality=unknown_cardinality,
                pretty=pretty,
                escape_solidus=escape_solidus,
                date_offset=date_offset,
                limits=lim,
            )
        )
        losses.deliver()
        return
    inp.scan_xml = True
    forced: tuple[bool, str | None] | None = None
    with _GcPaused():
        while True:
            losses = _Losses(report)
            conv = _XmlToJson(
                sch,
                Recorder(strict, losses.recent, lim),
                losses,
                unknown_cardinality,
                rel,
                pretty,
                escape_solidus,
                date_offset,
                forced,
            )
            try:
                conv.run(inp, dst)
                losses.deliver()
                return
            except _Restart as restart:
                forced = restart.forced
                inp.rewind()
            except UcwaFormatError:
                inp.rewind()
                _tree_verdict(
                    lambda data: xml_to_json(
                        data,
                        rel=rel,
                        schema=sch,
                        strict=strict,
                        unknown_cardinality=unknown_cardinality,
                        limits=lim,
                    ),
                    inp.read_all(),
                )
                raise
            finally:
                conv.spool.close()
                losses.close()


class _GcPaused:
    """The cyclic collector paused, as ``_api`` does for large inputs: the items are acyclic and
    freed by reference counting."""

    def __enter__(self) -> None:
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was:
            gc.enable()


# -- JSON -> XML --------------------------------------------------------------------------------


class _Fallback(Exception):
    """The incremental JSON reading cannot give the tree path's result: load the JSON whole."""


_STREAMED: Final = object()


class _JsonToXml:
    """Writes the XML of the root's embedded resources (the senders) as they are read."""

    def __init__(
        self,
        schema: Schema,
        rec: Recorder,
        losses: _Losses,
        hint: str | None,
        kind: str | None,
        dialect: Dialect,
        pretty: bool,
        default_offset: int | None,
        reparsed: bool,
    ) -> None:
        self.rec = rec
        self.losses = losses  # (where ``rec`` records: settled after each item)
        self.hint = hint
        self.kind = kind
        self.reader = _json._Reader(schema, rec, reparsed, for_xml=True)
        self.writer = _xml._Writer(dialect, pretty, rec, default_offset)
        # The items go from the JSON reader to the XML sink, as the tree path's (no model);
        # the sink and its reader are made when the streamed member is known.
        self.write_options = (dialect, pretty, default_offset)
        self.sink: XmlSink | None = None
        self.items: _json._Reader | None = None
        self.spool = _Spool(b"")
        self.group = self.spool.group("items")
        self.streamed: str | None = None
        self.lookup: str | None = None
        self.rtype: str | None = None
        self.roles = 0
        self.senders = 0

    def can_stream(self, key: str, members: dict[str, Any]) -> bool:
        if self.streamed is not None:
            return False
        if key == "_embedded":
            return self.kind in (None, "resource") and "sender" not in members
        if key == "sender":
            return self.kind in (None, "events")
        return False

    def start(self, events: bool) -> _json._Reader:
        """The reader of the items: the tree path's, with an XML sink of its own."""
        dialect, pretty, default_offset = self.write_options
        self.sink = XmlSink(dialect, pretty, self.rec, default_offset, events=events)
        self.items = _json._Reader(
            self.reader.schema, self.rec, self.reader.reparsed, True, self.sink
        )
        return self.items

    def start_embedded(self, members: dict[str, Any]) -> None:
        self.streamed = "_embedded"
        rtype = members.get("rel")
        typed = rtype if isinstance(rtype, str) else None
        self.rtype = typed
        self.lookup = typed or self.hint
        self.writer.root_type(typed)
        self.start(False)
        assert self.sink is not None
        self.sink.root_type(typed)

    def start_senders(self) -> None:
        self.streamed = "sender"
        self.start(True)

    def write(self, piece: list[str]) -> None:
        """An item's XML, written by the sink: its writer's losses (or error) after its
        reader's, then its text to the spool."""
        assert self.sink is not None
        self.sink.deliver(piece, self.rec)
        self.spool.add(self.group, "".join(piece).encode("utf-8"))
        self.group.count += 1
        self.losses.settle()

    def embedded_item(self, role: str, index: int | None, value: Any) -> None:
        rpath = member_path(member_path("$", "_embedded"), role)
        if index is None:
            self.roles += 1
            path = rpath
        else:
            if index == 0:
                self.roles += 1
            path = f"{rpath}[{index}]"
        assert self.items is not None
        self.write(self.items.resource(value, path, self.lookup, role, 1))

    def empty_role(self, role: str) -> None:
        self.roles += 1
        epath = member_path(member_path("$", "_embedded"), role)
        self.rec.loss("empty-collection", epath, "empty resource array has no XML form")

    def sender_item(self, index: int, value: Any) -> None:
        assert self.items is not None
        piece = _events._sender_json(value, f"$.sender[{index}]", self.items)
        self.senders += 1
        self.write(piece)

    def finish(self, members: Any, dst: IO[bytes], exact: bool) -> None:
        """Write the document: the head read from ``members``, the items from the spool.

        ``exact`` says the decisions taken while streaming saw the whole object; otherwise a
        decision the whole object contradicts is a :class:`_Fallback`.
        """
        kind = self.kind
        if kind is None and isinstance(members, dict):
            if _events.is_events_json(members):
                kind = "events"
            else:
                kind = dto_kind_of_json(members) or _json.resource_or_input(members)
        writer = self.writer
        writer.out = ['<?xml version="1.0" encoding="utf-8"?>']
        if self.streamed == "_embedded":
            if kind != "resource":
                raise _Fallback
            head_obj = {k: v for k, v in members.items() if k != "_embedded"}
            res = self.reader.resource(head_obj, "$", None, None, 0, self.hint)
            if not exact and res.type != self.rtype:
                raise _Fallback
            mark = _sentinel()
            if self.roles:
                res = attrs.evolve(res, embedded=((mark, Resource()),))
            writer.resource(res, None, "$", 0)
            marker = f'{writer.nl(1)}<resource rel="{mark}"/>'
        elif self.streamed == "sender":
            if kind != "events":
                raise _Fallback
            head_obj = {k: v for k, v in members.items() if k != "sender"}
            events = _events.read_events_json(head_obj, self.reader)
            mark = _sentinel()
            if self.senders:
                events = attrs.evolve(events, senders=(Sender(mark, ""),))
            _events.write_events_xml(events, writer)
            marker = f'{writer.nl(1)}<sender rel="{mark}" href=""/>'
        else:
            doc = read_json_object(
                members,
                rel=self.hint,
                schema=self.reader.schema,
                rec=self.rec,
                kind=self.kind,
                again=self.reader.reparsed,
                for_xml=True,
            )
            write_xml_into(doc, writer)
            marker = ""
        if writer.pretty:
            writer.out.append("\n")
        text = "".join(writer.out).encode("utf-8")
        out = DateEscaper(dst, False)
        if marker and self.spool.size:
            before, after = text.split(marker.encode("utf-8"), 1)
            out.write(before)
            self.spool.copy(self.group, out, b"")
            out.write(after)
        elif marker:
            out.write(text.replace(marker.encode("utf-8"), b"", 1))
        else:
            out.write(text)


def _run_object(conv: _JsonToXml, obj: Any, dst: IO[bytes]) -> None:
    """The JSON loaded whole: the head is known, the items are written one by one."""
    if not isinstance(obj, dict):
        conv.finish(obj, dst, True)  # raises as the tree path does
        return
    members: dict[str, Any] = {}
    for key, val in obj.items():
        if key == "_embedded" and isinstance(val, dict) and conv.can_stream(key, obj):
            conv.start_embedded(obj)
            for role, entry in val.items():
                if isinstance(entry, list):
                    if not entry:
                        conv.empty_role(role)
                    for i, item in enumerate(entry):
                        conv.embedded_item(role, i, item)
                else:
                    conv.embedded_item(role, None, entry)
            members[key] = _STREAMED
        elif key == "sender" and isinstance(val, list) and conv.can_stream(key, obj):
            conv.start_senders()
            for i, item in enumerate(val):
                conv.sender_item(i, item)
            members[key] = _STREAMED
        else:
            members[key] = val
    conv.finish(members, dst, True)


# The ijson reading: events → the members of the root, the big ones handed over item by item.

#: ijson's basic events, (event, value): no prefixes, whose total size grows with the square of
#: the nesting depth (a 190 kB document of nested arrays once took more than 4 GB).
_Events = Iterator[tuple[str, Any]]
_MAX_JSON_DEPTH: Final = 1024


def _build(event: str, value: Any, events: _Events, repeats: bool, limit: int) -> Any:
    """The value that begins with ``event``, built from the events that follow.

    A string or key longer than ``limit`` (``Limits.max_value_size``) sends the document to
    the tree reader, which refuses it with its path."""
    if event != "start_map" and event != "start_array":
        if type(value) is str and len(value) > limit:
            raise _Fallback
        return value
    root: Any = {} if event == "start_map" else []
    stack: list[Any] = [root]
    keys: list[str] = [""]
    for ev, val in events:
        if ev == "map_key":
            if len(val) > limit:
                raise _Fallback
            keys[-1] = val
            continue
        if ev == "end_map" or ev == "end_array":
            stack.pop()
            keys.pop()
            if not stack:
                return root
            continue
        if ev == "start_map" or ev == "start_array":
            new: Any = {} if ev == "start_map" else []
            if len(stack) >= _MAX_JSON_DEPTH:
                raise _Fallback  # orjson's limit: let it say so
        else:
            new = val
            if type(new) is str and len(new) > limit:
                raise _Fallback
        top = stack[-1]
        if type(top) is list:
            top.append(new)
        else:
            key = keys[-1]
            if repeats and key in top:
                raise _Fallback  # the tree path names (or reports) the repeated key
            top[key] = new
        if ev == "start_map" or ev == "start_array":
            stack.append(new)
            keys.append("")
    raise _Fallback  # the events ended inside a value


def _run_ijson(conv: _JsonToXml, inp: _Input, dst: IO[bytes], repeats: bool) -> None:
    """``repeats``: a key repeated in an object sends the document to the tree reader (strict
    mode, or a loss report: it raises or reports it; ijson keeps the last silently)."""
    ijson = _ijson()
    limit = conv.rec.limits.max_value_size
    events: _Events = iter(ijson.basic_parse(inp, use_float=True))
    try:
        event, _value = next(events)
        if event != "start_map":
            raise _Fallback
        members: dict[str, Any] = {}
        for event, key in events:
            if event == "end_map":
                break
            if len(key) > limit:
                raise _Fallback
            event, value = next(events)
            if key in members and (members[key] is _STREAMED or repeats):
                raise _Fallback  # a repeated key: the last one wins, or is an error
            if key == "_embedded" and event == "start_map" and conv.can_stream(key, members):
                conv.start_embedded(members)
                seen: set[str] = set()
                for event, role in events:
                    if event == "end_map":
                        break
                    if role in seen or len(role) > limit:
                        raise _Fallback
                    seen.add(role)
                    event, value = next(events)
                    if event == "start_array":
                        index = 0
                        for event, value in events:
                            if event == "end_array":
                                break
                            item = _build(event, value, events, repeats, limit)
                            conv.embedded_item(role, index, item)
                            index += 1
                        if index == 0:
                            conv.empty_role(role)
                    else:
                        item = _build(event, value, events, repeats, limit)
                        conv.embedded_item(role, None, item)
                members[key] = _STREAMED
            elif key == "sender" and event == "start_array" and conv.can_stream(key, members):
                conv.start_senders()
                for index, (event, value) in enumerate(events):
                    if event == "end_array":
                        break
                    conv.sender_item(index, _build(event, value, events, repeats, limit))
                members[key] = _STREAMED
            else:
                members[key] = _build(event, value, events, repeats, limit)
        for _ in events:
            raise _Fallback
        while inp.read(_CHUNK):
            pass  # (to its end: what follows the document is counted too)
        if inp.quotes % 2:
            raise _Fallback  # a string left open after the document: the tree path's error
    except (ijson.JSONError, UnicodeDecodeError):
        # (Invalid UTF-8 that ijson's decoder meets before its parser does: 0xC1 and other
        # bytes no UTF-8 text holds.) The exact reading gives the tree path's error.
        raise _Fallback from None
    conv.finish(members, dst, False)


def stream_json_to_xml(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    rel: str | None = None,
    schema: Schema | None = None,
    strict: bool = False,
    report: list[Loss] | LossSink | None = None,
    kind: Kind | None = None,
    dialect: Dialect = "server",
    pretty: bool = False,
    default_offset: int | None = None,
    limits: Limits | None = None,
) -> None:
    """UCWA JSON from the binary file ``src`` → UCWA XML into the binary file ``dst``.

    The options and the output are those of :func:`ucwaformat.json_to_xml`. The XML of each
    embedded resource of the root (each sender of an event page) is written as it is read; with
    ``ijson`` installed the JSON is read incrementally too, else it is loaded whole. ``dst`` is
    written only when the whole input has been converted. ``report`` is a list or a sink, as
    for :func:`stream_xml_to_json`.
    """
    from ._api import KINDS

    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    sch = _schema(schema)
    lim = _limits(limits)
    inp = _Input(src)

    def conv(reparsed: bool, losses: _Losses) -> _JsonToXml:
        rec = Recorder(strict, losses.recent, lim)
        return _JsonToXml(sch, rec, losses, rel, kind, dialect, pretty, default_offset, reparsed)

    with _GcPaused():
        if ijson_available():
            inp.scan_json = True
            losses = _Losses(report)
            first = conv(True, losses)
            try:
                _run_ijson(first, inp, dst, strict or report is not None)
                losses.deliver()
                return
            except (_Fallback, _Restart, UcwaFormatError):
                # (An error: the exact reading below gives the tree path's, see _tree_verdict.)
                inp.rewind()
                inp.scan_json = False
            finally:
                first.spool.close()
                losses.close()
        data = inp.read_all()
        losses = _Losses(report)
        obj = _json.load_json(data, strict=strict, rec=Recorder(strict, losses.recent, lim))
        whole = conv(False, losses)
        try:
            _run_object(whole, obj, dst)
            losses.deliver()
            return
        except _json.BigInt:
            pass
        except UcwaFormatError:
            del obj
            _tree_verdict(
                lambda data: json_to_xml(
                    data,
                    rel=rel,
                    schema=sch,
                    strict=strict,
                    kind=kind,
                    dialect=dialect,
                    default_offset=default_offset,
                    limits=lim,
                ),
                data,
            )
            raise
        finally:
            whole.spool.close()
            losses.close()
        # Integers are of any size (§7.2); the stdlib parser keeps them exact.
        del obj
        text = data.decode("utf-8-sig")
        del data
        losses = _Losses(report)
        again = conv(True, losses)
        try:
            _run_object(again, json.loads(text), dst)
            losses.deliver()
        finally:
            again.spool.close()
            losses.close()
