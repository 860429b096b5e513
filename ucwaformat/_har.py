"""HTTP Archive files (HAR 1.2, what browsers and proxies save): the UCWA bodies in them, and
the same archive with those bodies converted.

A HAR file is JSON: ``log.entries[i].request.postData`` (``mimeType``, ``text``) and
``log.entries[i].response.content`` (``mimeType``, ``text``, ``encoding: "base64"`` for bodies
kept as base64, ``size``). Bodies with a UCWA media type (FORMAT.md §1, :mod:`_media`) are
converted as a whole, ``multipart/batching`` ones part by part (:mod:`_batch`); everything else
is kept as it is. The archive is written back indented by two spaces, as browsers write it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any, Final

import orjson

from ._errors import UcwaFormatError, path_of
from ._media import BATCH, Form, convert_media_type, media_kind, media_name

__all__ = ["convert_har", "documents_of", "har_bodies", "har_documents"]

#: The two places of an entry that hold a body: (the message, its body member).
_PLACES: Final = (("request", "postData"), ("response", "content"))


def _load(data: bytes) -> dict[str, Any]:
    try:
        har = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise UcwaFormatError(f"not a HAR file: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    log = har.get("log") if isinstance(har, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise UcwaFormatError("not a HAR file: no log.entries array", path="$.log.entries")
    found: dict[str, Any] = har
    return found


def _bodies(har: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(its ``$.path``, the message, its body object) of every body with a UCWA media type."""
    for i, entry in enumerate(har["log"]["entries"]):
        if not isinstance(entry, dict):
            continue
        for message_key, body_key in _PLACES:
            message = entry.get(message_key)
            if not isinstance(message, dict):
                continue
            body = message.get(body_key)
            if not isinstance(body, dict):
                continue
            mime, text = body.get("mimeType"), body.get("text")
            if isinstance(mime, str) and isinstance(text, str) and text and media_kind(mime) is not None:
                yield path_of("$.log.entries", i, message_key, body_key), message, body


def _raw(body: dict[str, Any], where: str) -> bytes:
    """A body's bytes: its text, base64-decoded when ``encoding`` says so."""
    text: str = body["text"]
    if body.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise UcwaFormatError("invalid base64 text", path=f"{where}.text") from None
    return text.encode("utf-8", "surrogatepass")


def har_bodies(data: bytes) -> Iterator[tuple[str, str, bytes]]:
    """(where, media type, bytes) of every UCWA body in a HAR file; ``where`` reads ``entry 3
    response``."""
    har = _load(data)
    for where, _message, body in _bodies(har):
        index, message_key = where.split("[", 1)[1].split("].", 1)
        yield f"entry {index} {message_key.split('.')[0]}", body["mimeType"], _raw(body, where)


def documents_of(where: str, media_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """(where, bytes) of the UCWA documents in one body: the body itself for a UCWA media type,
    each UCWA part of a ``multipart/batching`` one (``… part 2``), else none."""
    kind = media_kind(media_type)
    if kind in ("json", "xml"):
        return [(where, body)]
    if kind != "batch":
        return []
    from ._batch import split_batch

    try:
        parts = split_batch(body, media_type)
    except UcwaFormatError as err:
        raise UcwaFormatError(f"{where}: multipart body: {err}") from err
    return [
        (f"{where} part {part.number}", part.body)
        for part in parts
        if media_kind(part.header("content-type")) in ("json", "xml") and part.body.strip()
    ]


def har_documents(data: bytes) -> list[tuple[str, bytes]]:
    """(where, bytes) of every UCWA document in a HAR file: its JSON and XML bodies, and the
    UCWA parts of its batches (``entry 3 response part 2``)."""
    return [found for args in har_bodies(data) for found in documents_of(*args)]


def _header_value(message: dict[str, Any], name: str) -> str | None:
    for header in message.get("headers") or ():
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name:
            return str(header.get("value", "")).strip().lower()
    return None


def _set_header(message: dict[str, Any], name: str, value: str) -> None:
    for header in message.get("headers") or ():
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name:
            header["value"] = value


#: Converts one body: (bytes, its media type, where) → (bytes, media type) in the target form.
Convert = Callable[[bytes, str, str], "tuple[bytes, str] | None"]


def convert_har(data: bytes, convert: Convert) -> bytes:
    """The HAR file with each UCWA body replaced by ``convert``'s output (None keeps the body):
    its ``mimeType``, ``size`` and the message's ``Content-Type``/``Content-Length`` headers and
    ``bodySize`` follow; a base64 body stays base64. Everything else is kept. (For a body that
    was compressed on the wire, the bytes sent are unknown once converted: ``bodySize`` becomes
    -1, ``compression`` 0, and ``Content-Length`` stays as captured.)"""
    har = _load(data)
    for where, message, body in list(_bodies(har)):
        done = convert(_raw(body, where), body["mimeType"], where)
        if done is None:
            continue
        new, mime = done
        if body.get("encoding") == "base64":
            body["text"] = base64.b64encode(new).decode("ascii")
        else:
            body["text"] = new.decode("utf-8", "surrogatepass")
        body["mimeType"] = mime
        if "size" in body:
            body["size"] = len(new)
        _set_header(message, "content-type", mime)
        # The text is the decoded body (HAR 1.2); bodySize and Content-Length count the bytes
        # sent, which for a compressed body are not known once it is converted.
        compressed = (isinstance(body.get("compression"), int) and body["compression"] > 0) or (
            _header_value(message, "content-encoding") not in (None, "", "identity")
        )
        if not compressed:
            _set_header(message, "content-length", str(len(new)))
        if isinstance(message.get("bodySize"), int) and message["bodySize"] > 0:
            message["bodySize"] = -1 if compressed else len(new)
        if compressed and "compression" in body:
            body["compression"] = 0
    return orjson.dumps(har, option=orjson.OPT_INDENT_2) + b"\n"


def target_media_type(mime: str, to: Form) -> str:
    """The media type of a converted body (a batch's stays; its parts' change)."""
    return mime if media_name(mime) == BATCH else convert_media_type(mime, to)
