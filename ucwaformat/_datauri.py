"""``data:`` URIs (RFC 2397), the hrefs of ExternalResource links (FORMAT.md §9).

The converters copy hrefs byte for byte and never decode them; these helpers are for callers
that want the content of a message or an SDP offer, or need to build one.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final
from urllib.parse import quote_from_bytes, unquote_to_bytes

from ._errors import UcwaFormatError

__all__ = ["decode_data_uri", "make_data_uri"]

#: RFC 2397: a data URI without a media type is US-ASCII text.
DEFAULT_MEDIA_TYPE: Final = "text/plain;charset=US-ASCII"
# Characters left unescaped in the non-base64 form: RFC 3986 unreserved and a few sub-delims.
_SAFE: Final = "-._~!$&'()*+,;=:@/?"


def decode_data_uri(href: str) -> tuple[str, bytes]:
    """``data:[<media type>][;base64],<data>`` → ``(media type with parameters, bytes)``.

    The percent-encoded form is decoded as RFC 2397 says (``+`` stays ``+``).
    """
    if not isinstance(href, str):
        raise UcwaFormatError(f"Expected str, not {type(href).__name__!r}")
    if href[:5].lower() != "data:":
        raise UcwaFormatError(f"not a data URI: {href[:40]!r}")
    head, sep, payload = href[5:].partition(",")
    if not sep:
        raise UcwaFormatError("a data URI needs a ',' before its data")
    is_base64 = head.lower().endswith(";base64")
    media_type = head[: -len(";base64")] if is_base64 else head
    if not media_type:
        media_type = DEFAULT_MEDIA_TYPE
    elif media_type.startswith(";"):  # parameters without a type, e.g. data:;charset=utf-8,…
        media_type = "text/plain" + media_type
    if is_base64:
        try:
            data = base64.b64decode(unquote_to_bytes(payload), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UcwaFormatError(f"invalid base64 in a data URI: {exc}") from None
    else:
        data = unquote_to_bytes(payload)
    return media_type, data


def make_data_uri(media_type: str, data: bytes, *, base64_encode: bool = True) -> str:
    """Build a data URI: base64 by default, or percent-encoded (``base64_encode=False``)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UcwaFormatError(f"Expected bytes, not {type(data).__name__!r}")
    if "," in media_type:
        raise UcwaFormatError(f"a media type cannot contain ',': {media_type!r}")
    if base64_encode:
        return f"data:{media_type};base64,{base64.b64encode(bytes(data)).decode('ascii')}"
    return f"data:{media_type},{quote_from_bytes(bytes(data), safe=_SAFE)}"
