"""DTO documents (FORMAT.md §11): error ``reason``, ``optionsMetadata``, ``operationsQueued``.

These are XmlSerializer documents, not property bags: one child element per field, arrays as a
wrapper element with one element per item, null as ``xsi:nil="true"``. A table per document kind
says which fields are arrays (and how their items are named), bags or links; without it an array
of one could not be told from an object.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from lxml import etree

from ._errors import Recorder, UcwaFormatError, member_path
from ._model import Bag, Dto, DtoObject, DtoValue, Link, Value
from ._xml import attributes
from ._xmltext import xml_name

__all__ = [
    "DTO_KINDS",
    "dto_kind_of_json",
    "read_dto_json",
    "read_dto_xml",
    "write_dto_json",
    "write_dto_xml",
]

NS: Final = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
XSD: Final = "http://www.w3.org/2001/XMLSchema"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_NIL: Final = f"{{{XSI}}}nil"


@attrs.frozen
class DtoSpec:
    """What FORMAT.md §11 says about one DTO kind."""

    namespace: str | None
    order: tuple[str, ...] = ()
    arrays: dict[str, str] = attrs.field(factory=dict)  # wrapper field -> item element name
    bags: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    empty_bags_in_docs: tuple[str, ...] = ()


#: The known DTO kinds, by XML root name.
DTO_KINDS: Final[dict[str, DtoSpec]] = {
    "reason": DtoSpec(
        NS,
        order=("code", "subcode", "message", "link", "debugInfo", "parameters"),
        bags=frozenset(("debugInfo", "parameters")),
        links=frozenset(("link",)),
        # The docs show <debugInfo /><parameters /> on every error; JSON omits empty bags.
        empty_bags_in_docs=("debugInfo", "parameters"),
    ),
    "optionsMetadata": DtoSpec(
        None,
        arrays={
            "metadata": "httpMethodMetadata",
            "parameters": "parameter",
            "supportedValues": "value",
        },
    ),
    "operationsQueued": DtoSpec(None, arrays={"operations": "operation"}),
}
_GENERIC: Final = DtoSpec(None)
_REASON_KEYS: Final = frozenset(DTO_KINDS["reason"].order)


def dto_kind_of_json(obj: dict[str, Any]) -> str | None:
    """FORMAT.md D16: which DTO kind a JSON object is, if any."""
    if "code" in obj and obj.keys() <= _REASON_KEYS:
        return "reason"
    if "metadata" in obj and len(obj) == 1:
        return "optionsMetadata"
    if "operations" in obj and len(obj) == 1:
        return "operationsQueued"
    return None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


# -- XML -> model ------------------------------------------------------------------------------


def read_dto_xml(root: etree._Element, rec: Recorder) -> Dto:
    """A DTO root element → a :class:`Dto`; unknown roots get the generic mapping (reported)."""
    kind = _local(root)
    spec = DTO_KINDS.get(kind)
    if spec is None:
        rec.loss(
            "dto",
            "$",
            f"unknown document <{kind}>; read with the generic element-per-field mapping",
        )
        spec = _GENERIC
    return Dto(kind, _fields(root, spec, "$", rec))


def read_reason_xml(el: etree._Element, path: str, rec: Recorder) -> Dto:
    """An error ``<reason>`` element inside another document (an event)."""
    return Dto("reason", _fields(el, DTO_KINDS["reason"], path, rec))


def _fields(
    el: etree._Element, spec: DtoSpec, path: str, rec: Recorder
) -> tuple[tuple[str, DtoValue], ...]:
    if el.text is not None and el.text.strip():
        rec.loss("text", path, f"text {el.text.strip()[:40]!r} beside the fields; dropped")
    out: list[tuple[str, DtoValue]] = []
    index: dict[str, int] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = _local(child)
        fpath = member_path(path, name)
        value = _value(child, name, spec, fpath, rec)
        if name in index:
            # Repeated names are an array in the generic mapping (§11, unknown DTO roots).
            i = index[name]
            prev = out[i][1]
            if spec is not _GENERIC:
                rec.loss("duplicate", fpath, f"field {name!r} repeats; read as an array")
            out[i] = (name, (*prev, value) if isinstance(prev, tuple) else (prev, value))
            continue
        index[name] = len(out)
        out.append((name, value))
    return tuple(out)


def _value(el: etree._Element, name: str, spec: DtoSpec, path: str, rec: Recorder) -> DtoValue:
    if el.get(_NIL) in ("true", "1"):
        return None
    if name in spec.bags:
        props: list[tuple[str, Value]] = []
        for child in el:
            key = child.get("name")
            if not isinstance(child.tag, str) or key is None:
                rec.loss("element", path, "a bag holds <property name=…> elements only; skipped")
                continue
            props.append((str(key), "".join(str(t) for t in child.itertext())))
        return Bag(tuple(props))
    if name in spec.links and el.get("href") is not None:
        attrs_ = attributes(el, rec.limits.max_attributes)
        href = dict(attrs_)["href"]
        return Link(name, href, tuple((k, v) for k, v in attrs_ if k != "href"))
    item_name = spec.arrays.get(name)
    if item_name is not None:
        items: list[DtoValue] = []
        for i, child in enumerate(el):
            if not isinstance(child.tag, str):
                continue
            if _local(child) != item_name:
                rec.loss("element", path, f"<{_local(child)}> in an array of <{item_name}>")
            items.append(_value(child, _local(child), spec, f"{path}[{i}]", rec))
        return tuple(items)
    if len(el):
        return DtoObject(_fields(el, spec, path, rec))
    return el.text or ""


# -- JSON -> model -----------------------------------------------------------------------------


def read_dto_json(obj: dict[str, Any], kind: str, rec: Recorder) -> Dto:
    """A JSON object of a DTO kind → a :class:`Dto`."""
    return Dto(kind, _jfields(obj, DTO_KINDS.get(kind, _GENERIC), "$", rec))


def read_reason_json(obj: Any, path: str, rec: Recorder) -> Dto:
    """An error object inside another document (an event's ``reason``)."""
    if not isinstance(obj, dict):
        raise UcwaFormatError("'reason' must be an object", path=path)
    return Dto("reason", _jfields(obj, DTO_KINDS["reason"], path, rec))


def _jfields(
    obj: dict[str, Any], spec: DtoSpec, path: str, rec: Recorder
) -> tuple[tuple[str, DtoValue], ...]:
    return tuple((k, _jvalue(v, k, spec, member_path(path, k), rec)) for k, v in obj.items())


def _jvalue(value: Any, name: str, spec: DtoSpec, path: str, rec: Recorder) -> DtoValue:
    if isinstance(value, dict):
        if name in spec.bags:
            props: list[tuple[str, Value]] = []
            for k, v in value.items():
                if isinstance(v, (dict, list, float)):
                    rec.loss("value", member_path(path, k), "bag values are scalars; skipped")
                    continue
                props.append((k, v))
            return Bag(tuple(props))
        if name in spec.links and isinstance(value.get("href"), str):
            extra = []
            for k, v in value.items():
                if k != "href":
                    if not isinstance(v, str):
                        raise UcwaFormatError(
                            f"link member {k!r} must be a string", path=member_path(path, k)
                        )
                    extra.append((k, v))
            return Link(name, value["href"], tuple(extra))
        return DtoObject(_jfields(value, spec, path, rec))
    if isinstance(value, list):
        return tuple(
            _jvalue(v, spec.arrays.get(name, "item"), spec, f"{path}[{i}]", rec)
            for i, v in enumerate(value)
        )
    if isinstance(value, float):
        rec.loss("float", path, f"number {value!r} is not an integer; kept as text")
        return repr(value)
    return value  # type: ignore[no-any-return]


# -- model -> JSON -----------------------------------------------------------------------------


def write_dto_json(doc: Dto) -> dict[str, Any]:
    """A :class:`Dto` → the JSON object (empty bags are omitted, §11)."""
    return _jobj(doc.fields)


def _jobj(fields: tuple[tuple[str, DtoValue], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields:
        if isinstance(value, Bag) and not value.properties:
            continue
        out[name] = _jout(value)
    return out


def _jout(value: DtoValue) -> Any:
    if isinstance(value, DtoObject):
        return _jobj(value.fields)
    if isinstance(value, tuple):
        return [_jout(v) for v in value]
    if isinstance(value, Bag):
        return dict(value.properties)
    if isinstance(value, Link):
        return {"href": value.href, **dict(value.attributes)}
    return value


# -- model -> XML ------------------------------------------------------------------------------


class DtoXmlWriter:
    """Writes DTO elements with the escaping and checks of the resource writer."""

    def __init__(
        self, text: Any, attr: Any, attrs_: Any, bools: tuple[str, str], pretty: bool
    ) -> None:
        self.text = text
        self.attr = attr
        self.attrs = attrs_
        self.bools = bools
        self.pretty = pretty
        self.nil = False

    def nl(self, depth: int) -> str:
        return "\n" + "  " * depth if self.pretty else ""

    def element(
        self, out: list[str], name: str, value: DtoValue, spec: DtoSpec, path: str, depth: int
    ) -> None:
        ind = self.nl(depth)
        if value is None:
            self.nil = True
            out.append(f'{ind}<{name} xsi:nil="true"/>')
        elif isinstance(value, Link):
            out.append(
                f'{ind}<{name} href="{self.attr(value.href, path)}"{self.attrs(value.attributes, path)}/>'
            )
        elif isinstance(value, Bag):
            if not value.properties:
                out.append(f"{ind}<{name}/>")
                return
            out.append(f"{ind}<{name}>")
            pind = self.nl(depth + 1)
            for key, prop in value.properties:
                text = self.scalar(prop, member_path(path, key))
                out.append(f'{pind}<property name="{self.attr(key, path)}">{text}</property>')
            out.append(f"{ind}</{name}>")
        elif isinstance(value, DtoObject):
            if not value.fields:
                out.append(f"{ind}<{name}/>")
                return
            out.append(f"{ind}<{name}>")
            self.fields(out, value.fields, spec, path, depth + 1)
            out.append(f"{ind}</{name}>")
        elif isinstance(value, tuple):
            if not value:
                out.append(f"{ind}<{name}/>")
                return
            item_name = spec.arrays.get(name, "item")
            out.append(f"{ind}<{name}>")
            for i, item in enumerate(value):
                self.element(out, item_name, item, spec, f"{path}[{i}]", depth + 1)
            out.append(f"{ind}</{name}>")
        else:
            text = self.scalar(value, path)
            out.append(f"{ind}<{name}>{text}</{name}>" if text else f"{ind}<{name}/>")

    def scalar(self, value: Any, path: str) -> str:
        if value is None:
            return ""
        if value is True:
            return self.bools[0]
        if value is False:
            return self.bools[1]
        if isinstance(value, int):
            return str(value)
        return str(self.text(str(value), path))

    def fields(
        self,
        out: list[str],
        fields: tuple[tuple[str, DtoValue], ...],
        spec: DtoSpec,
        path: str,
        depth: int,
    ) -> None:
        for name, value in fields:
            fpath = member_path(path, name)
            self.element(out, xml_name(name, fpath), value, spec, fpath, depth)


def ordered(doc: Dto, docs: bool) -> tuple[tuple[str, DtoValue], ...]:
    """The fields in the write order of FORMAT.md §11 (known first, then the rest as read)."""
    spec = DTO_KINDS.get(doc.kind, _GENERIC)
    fields = doc.fields
    if docs:
        present = {k for k, _ in fields}
        fields = fields + tuple((b, Bag()) for b in spec.empty_bags_in_docs if b not in present)
    if not spec.order:
        return fields
    rank = {name: i for i, name in enumerate(spec.order)}
    return tuple(sorted(fields, key=lambda kv: rank.get(kv[0], len(rank))))


def write_dto_xml(doc: Dto, writer: DtoXmlWriter, pretty: bool) -> str:
    """A :class:`Dto` → its XML text (the root with the xsd/xsi declarations of §11)."""
    spec = DTO_KINDS.get(doc.kind, _GENERIC)
    xml_name(doc.kind, "$")
    body: list[str] = []
    writer.fields(body, ordered(doc, writer.bools[0] == "True"), spec, "$", 1)
    ns = f' xmlns="{NS}"' if spec.namespace else ""
    head = f'<{doc.kind} xmlns:xsd="{XSD}" xmlns:xsi="{XSI}"{ns}'
    end = "\n" if pretty else ""
    if not body:
        return f"{head}/>{end}"
    return f"{head}>{''.join(body)}{writer.nl(0)}</{doc.kind}>{end}"


def write_reason_xml(doc: Dto, writer: DtoXmlWriter, depth: int, path: str) -> str:
    """An event's ``<reason>`` child: the DTO form without the xsd/xsi declarations (§10.3)."""
    spec = DTO_KINDS["reason"]
    body: list[str] = []
    writer.nil = False
    writer.fields(body, ordered(doc, False), spec, path, depth + 1)
    # xsi:nil needs its namespace; declare it here only when a field is null.
    decl = f' xmlns:xsi="{XSI}"' if writer.nil else ""
    ind = writer.nl(depth)
    if not body:
        return f"{ind}<reason{decl}/>"
    return f"{ind}<reason{decl}>{''.join(body)}{ind}</reason>"
