"""``multipart/batching`` envelopes (FORMAT.md §12): convert the UCWA parts, keep the rest.

The envelope is read leniently (LF as well as CRLF, a preamble, ``Name : value`` headers, end of
input in place of the closing delimiter, a bodiless inner request without its blank line) and
written with CRLF line ends. Everything but the UCWA bodies and the headers that describe them is
kept byte for byte. The scanner works with ``bytes.find`` only: no regular expressions, linear in
the size of the input.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

from ._errors import UcwaFormatError

__all__ = [
    "BatchPart",
    "convert_batch",
    "convert_media_type",
    "is_ucwa_media_type",
    "split_batch",
]

Form = Literal["json", "xml"]

_PRECISE: Final = {
    "application/vnd.microsoft.com.ucwa+xml": "xml",
    "application/vnd.microsoft.com.ucwa+json": "json",
    # The misspelling of one docs page (§1): read, never written.
    "application/vnd.microsoft.ucwa+xml": "xml",
}
_GENERIC: Final = {"application/xml": "xml", "application/json": "json"}
_MISSPELLED: Final = "application/vnd.microsoft.ucwa+xml"

_CRLF: Final = b"\r\n"
_BOM: Final = b"\xef\xbb\xbf"
_WS: Final = " \t"
# RFC 9110 tchar: the characters a header name may hold.
_TCHAR: Final = frozenset(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


# --- media types ------------------------------------------------------------------------------


def _type_span(content_type: str) -> tuple[int, int]:
    """Start and end of the ``type/subtype`` token: after leading blanks, before ``;`` or blanks."""
    end = content_type.find(";")
    if end < 0:
        end = len(content_type)
    start = 0
    while start < end and content_type[start] in _WS:
        start += 1
    while end > start and content_type[end - 1] in _WS:
        end -= 1
    return start, end


def is_ucwa_media_type(content_type: str) -> Form | None:
    """``"json"`` or ``"xml"`` for a UCWA media type (FORMAT.md §1), else ``None``.

    Precise (``application/vnd.microsoft.com.ucwa+xml``) and generic (``application/json``)
    forms count, and so does the ``application/vnd.microsoft.ucwa+xml`` misspelling of one docs
    page. Case is ignored, and so are parameters such as ``charset``.
    """
    start, end = _type_span(content_type)
    name = content_type[start:end].lower()
    form = _PRECISE.get(name) or _GENERIC.get(name)
    if form == "json":
        return "json"
    if form == "xml":
        return "xml"
    return None


def convert_media_type(content_type: str, to: Form) -> str:
    """The same media type in the ``to`` form, keeping precise vs generic and the parameters.

    ``application/vnd.microsoft.com.ucwa+xml; charset=utf-8`` becomes
    ``application/vnd.microsoft.com.ucwa+json; charset=utf-8`` and ``application/json``
    becomes ``application/xml``; everything around the ``type/subtype`` token is kept byte for
    byte. A type already in the ``to`` form is returned unchanged, except that the
    ``vnd.microsoft.ucwa+xml`` misspelling is written correctly. Non-UCWA types are returned
    unchanged.
    """
    if to not in ("json", "xml"):
        raise ValueError(f"to must be 'json' or 'xml', not {to!r}")
    start, end = _type_span(content_type)
    name = content_type[start:end].lower()
    if name in _PRECISE:
        if _PRECISE[name] == to and name != _MISSPELLED:
            return content_type
        new = f"application/vnd.microsoft.com.ucwa+{to}"
    elif name in _GENERIC:
        if _GENERIC[name] == to:
            return content_type
        new = f"application/{to}"
    else:
        return content_type
    return content_type[:start] + new + content_type[end:]


def _split_list(value: str, sep: str) -> list[str]:
    """``value`` split at ``sep`` outside double-quoted strings (with backslash escapes)."""
    items: list[str] = []
    quoted = escaped = False
    begin = 0
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif quoted:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == sep:
            items.append(value[begin:i])
            begin = i + 1
    items.append(value[begin:])
    return items


def _convert_accept(value: str, to: Form) -> str:
    """An ``Accept`` value with each UCWA media range switched to the ``to`` form."""
    return ",".join(convert_media_type(item, to) for item in _split_list(value, ","))


def _boundary(content_type: str) -> bytes:
    """The ``boundary`` parameter of a ``multipart/*`` media type, unquoted."""
    items = _split_list(content_type, ";")
    if not items[0].strip(_WS).lower().startswith("multipart/"):
        raise UcwaFormatError(
            f"a batch envelope is multipart/batching, not {items[0].strip(_WS)!r}"
        )
    for item in items[1:]:
        name, eq, value = item.partition("=")
        if not eq or name.strip(_WS).lower() != "boundary":
            continue
        value = value.strip(_WS)
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
            raise UcwaFormatError(f"bad boundary parameter in {content_type!r}")
        try:
            return value.encode("ascii")
        except UnicodeEncodeError:
            raise UcwaFormatError(f"non-ASCII boundary in {content_type!r}") from None
    raise UcwaFormatError(f"no boundary parameter in {content_type!r}")


# --- the envelope -----------------------------------------------------------------------------


@attrs.define
class _Line:
    """One line as read: its text without the line end, whether it had one, where it was."""

    text: bytes
    eol: bool
    lineno: int


@attrs.define
class _Header:
    """A header line (with any obs-fold continuation lines), the value in place."""

    lines: list[_Line]
    name: str  # lower case, for matching
    value: str  # unfolded, without surrounding blanks; latin-1
    prefix: bytes  # the name, the colon and the blanks around it, as written

    def replace(self, value: str) -> None:
        """Set the value; the name and its separator are kept as written."""
        self.value = value
        first = self.lines[0]
        first.text = self.prefix + value.encode("latin-1")
        first.eol = self.lines[-1].eol
        del self.lines[1:]


@attrs.define
class _Part:
    number: int
    delimiter: _Line
    part_headers: list[_Header]
    blank: _Line  # the blank line after the part headers
    leading: list[_Line]  # empty lines before the start line (RFC 9112 §2.2)
    start: _Line
    headers: list[_Header]
    separator: _Line | None  # the blank line before the body; None if the message has none
    body: bytes


@attrs.define
class _Envelope:
    preamble: list[_Line] | None  # None: the first delimiter starts the input
    parts: list[_Part]
    close: _Line | None  # the last delimiter line (closing, or a bare one at the end), if any
    epilogue: list[_Line]


def _lines(data: bytes, start: int, end: int, lineno: int) -> list[_Line]:
    """``data[start:end]`` as lines; LF or CRLF ends them; ``lineno`` numbers the first."""
    out: list[_Line] = []
    while start < end:
        nl = data.find(b"\n", start, end)
        if nl < 0:
            out.append(_Line(data[start:end], False, lineno))
            break
        stop = nl - 1 if nl > start and data[nl - 1] == 0x0D else nl
        out.append(_Line(data[start:stop], True, lineno))
        start = nl + 1
        lineno += 1
    return out


def _is_blank(line: _Line) -> bool:
    return line.text == b""


def _header(lines: list[_Line], part: int) -> _Header:
    first = lines[0].text
    colon = first.find(b":")
    name = first[:colon].rstrip(b" \t") if colon > 0 else b""
    if not name or any(c not in _TCHAR for c in name):
        shown = first[:60].decode("latin-1")
        raise UcwaFormatError(
            f"part {part}: malformed header line {shown!r}", line=lines[0].lineno, column=1
        )
    rest = colon + 1
    while rest < len(first) and first[rest] in b" \t":
        rest += 1
    value = b" ".join(
        [first[rest:].strip(b" \t"), *(line.text.strip(b" \t") for line in lines[1:])]
    ).strip(b" ")
    return _Header(lines, name.decode("latin-1").lower(), value.decode("latin-1"), first[:rest])


def _headers(lines: list[_Line], i: int, part: int) -> tuple[list[_Header], int]:
    """Header lines from ``lines[i]`` up to a blank line or the end; returns the next index."""
    out: list[_Header] = []
    while i < len(lines) and not _is_blank(lines[i]):
        if lines[i].text[:1] in (b" ", b"\t") and out:  # obs-fold continuation
            out[-1].lines.append(lines[i])
            out[-1] = _header(out[-1].lines, part)
        else:
            out.append(_header([lines[i]], part))
        i += 1
    return out, i


def _find_delimiters(data: bytes, dash: bytes) -> list[tuple[int, int, int, bool]]:
    """Delimiter lines: (line start, text end, line end after its LF, closing?).

    A delimiter is a line that starts with ``--boundary``, optionally followed by ``--``, then
    only blanks. The search stops at the closing delimiter.
    """
    found: list[tuple[int, int, int, bool]] = []
    pos = 0
    size = len(data)
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
        text_end = i
        while i < size and data[i] in b" \t":
            i += 1
        if i < size and data[i] == 0x0D:
            i += 1
        if i < size and data[i] != 0x0A:
            continue
        line_end = min(i + 1, size)
        found.append((at, text_end if i < size or closing else text_end, line_end, closing))
        if closing:
            return found
        pos = line_end


def _content_end(data: bytes, start: int, limit: int) -> int:
    """Where the content before the line break that belongs to the next delimiter ends."""
    if limit > start and data[limit - 1] == 0x0A:
        limit -= 1
        if limit > start and data[limit - 1] == 0x0D:
            limit -= 1
    return limit


def _lineno(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _parse(body: bytes, content_type: str) -> _Envelope:
    dash = b"--" + _boundary(content_type)
    delims = _find_delimiters(body, dash)
    if not delims:
        raise UcwaFormatError(f"no boundary line {dash.decode('ascii')!r} in the batch body")
    first = delims[0][0]
    preamble = None if first == 0 else _lines(body, 0, _content_end(body, 0, first), 1)
    if preamble is not None and body[first - 1] == 0x0A and not preamble:
        preamble = [_Line(b"", False, 1)]
    parts: list[_Part] = []
    close: _Line | None = None
    epilogue: list[_Line] = []
    for k, (at, text_end, line_end, closing) in enumerate(delims):
        lineno = _lineno(body, at)
        delimiter = _Line(
            body[at:text_end].rstrip(b" \t\r") + body[text_end : at + 0]
            if False
            else body[at:line_end].rstrip(b"\r\n"),
            line_end > at and body[line_end - 1] == 0x0A,
            lineno,
        )
        if closing:
            close = delimiter
            epilogue = _lines(body, line_end, len(body), lineno + 1)
            break
        if k + 1 < len(delims):
            end = _content_end(body, line_end, delims[k + 1][0])
        else:  # no closing delimiter: end of input closes
            end = _content_end(body, line_end, len(body))
            if not body[line_end:end].strip(b" \t\r\n"):
                # A bare delimiter with nothing after it ends the batch.
                close = delimiter
                epilogue = _lines(body, line_end, len(body), lineno + 1)
                break
        lines = _lines(body, line_end, end, lineno + 1)
        if end < len(body) and k + 1 == len(delims) and body[end] in b"\r\n":
            # The envelope ended without a closing delimiter, after a line break: keep it.
            if lines:
                lines[-1].eol = True
        parts.append(_part(len(parts) + 1, delimiter, lines, body, line_end))
    return _Envelope(preamble, parts, close, epilogue)


def _part(number: int, delimiter: _Line, lines: list[_Line], body: bytes, offset: int) -> _Part:
    part_headers, i = _headers(lines, 0, number)
    if i >= len(lines):
        raise UcwaFormatError(
            f"part {number}: no blank line after the part headers",
            line=delimiter.lineno,
            column=1,
        )
    blank = lines[i]
    i += 1
    leading: list[_Line] = []
    while i < len(lines) and _is_blank(lines[i]):
        leading.append(lines[i])
        i += 1
    if i >= len(lines):
        raise UcwaFormatError(
            f"part {number}: no HTTP message in the part", line=blank.lineno, column=1
        )
    start = lines[i]
    headers, i = _headers(lines, i + 1, number)
    separator: _Line | None = None
    content = b""
    if i < len(lines):
        separator = lines[i]
        if separator.eol and i + 1 < len(lines):
            # The body is raw bytes, kept as they are: take it from the input, not the lines.
            first_body = lines[i + 1]
            content = b"".join(line.text + (b"\n" if line.eol else b"") for line in lines[i + 1 :])
            content = _raw_slice(body, offset, lines, i + 1, first_body)
    return _Part(
        number, delimiter, part_headers, blank, leading, start, headers, separator, content
    )


def _raw_slice(body: bytes, offset: int, lines: list[_Line], i: int, first: _Line) -> bytes:
    raise NotImplementedError
