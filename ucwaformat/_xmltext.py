"""What XML 1.0 can hold, and how a writer puts names and text into it: one home for each rule.

Every XML the library writes (resources, inputs, events, DTOs; tree and streaming writers alike)
names its elements and attributes through :func:`xml_name` and escapes its text through
:func:`text` and :func:`attr`. A name that is not an XML name is refused here, never spliced into
markup: a JSON key such as ``in rel="a"/><property name="x">y</property><x`` must not become
elements the JSON never had.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from ._errors import UcwaFormatError

__all__ = [
    "attr",
    "check_chars",
    "is_xml_name",
    "plain_attr",
    "plain_json",
    "plain_text",
    "text",
    "xml_name",
]

# An XML name without a colon (Namespaces in XML 1.0, NCName; the NameStartChar and NameChar
# productions of XML 1.0, fifth edition, §2.3). The writer binds prefixes itself, so a colon in
# a name from the document is never legal.
_START: Final = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR: Final = f"{_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
#: The ASCII names (all a document normally has): a part of the rule that is quick to compile.
_ASCII_NCNAME: Final = re.compile(r"[A-Z_a-z][A-Z_a-z\-.0-9]*\Z")


@functools.cache
def _ncname() -> re.Pattern[str]:
    """The whole rule, compiled when a name is not an ASCII one: its classes span most of
    Unicode, which the regex compiler walks character by character (~10 ms at every start)."""
    return re.compile(f"[{_START}][{_NAME_CHAR}]*\\Z")


# Characters XML 1.0 cannot hold (D28): controls other than TAB/LF/CR, lone surrogates, FFFE/FFFF.
_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: What element text cannot hold as it is (escaped, or refused when illegal).
TEXT_SPECIAL: Final = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: What an attribute value cannot hold as it is (escaped, or refused when illegal).
ATTR_SPECIAL: Final = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def plain_text(s: str) -> bool:
    """Whether ``s`` goes into element content as it is: nothing to escape, nothing to refuse.

    A printable string holds no control character, surrogate or non-character, so only three
    characters are left to look for; ``str.isprintable`` and ``in`` run in C several times
    faster than :data:`TEXT_SPECIAL`, which interprets a character class at every character.
    Anything else (a TAB, a non-ASCII space) is for the expression to decide.
    """
    if s.isprintable():
        return "&" not in s and "<" not in s and ">" not in s
    return TEXT_SPECIAL.search(s) is None


def plain_attr(s: str) -> bool:
    """Whether ``s`` goes into an attribute value as it is (see :func:`plain_text`)."""
    if s.isprintable():
        return '"' not in s and "&" not in s and "<" not in s and ">" not in s
    return ATTR_SPECIAL.search(s) is None


def plain_json(data: bytes | str) -> bool:
    """Whether no string of this JSON text, key or value, holds a character element text or an
    attribute value must escape or refuse (:func:`plain_text`, :func:`plain_attr`), told from the
    text alone: in C, and once for the document rather than once for each string.

    JSON holds no raw control character, and a quote or a backslash in a string is escaped; so
    a text without ``&``, ``<``, ``>``, without a raw character from U+FFC0 (U+FFFE and U+FFFF
    among them) and without any escape but ``\\/`` and ``\\u0027`` (what UCWA servers write
    for ``/`` and ``'``) holds only plain strings. False says nothing: look at each string.
    """
    if isinstance(data, str):
        if not data.isascii():
            return False  # (a str may hold lone surrogates, which no UTF-8 text can)
        data = data.encode("ascii")
    elif not isinstance(data, bytes):
        return False
    if b"&" in data or b"<" in data or b">" in data:
        return False
    if not data.isascii() and b"\xef\xbf" in data:
        return False
    # Every backslash must start one of the two escapes; then none starts another (a "\\\\"
    # would put a second backslash where the first one's escape goes on). (find, not count:
    # a one-byte find is a memchr, several times quicker than counting a two-byte needle.)
    at = data.find(b"\\")
    while at >= 0:
        if not (data.startswith(b"/", at + 1) or data.startswith(b"u0027", at + 1)):
            return False
        at = data.find(b"\\", at + 2)
    return True


def is_xml_name(name: str) -> bool:
    """Whether ``name`` can stand as an element or attribute name (an NCName)."""
    return _ASCII_NCNAME.match(name) is not None or _ncname().match(name) is not None


def xml_name(name: str, path: str, what: str = "element") -> str:
    """``name`` when it is a legal XML name; otherwise a :class:`UcwaFormatError` at ``path``.

    ``what`` says which kind of name it was to be (``element``, ``attribute``) in the message.
    """
    if (_ASCII_NCNAME.match(name) is None and not is_xml_name(name)) or (
        what == "attribute" and name == "xmlns"
    ):
        raise UcwaFormatError(f"{name!r} cannot be an XML {what} name", path=path)
    return name


def check_chars(s: str, path: str) -> str:
    """``s`` when XML 1.0 can hold every character of it; otherwise an error at ``path``."""
    match = _ILLEGAL.search(s)
    if match is None:
        return s
    raise UcwaFormatError(
        f"character U+{ord(match.group()):04X} cannot be written in XML 1.0", path=path
    )


def text(s: str, path: str) -> str:
    """``s`` escaped as element content."""
    if plain_text(s):
        return s
    check_chars(s, path)
    # A literal CR would come back as LF (§2), so it is written as a character reference.
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attr(s: str, path: str) -> str:
    """``s`` escaped as an attribute value between double quotes."""
    if plain_attr(s):
        return s
    check_chars(s, path)
    # Attribute-value normalisation would turn TAB/LF/CR into spaces (§2).
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )
