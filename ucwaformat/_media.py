"""The two wire forms and the HTTP that names them: form detection, UCWA media types,
``Accept`` negotiation and media type parameters. The command, the batch envelopes and the
gateway all call these (FORMAT.md §1)."""

from __future__ import annotations

import codecs
import math
import zlib
from collections.abc import Iterator
from typing import Final, Literal

__all__ = [
    "BATCH",
    "WS",
    "CodingError",
    "Dialect",
    "Form",
    "TooLargeError",
    "accept_ranges",
    "charset",
    "check_dialect",
    "check_form",
    "coding",
    "convert_accept",
    "convert_media_type",
    "decode_body",
    "detect_form",
    "encode_body",
    "handled",
    "is_ucwa_media_type",
    "media_kind",
    "other_form",
    "preferred_form",
    "split_list",
    "utf8_media_type",
]

#: The two wire forms.
Form = Literal["json", "xml"]
#: The two XML dialects: what servers write, and what the reference pages show.
Dialect = Literal["server", "docs"]


FORMS: Final[tuple[Form, Form]] = ("json", "xml")
_PRECISE: Final[dict[str, Form]] = {
    "application/vnd.microsoft.com.ucwa+xml": "xml",
    "application/vnd.microsoft.com.ucwa+json": "json",
    # The misspelling of one docs page (§1): read, never written.
    "application/vnd.microsoft.ucwa+xml": "xml",
}
_GENERIC: Final[dict[str, Form]] = {"application/xml": "xml", "application/json": "json"}
_MISSPELLED: Final = "application/vnd.microsoft.ucwa+xml"
#: The media type of a batch envelope (§12).
BATCH: Final = "multipart/batching"
#: The blanks HTTP allows around values (OWS).
WS: Final = " \t"

_BLANK_BYTES: Final = b" \t\r\n\xef\xbb\xbf"
_BLANK_TEXT: Final = " \t\r\n\ufeff"


#: UTF-16 text: its BOMs, and the byte pairs of a blank or ``<`` (the BOM is optional).
_UTF16: Final = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_UTF16_UNITS: Final = {
    "utf-16-le": (b"<\x00", {b" \x00", b"\t\x00", b"\r\x00", b"\n\x00"}),
    "utf-16-be": (b"\x00<", {b"\x00 ", b"\x00\t", b"\x00\r", b"\x00\n"}),
}


def _utf16_xml(data: bytes) -> bool:
    """Whether bytes are UTF-16 text whose first non-blank character is ``<``."""
    encoding = None
    for bom, name in _UTF16:
        if data.startswith(bom):
            data, encoding = data[2:], name
    for name in (encoding,) if encoding else ("utf-16-le", "utf-16-be"):
        lt, blanks = _UTF16_UNITS[name]
        i = 0
        while data[i : i + 2] in blanks:
            i += 2
        if data[i : i + 2] == lt:
            return True
    return False


def detect_form(data: bytes | str) -> Form:
    """``"xml"`` when the first non-blank character (after a BOM) is ``<``, else ``"json"``.

    The bytes are read as UTF-8 or, after a UTF-16 BOM or in the byte pairs of UTF-16 text,
    as UTF-16: XML may come in either (its declaration says which, the parser reads both); JSON
    is UTF-8 (RFC 8259 §8.1)."""
    if isinstance(data, bytes):
        if data.lstrip(_BLANK_BYTES)[:1] == b"<":
            return "xml"
        head = data[:2]
        if (head in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head) and _utf16_xml(data[:4096]):
            return "xml"
        return "json"
    return "xml" if data.lstrip(_BLANK_TEXT)[:1] == "<" else "json"


def other_form(form: Form) -> Form:
    """The form that is not ``form``."""
    return "json" if form == "xml" else "xml"


def check_form(form: object, name: str = "to") -> Form:
    """``form`` if it names a wire form; a ``ValueError`` naming the option otherwise."""
    if form not in ("json", "xml"):
        raise ValueError(f"{name} must be 'json' or 'xml', not {form!r}")
    return form


def check_dialect(dialect: object) -> Dialect:
    """``dialect`` if it names an XML dialect; a ``ValueError`` otherwise.

    Options are the caller's, not the input's: a bad one is a ``ValueError`` on every path,
    never a :class:`UcwaFormatError` (which is about a document).
    """
    if dialect not in ("server", "docs"):
        raise ValueError(f"dialect must be 'server' or 'docs', not {dialect!r}")
    return dialect


# -- media types and their parameters ----------------------------------------------------


def _type_span(content_type: str) -> tuple[int, int]:
    """Start and end of the ``type/subtype`` token: after leading blanks, before ``;`` or blanks."""
    end = content_type.find(";")
    if end < 0:
        end = len(content_type)
    start = 0
    while start < end and content_type[start] in WS:
        start += 1
    while end > start and content_type[end - 1] in WS:
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
    check_form(to)
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


def split_list(value: str, sep: str) -> list[str]:
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


def convert_accept(value: str, to: Form) -> str:
    """An ``Accept`` value with each UCWA media range switched to the ``to`` form."""
    return ",".join(convert_media_type(item, to) for item in split_list(value, ","))




def media_name(content_type: str) -> str:
    """The ``type/subtype`` token of a media type, lowercased."""
    return content_type.split(";", 1)[0].strip(WS).lower()


def media_kind(content_type: str | None) -> Form | Literal["batch"] | None:
    """``"json"``/``"xml"`` for a UCWA media type, ``"batch"`` for ``multipart/batching``, else None."""
    if not content_type:
        return None
    form = is_ucwa_media_type(content_type)
    if form is not None:
        return form
    return "batch" if media_name(content_type) == BATCH else None


def accept_ranges(accept: str) -> Iterator[tuple[str, float]]:
    """``(media range, q)`` for each well-formed item of an ``Accept`` value."""
    for item in split_list(accept, ","):
        params = split_list(item, ";")
        media = params[0].strip(WS).lower()
        if not media:
            continue
        q = 1.0
        for param in params[1:]:
            name, _, value = param.partition("=")
            if name.strip(WS).lower() == "q":  # later parameters are accept-ext: ignored
                try:
                    q = float(value.strip(WS).strip('"'))
                except ValueError:
                    q = math.nan
                break
        if 0.0 <= q <= 1.0:
            yield media, q


def _form_ranks(accept: str) -> dict[Form, tuple[float, int]]:
    """Each form's ``(quality, specificity)``; specificity 2 exact, 1 ``application/*``, 0 ``*/*``.

    A form's rank is the best over its types, each type taking the quality of the most specific
    range that matches it; ``(0.0, -1)`` when no range matches. A form whose types are named only
    with ``q=0`` is refused: ``…ucwa+json;q=0, */*`` asks for XML, though ``*/*`` would match
    ``application/json`` (the gateway answers JSON with the type the client refused).
    """
    exact: dict[str, float] = {}
    app_any: float | None = None
    any_any: float | None = None
    for media, q in accept_ranges(accept):
        if media in _PRECISE or media in _GENERIC:
            if media == "application/vnd.microsoft.ucwa+xml":
                media = "application/vnd.microsoft.com.ucwa+xml"
            exact[media] = max(q, exact.get(media, 0.0))
        elif media == "application/*":
            app_any = q if app_any is None else max(q, app_any)
        elif media == "*/*":
            any_any = q if any_any is None else max(q, any_any)
    ranks: dict[Form, tuple[float, int]] = {}
    for form in FORMS:
        names = (f"application/vnd.microsoft.com.ucwa+{form}", f"application/{form}")
        named = [exact[name] for name in names if name in exact]
        if named and max(named) == 0.0:
            ranks[form] = (0.0, 2)  # refused by name: no wildcard brings it back
            continue
        best = (0.0, -1)
        for name in names:
            if name in exact:
                rank = (exact[name], 2)
            elif app_any is not None:
                rank = (app_any, 1)
            elif any_any is not None:
                rank = (any_any, 0)
            else:
                continue
            best = max(best, rank)
        ranks[form] = best
    return ranks


def preferred_form(accept: str | None) -> Form | None:
    """The UCWA form an ``Accept`` value prefers, or ``None`` when it prefers neither.

    The higher quality wins; at equal quality an exact type beats a wildcard. ``None`` when
    both forms rank the same (``*/*``, both types listed alike), both are refused (``q=0``),
    or the value names no UCWA, JSON or XML type (``multipart/batching``, ``image/png``).
    """
    if not accept:
        return None
    ranks = _form_ranks(accept)
    json_rank, xml_rank = ranks["json"], ranks["xml"]
    if json_rank[0] == 0.0 and xml_rank[0] == 0.0:
        return None
    if json_rank > xml_rank:
        return "json"
    if xml_rank > json_rank:
        return "xml"
    return None


def charset(content_type: str) -> str | None:
    for param in split_list(content_type, ";")[1:]:
        name, eq, value = param.partition("=")
        if eq and name.strip(WS).lower() == "charset":
            return value.strip(WS).strip('"')
    return None


def is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except (LookupError, ValueError, TypeError):
        return False


def utf8_media_type(content_type: str) -> str:
    """``content_type`` with a ``charset`` that is not UTF-8 replaced by ``utf-8``."""
    items = split_list(content_type, ";")
    for i, param in enumerate(items[1:], 1):
        name, eq, value = param.partition("=")
        if (
            eq
            and name.strip(WS).lower() == "charset"
            and not is_utf8(value.strip(WS).strip('"'))
        ):
            items[i] = f"{name}=utf-8"
    return ";".join(items)


# -- content codings (RFC 9110 §8.4) ----------------------------------------------------

#: The content codings that are decoded (by the gateway, and ``--http``/``learn`` for captured
#: messages), translated under and encoded again.
_CODINGS: Final = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


def coding(value: str | None) -> str:
    """A ``Content-Encoding`` value as the gateway sees it: ``""`` (none, or identity),
    ``"gzip"`` or ``"deflate"``, or the value itself for anything else (another coding, or
    several), which the gateway cannot undo."""
    if value is None:
        return ""
    name = value.strip(WS).lower()
    if name in ("", "identity"):
        return ""
    return _CODINGS.get(name, value)


def handled(name: str) -> bool:
    """Whether the gateway can decode and encode again this :func:`coding`."""
    return name in ("", "gzip", "deflate")


class CodingError(Exception):
    """A body that does not decode under its ``Content-Encoding``."""


class TooLargeError(Exception):
    """A body larger than the limit it is read or decoded under."""


def decode_body(body: bytes, name: str, limit: int) -> bytes:
    """``body`` decoded from its coding, at most ``limit`` bytes of it (else TooLargeError)."""
    if not name:
        return body
    # gzip: its own header; deflate: the zlib format (RFC 9110 §8.4.1.2), or raw deflate, which
    # some servers send instead.
    attempts = (16 + zlib.MAX_WBITS,) if name == "gzip" else (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    for wbits in attempts:
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(body, limit + 1)
        except zlib.error as exc:
            error = str(exc)
            continue
        if len(out) > limit:
            raise TooLargeError
        if not decoder.eof:
            error = "the compressed data ends early"
            continue
        return out
    raise CodingError(f"the {name} body does not decode: {error}")


def encode_body(body: bytes, name: str) -> bytes:
    """``body`` in the coding it came in."""
    if not name:
        return body
    wbits = 16 + zlib.MAX_WBITS if name == "gzip" else zlib.MAX_WBITS
    encoder = zlib.compressobj(wbits=wbits)
    return encoder.compress(body) + encoder.flush()
