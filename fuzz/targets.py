"""What the fuzzing harness feeds the oracle (docs/fuzzing.md): Hypothesis strategies of bytes.

Structure-aware: documents drawn by :mod:`ucwaformat.testing.strategies` (resources, inputs,
event pages, of the bundled schema), written as XML (both dialects) or JSON, then mutated a few
bytes at a time where a parser is most easily confused (markup, quotes, escapes, control and
non-UTF-8 bytes), or cut short. Unstructured: any bytes, and text made of UCWA's own tokens.
"""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st

import ucwaformat
from ucwaformat.testing import strategies as ust

__all__ = ["TARGETS"]

NS: Final = "http://schemas.microsoft.com/rtc/2012/03/ucwa"

#: Bytes a mutation writes: structure, quotes, escapes, control and invalid UTF-8 bytes.
_ALPHABET: Final = b'<>/="&;#x[]{}:,\\u0019 \n\x00\x0b\x80\xc3\xed\xa0\xff-9eE.'
#: Fragments a mutation inserts: markup, entities, escapes, big numbers, deep nesting.
_FRAGMENTS: Final = (
    b"<!DOCTYPE x>",
    b"&lt;",
    b"&#0;",
    b"&#x1F600;",
    b"]]>",
    b"<![CDATA[x]]>",
    b'<property name="rel">x</property>',
    b'<link rel="self" href="/s"/>',
    b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"',
    b"\\ud800",
    b"\\u0000",
    b'"/Date(814)/"',
    b'"/Date(1474932023030+9999)/"',
    b"9" * 320,
    b"[" * 40,
    b'"_embedded":{}',
    b'"_links":[]',
    b'"rel":"rel"',
)


@st.composite
def _mutated(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 5))
        if op == 0:
            data[i] = draw(st.sampled_from(_ALPHABET))
        elif op == 1:
            data.insert(i, draw(st.sampled_from(_ALPHABET)))
        elif op == 2:
            del data[i : i + draw(st.integers(1, 8))]
        elif op == 3:
            data[i:i] = draw(st.sampled_from(_FRAGMENTS))
        elif op == 4:
            del data[i:]  # cut short
        else:
            j = draw(st.integers(0, len(data) - 1))
            data[i:i] = data[j : j + draw(st.integers(1, 40))]  # a repeated piece
    return bytes(data)


_DOCS = st.one_of(ust.documents(), ust.event_pages())

XML_DOCUMENTS: Final = st.builds(
    lambda doc, dialect, pretty: ucwaformat.to_xml(doc, dialect=dialect, pretty=pretty),
    _DOCS,
    st.sampled_from(["server", "docs"]),
    st.booleans(),
)
JSON_DOCUMENTS: Final = st.builds(
    lambda doc, pretty: ucwaformat.to_json(doc, pretty=pretty), _DOCS, st.booleans()
)

_XML_TOKENS: Final = [
    f'<resource xmlns="{NS}" rel="a" href="/a">',
    '<resource rel="contact" href="/c">',
    "</resource>",
    f'<events xmlns="{NS}" href="/e">',
    '<sender rel="contact" href="/c">',
    "</sender>",
    "</events>",
    '<added rel="m" href="/m"/>',
    '<link rel="l" href="/l"/>',
    '<property name="a">',
    '<property name="rel">',
    "</property>",
    '<propertyList name="l"><item>x</item>',
    "</propertyList>",
    "text",
    "&amp;",
    "\n",
]

#: name → (strategy of bytes, the form the bytes are in: "xml", "json" or "any").
TARGETS: Final[dict[str, tuple[st.SearchStrategy[bytes], str]]] = {
    "xml-documents": (XML_DOCUMENTS, "xml"),
    "json-documents": (JSON_DOCUMENTS, "json"),
    "xml-mutated": (_mutated(XML_DOCUMENTS), "xml"),
    "json-mutated": (_mutated(JSON_DOCUMENTS), "json"),
    "xml-tokens": (
        st.lists(st.sampled_from(_XML_TOKENS), max_size=40).map(lambda t: "".join(t).encode()),
        "xml",
    ),
    "bytes": (st.binary(max_size=300), "any"),
}
