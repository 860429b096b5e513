"""The two wire forms: their names, and how a body shows which form it is in."""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["Dialect", "Form", "detect_form", "other_form"]

#: The two wire forms.
Form = Literal["json", "xml"]
#: The two XML dialects: what servers write, and what the reference pages show.
Dialect = Literal["server", "docs"]

_BLANK_BYTES: Final = b" \t\r\n\xef\xbb\xbf"
_BLANK_TEXT: Final = " \t\r\n\ufeff"


def detect_form(data: bytes | str) -> Form:
    """``"xml"`` when the first non-blank character (after a BOM) is ``<``, else ``"json"``."""
    if isinstance(data, bytes):
        return "xml" if data.lstrip(_BLANK_BYTES)[:1] == b"<" else "json"
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
