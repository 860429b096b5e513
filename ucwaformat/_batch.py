"""``multipart/batching`` envelopes (FORMAT.md §12): convert the UCWA parts, keep the rest.

The envelope is read leniently (LF as well as CRLF, a preamble, ``Name : value`` headers, end of
input in place of the closing delimiter, a bodiless inner request without its blank line) and
written with CRLF line ends. Everything but the UCWA bodies and the headers that describe them is
kept byte for byte. The scanner works with ``bytes.find`` only: no regular expressions, linear in
the size of the input.
"""

from __future__ import annotations

from typing import Final

import attrs

from ._api import json_to_xml, xml_to_json
from ._errors import Limits, Loss, UcwaFormatError
from ._kinds import request_kind
from ._media import (
    WS,
    Dialect,
    Form,
    check_dialect,
    check_form,
    convert_accept,
    convert_media_type,
    is_ucwa_media_type,
    preferred_form,
    split_list,
)
from ._schema import Schema

__all__ = [
    "BatchPart",
    "batch_form",
    "convert_batch",
    "convert_media_type",
    "is_ucwa_media_type",
    "split_batch",
]

_CRLF: Final = b"\r\n"
_BOM: Final = b"\xef\xbb\xbf"
# RFC 9110 tchar: the characters a header name may hold.
_TCHAR: Final = frozenset(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short if long."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _boundary(content_type: str) -> bytes:
    """The ``boundary`` parameter of a ``multipart/*`` media type, unquoted."""
    items = split_list(content_type, ";")
    if not items[0].strip(WS).lower().startswith("multipart/"):
        raise UcwaFormatError(
            f"a batch envelope is multipart/batching, not {_shown(items[0].strip(WS))}"
        )
    for item in items[1:]:
        name, eq, value = item.partition("=")
        if not eq or name.strip(WS).lower() != "boundary":
            continue
        value = value.strip(WS)
        if len(value) >= 2 and value[0] == value[-1] == '"':
            chars: list[str] = []
            escaped = False
            for ch in value[1:-1]:
                if escaped or ch != "\\":
                    chars.append(ch)
                    escaped = False
                else:
                    escaped = True
            value = "".join(chars)
        if not value or "\r" in value or "\n" in value:
            raise UcwaFormatError(f"bad boundary parameter in {_shown(content_type)}")
        try:
            return value.encode("ascii")
        except UnicodeEncodeError:
            raise UcwaFormatError(f"non-ASCII boundary in {_shown(content_type)}") from None
    raise UcwaFormatError(f"no boundary parameter in {_shown(content_type)}")


# --- reading the envelope ---------------------------------------------------------------------


@attrs.define
class _Header:
    """One header (with any obs-fold continuation lines), as read."""

    raw: bytes  # its line(s) without the final line end; continuations joined with CRLF
    eol: bool  # whether its last line had a line end
    name: str  # as written
    value: str  # unfolded, without surrounding blanks (latin-1)
    prefix: bytes  # the name, the colon and the blanks around it, as written

    def set(self, value: str) -> None:
        """Set the value; the name and its separator are kept as written."""
        if value != self.value:
            self.value = value
            self.raw = self.prefix + value.encode("latin-1")


@attrs.define
class _Part:
    number: int
    delimiter: bytes  # the delimiter line before the part, as written
    part_headers: list[_Header]
    blank: bytes  # the blank line after the part headers, as written
    leading: list[bytes]  # blank lines before the start line (RFC 9112 §2.2)
    start: bytes
    start_eol: bool
    headers: list[_Header]
    separator: bytes | None  # the blank line before the body, with its CRLF; None if there is none
    body: bytes
    message: bytes  # what follows the part headers as read, to tell whether it changed


@attrs.define
class _Envelope:
    preamble: bytes | None  # None: the input starts with the first delimiter
    parts: list[_Part]
    final_eol: bool  # no closing delimiter: whether the input ended with a line break
    close: bytes | None  # the closing delimiter, None when end of input closed the batch
    close_eol: bool
    epilogue: bytes


class _Reader:
    """Lines of ``data`` between ``pos`` and ``end``; LF or CRLF end them."""

    __slots__ = ("data", "end", "number", "pos")

    def __init__(self, data: bytes, pos: int, end: int, number: int) -> None:
        self.data = data
        self.pos = pos
        self.end = end
        self.number = number

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek_blank(self) -> bool:
        """Whether there is a next line and it is blank (empty, or spaces and tabs only)."""
        data, pos, end = self.data, self.pos, self.end
        if pos >= end:
            return False
        while pos < end and data[pos] in b" \t\r":
            pos += 1
        return pos >= end or data[pos] == 0x0A

    def line(self) -> tuple[bytes, bool]:
        """The next line without its line end, and whether it had one."""
        nl = self.data.find(b"\n", self.pos, self.end)
        if nl < 0:
            text = self.data[self.pos : self.end]
            self.pos = self.end
            return text, False
        stop = nl - 1 if nl > self.pos and self.data[nl - 1] == 0x0D else nl
        text = self.data[self.pos : stop]
        self.pos = nl + 1
        return text, True

    def error(self, message: str, pos: int) -> UcwaFormatError:
        line = self.data.count(b"\n", 0, pos) + 1
        column = pos - (self.data.rfind(b"\n", 0, pos) + 1) + 1
        return UcwaFormatError(f"part {self.number}: {message}", line=line, column=column)

    def headers(self) -> list[_Header]:
        """Header lines up to a blank line (not consumed) or the end."""
        out: list[_Header] = []
        while not self.at_end() and not self.peek_blank():
            pos = self.pos
            text, eol = self.line()
            colon = text.find(b":")
            name = text[:colon].rstrip(b" \t") if colon > 0 else b""
            if not name or any(c not in _TCHAR for c in name):
                shown = text[:60].decode("latin-1")
                raise self.error(f"malformed header line {shown!r}", pos)
            rest = colon + 1
            while rest < len(text) and text[rest] in b" \t":
                rest += 1
            lines = [text]
            values = [text[rest:].strip(b" \t")]
            while (
                not self.at_end() and self.data[self.pos] in b" \t" and not self.peek_blank()
            ):  # obs-fold continuation lines
                more, eol = self.line()
                lines.append(more)
                values.append(more.strip(b" \t"))
            value = b" ".join(v for v in values if v).decode("latin-1")
            out.append(_Header(_CRLF.join(lines), eol, name.decode("latin-1"), value, text[:rest]))
        return out


def _find_delimiters(data: bytes, dash: bytes) -> list[tuple[int, int, bool]]:
    """Delimiter lines as (start, end after the line end, closing?), up to the closing one.

    A delimiter line starts with ``--boundary``, optionally followed by ``--``, then holds only
    blanks.
    """
    found: list[tuple[int, int, bool]] = []
    size = len(data)
    pos = 0
    while True:
        at = data.find(dash, pos)
        if at < 0:
            return found
        pos = at + 1
        if at > 0 and data[at - 1] != 0x0A:
            continue
        i = at + len(dash)
        closing = data.startswith(b"--", i)
        if closing:
            i += 2
        while i < size and data[i] in b" \t\r":
            i += 1
        if i < size and data[i] != 0x0A:
            continue
        found.append((at, min(i + 1, size), closing))
        if closing:
            return found
        pos = i + 1


def _content_end(data: bytes, start: int, limit: int) -> int:
    """``limit`` less the line break before it, which belongs to the delimiter that follows."""
    if limit > start and data[limit - 1] == 0x0A:
        limit -= 1
        if limit > start and data[limit - 1] == 0x0D:
            limit -= 1
    return limit


def _line_text(data: bytes, start: int, end: int) -> tuple[bytes, bool]:
    """A delimiter line without its line end, and whether it had one."""
    eol = end > start and data[end - 1] == 0x0A
    return data[start:end].rstrip(b"\r\n"), eol


def _parse(body: bytes, content_type: str) -> _Envelope:
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(f"a batch body is bytes, not {type(body).__name__}")
    body = bytes(body)
    dash = b"--" + _boundary(content_type)
    delims = _find_delimiters(body, dash)
    if not delims:
        raise UcwaFormatError(f"no boundary line {_shown(dash.decode('ascii'))} in the batch body")
    first = delims[0][0]
    preamble = None if first == 0 else body[: _content_end(body, 0, first)]
    env = _Envelope(preamble, [], False, None, False, b"")
    for k, (at, line_end, closing) in enumerate(delims):
        delimiter, eol = _line_text(body, at, line_end)
        if closing:
            env.close, env.close_eol, env.epilogue = delimiter, eol, body[line_end:]
            break
        if k + 1 < len(delims):
            end = _content_end(body, line_end, delims[k + 1][0])
        else:  # no closing delimiter: the end of the input closes the batch
            end = _content_end(body, line_end, len(body))
            if not body[line_end:].strip(b" \t\r\n"):
                # A last delimiter with nothing after it: it closes the batch.
                env.close, env.close_eol, env.epilogue = delimiter, eol, body[line_end:]
                break
            env.final_eol = end < len(body)
        env.parts.append(_read_part(body, line_end, end, len(env.parts) + 1, delimiter))
    return env


def _read_part(data: bytes, pos: int, end: int, number: int, delimiter: bytes) -> _Part:
    reader = _Reader(data, pos, end, number)
    part_headers = reader.headers()
    if reader.at_end():
        raise reader.error("no blank line after the part headers", reader.pos)
    blank = reader.line()[0]
    message_start = reader.pos
    leading: list[bytes] = []
    while reader.peek_blank():
        leading.append(reader.line()[0])
    if reader.at_end():
        raise reader.error("no HTTP message in the part", reader.pos)
    start, start_eol = reader.line()
    headers = reader.headers()
    separator = None
    if not reader.at_end():
        text, eol = reader.line()
        separator = text + _CRLF if eol else text
    body = data[reader.pos : end]
    return _Part(
        number,
        delimiter,
        part_headers,
        blank,
        leading,
        start,
        start_eol,
        headers,
        separator,
        body,
        data[message_start:end],
    )


# --- writing ----------------------------------------------------------------------------------


def _crlf(text: bytes) -> bytes:
    """``text`` with CRLF line ends."""
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _write_headers(out: list[bytes], headers: list[_Header]) -> None:
    for header in headers:
        out.append(header.raw)
        if header.eol:
            out.append(_CRLF)


def _write_message(part: _Part) -> bytes:
    """What follows the part headers and their blank line: the inner HTTP message."""
    out: list[bytes] = []
    for line in part.leading:
        out += (line, _CRLF)
    out.append(part.start)
    if part.start_eol:
        out.append(_CRLF)
    _write_headers(out, part.headers)
    if part.separator is not None:
        out += (part.separator, part.body)
    return b"".join(out)


def _write(env: _Envelope, messages: list[bytes]) -> bytes:
    out: list[bytes] = []
    if env.preamble is not None:
        out += (_crlf(env.preamble), _CRLF)
    for i, (part, message) in enumerate(zip(env.parts, messages, strict=True)):
        if i:
            out.append(_CRLF)
        out += (part.delimiter, _CRLF)
        _write_headers(out, part.part_headers)
        out += (part.blank, _CRLF, message)
    if env.close is not None:
        if env.parts:
            out.append(_CRLF)
        out.append(env.close)
        if env.close_eol:
            out += (_CRLF, _crlf(env.epilogue))
    elif env.final_eol:
        out.append(_CRLF)
    return b"".join(out)


# --- converting -------------------------------------------------------------------------------


def _is_request(part: _Part) -> bool:
    """``msgtype=request`` on the part, else a start line that is not a status line."""
    for header in part.part_headers:
        if header.name.lower() != "content-type":
            continue
        for param in split_list(header.value, ";")[1:]:
            name, _, value = param.partition("=")
            if name.strip(WS).lower() == "msgtype":
                msgtype = value.strip(WS).strip('"').lower()
                if msgtype in ("request", "response"):
                    return msgtype == "request"
    return not part.start.startswith(b"HTTP/")


def _without_bom(body: bytes) -> bytes:
    return body[3:] if body.startswith(_BOM) else body


def _convert_body(
    part: _Part,
    form: Form,
    to: Form,
    *,
    strict: bool,
    report: list[Loss] | None,
    dialect: Dialect,
    pretty: bool,
    schema: Schema | None = None,
    limits: Limits | None = None,
) -> bytes:
    data = _without_bom(part.body)
    # Leading blank lines would put an XML declaration out of place; positions in errors stay
    # those of the body as sent (after any BOM).
    text = data.lstrip(b" \t\r\n")
    skipped = data[: len(data) - len(text)]
    losses: list[Loss] | None = None if report is None else []
    try:
        if form == "xml":
            new = xml_to_json(
                text, strict=strict, report=losses, pretty=pretty, schema=schema, limits=limits
            )
        else:
            # A request part keeps the input kind its XML said (request_kind).
            kind = request_kind(text) if _is_request(part) else None
            new = json_to_xml(
                text,
                strict=strict,
                report=losses,
                dialect=dialect,
                pretty=pretty,
                schema=schema,
                kind=kind,
                limits=limits,
            )
    except UcwaFormatError as exc:
        line, column = exc.line, exc.column
        if line is not None and skipped:
            if line == 1 and column is not None:
                column += len(skipped) - (skipped.rfind(b"\n") + 1)
            line += skipped.count(b"\n")
        raise UcwaFormatError(
            f"part {part.number}: {exc.msg}", line=line, column=column, path=exc.path
        ) from exc
    if report is not None and losses:
        report.extend(
            Loss(loss.kind, f"part {part.number}: {loss.path}", loss.message) for loss in losses
        )
    return new


def convert_batch(
    body: bytes,
    content_type: str,
    /,
    *,
    to: Form,
    strict: bool = False,
    report: list[Loss] | None = None,
    dialect: Dialect = "server",
    pretty: bool = False,
    rewrite_accept: bool = True,
    schema: Schema | None = None,
    limits: Limits | None = None,
) -> bytes:
    """Translate the UCWA parts of a ``multipart/batching`` body to ``to`` (FORMAT.md §12).

    ``content_type`` is the envelope's ``Content-Type`` (``multipart/batching;
    boundary=…``, quoted or not). Inner bodies whose ``Content-Type`` is a UCWA type (§1) are
    converted with :func:`xml_to_json` / :func:`json_to_xml` (``strict``, ``report``,
    ``dialect``, ``pretty``, ``schema``, ``limits`` are passed on; a leading UTF-8 BOM and blank lines are dropped;
    bodies already in the ``to`` form are kept as they are). Every UCWA inner ``Content-Type``, and ``Accept`` in
    request parts unless ``rewrite_accept=False`` (D29), is switched with
    :func:`convert_media_type`. ``Content-Length`` is recomputed where a body (inner header) or
    a part's message (part header) changed. Everything else is kept byte for byte, with CRLF
    line ends; the output's boundary is the input's, so ``content_type`` stays valid.

    Reading is lenient: LF line ends, a preamble, blanks around header colons, end of input as
    the closing delimiter, an inner message without the blank line after its headers; start
    lines are never parsed, ``Content-Length`` never validated. Loss paths are prefixed with
    ``part N:``.

    Raises :class:`UcwaFormatError` for a content type without a boundary, a body without a
    delimiter line, a malformed part (``part N: …`` at the line and column of the envelope), or
    an inner body that does not convert (``part N: …`` with the inner error's position in the
    body, after any BOM).
    """
    check_form(to)
    check_dialect(dialect)
    env = _parse(body, content_type)
    messages: list[bytes] = []
    for part in env.parts:
        form: Form | None = None
        typed = False
        for header in part.headers:
            if header.name.lower() == "content-type":
                found = is_ucwa_media_type(header.value)
                if not typed:
                    form, typed = found, True
                if found is not None:
                    header.set(convert_media_type(header.value, to))
        if rewrite_accept and _is_request(part):
            for header in part.headers:
                if header.name.lower() == "accept":
                    header.set(convert_accept(header.value, to))
        if form is not None and form != to and _without_bom(part.body).strip(b" \t\r\n"):
            part.body = _convert_body(
                part,
                form,
                to,
                strict=strict,
                report=report,
                dialect=dialect,
                pretty=pretty,
                schema=schema,
                limits=limits,
            )
            for header in part.headers:
                if header.name.lower() == "content-length":
                    header.set(str(len(part.body)))
        message = _write_message(part)
        if message != part.message:
            for header in part.part_headers:
                if header.name.lower() == "content-length":
                    header.set(str(len(message)))
        messages.append(message)
    return _write(env, messages)


# --- inspecting -------------------------------------------------------------------------------


@attrs.frozen
class BatchPart:
    """One part of a batch as read: headers as ``(name, value)`` pairs, names as written."""

    number: int
    part_headers: tuple[tuple[str, str], ...]
    start_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first inner header called ``name`` (any case), or ``None``."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


def split_batch(body: bytes, content_type: str, /) -> list[BatchPart]:
    """The parts of a ``multipart/batching`` body, read as :func:`convert_batch` reads them.

    Bodies are the raw bytes (a BOM included); header values and start lines are latin-1 text.
    """
    return [
        BatchPart(
            part.number,
            tuple((h.name, h.value) for h in part.part_headers),
            part.start.decode("latin-1"),
            tuple((h.name, h.value) for h in part.headers),
            part.body,
        )
        for part in _parse(body, content_type).parts
    ]


def batch_form(body: bytes, content_type: str) -> Form | None:
    """The form a batch's parts speak: the first part's ``Accept`` or UCWA ``Content-Type``.

    The one rule for the command (which converts a batch from this form) and the gateway
    (which answers in it); None for a batch that names neither, or that does not parse.
    """
    try:
        parts = split_batch(body, content_type)
    except UcwaFormatError:
        return None
    for part in parts:
        accept = part.header("accept")
        form = preferred_form(accept) if accept else None
        if form is None:
            part_type = part.header("content-type")
            form = is_ucwa_media_type(part_type) if part_type else None
        if form is not None:
            return form
    return None
