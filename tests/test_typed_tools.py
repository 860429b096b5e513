"""The generated classes of ucwaformat.types with tools that read their annotations.

cattrs, attrs.resolve_types, pydantic, beartype and FastAPI all go through
``typing.get_type_hints``: every annotation of every class (the module has
``from __future__ import annotations``, so each is a string) must evaluate in the module's
namespace to real type objects. A string alias such as ``ItemEntry = "Item | tuple[Item, ...]"``
made that fail for the ``*Embedded`` classes and every class holding one.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator
from typing import Any

import attrs
import orjson
import pytest
from cattrs.errors import StructureHandlerNotFoundError
from cattrs.preconf.orjson import OrjsonConverter, make_converter
from data_paths import CORPUS

import ucwaformat._typedbase
import ucwaformat.types
from ucwaformat import Link, Resource, Timestamp, typed
from ucwaformat._model import LinkEntry, Value
from ucwaformat.types import (
    RESOURCE_CLASSES,
    Application,
    ItemEntry,
    MyOnlineMeetings,
    TypedResource,
)

#: Resource classes read from corpus documents with typed embedded resources (and dates).
EMBEDDING = [
    (MyOnlineMeetings, "myOnlineMeetings/get-xml-response.xml"),
    (Application, "application/get-xml-response.xml"),
]


def _classes() -> list[type]:
    """Every class defined in ucwaformat.types and the bases it imports from _typedbase."""
    modules = (ucwaformat.types.__name__, ucwaformat._typedbase.__name__)
    found = [
        cls
        for _name, cls in inspect.getmembers(ucwaformat.types, inspect.isclass)
        if cls.__module__ in modules
    ]
    assert len(found) > 400  # resources, request bodies, Links/Embedded, enumerations, bases
    return found


def _functions(cls: type) -> Iterator[Any]:
    """The functions a class defines: methods, class methods and the getters of properties."""
    for member in vars(cls).values():
        if isinstance(member, property):
            yield member.fget
        elif isinstance(member, classmethod | staticmethod):
            yield member.__func__
        elif inspect.isfunction(member):
            yield member


def test_get_type_hints_resolves_every_class() -> None:
    failures = []
    for cls in _classes():
        try:
            hints = typing.get_type_hints(cls)
        except Exception as exc:
            failures.append(f"{cls.__name__}: {exc!r}")
            continue
        # Nothing is left as a string or a forward reference, at any depth.
        unresolved = [name for name, hint in hints.items() if _has_string(hint)]
        if unresolved:
            failures.append(f"{cls.__name__}: unresolved {unresolved}")
    assert not failures, "\n".join(failures)


def test_get_type_hints_resolves_every_method_and_accessor() -> None:
    """The accessors (``meetings.embedded.my_online_meeting``) and methods too."""
    failures = []
    count = 0
    for cls in _classes():
        for function in _functions(cls):
            count += 1
            try:
                typing.get_type_hints(function)
            except Exception as exc:
                failures.append(f"{cls.__name__}.{function.__name__}: {exc!r}")
    assert count > 1000
    assert not failures, "\n".join(failures)


def test_embedded_entries_resolve_to_the_item_types() -> None:
    hints = typing.get_type_hints(ucwaformat.types.ApplicationEmbedded)
    pair, ellipsis = typing.get_args(hints["entries"])  # tuple[tuple[str, ItemEntry], ...]
    assert ellipsis is Ellipsis and typing.get_args(pair) == (str, ItemEntry)
    assert set(typing.get_args(ItemEntry)) == {
        TypedResource,
        Resource,
        tuple[TypedResource | Resource, ...],
    }


def test_attrs_resolve_types_on_every_attrs_class() -> None:
    failures = []
    classes = [cls for cls in _classes() if attrs.has(cls)]
    assert len(classes) > 300
    for cls in classes:
        try:
            attrs.resolve_types(cls)
        except Exception as exc:
            failures.append(f"{cls.__name__}: {exc!r}")
            continue
        strings = [f.name for f in attrs.fields(cls) if _has_string(f.type)]
        if strings:
            failures.append(f"{cls.__name__}: unresolved {strings}")
    assert not failures, "\n".join(failures)


def test_stock_orjson_converter_builds_hooks_for_every_class() -> None:
    """Building a hook resolves the class's annotations, and those of the classes it holds."""
    converter = make_converter()
    failures = []
    for cls in _classes():
        if not attrs.has(cls):
            continue
        for get_hook in (converter.get_unstructure_hook, converter.get_structure_hook):
            try:
                get_hook(cls)
            except Exception as exc:
                failures.append(f"{cls.__name__} ({get_hook.__name__}): {exc!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("cls", "path"), EMBEDDING, ids=[p for _c, p in EMBEDDING])
def test_stock_orjson_converter_unstructures_and_structures(
    cls: type[TypedResource], path: str
) -> None:
    obj = typed.from_xml((CORPUS / path).read_bytes(), cls)
    assert any(isinstance(item, TypedResource) for _role, item in obj.embedded)
    converter = make_converter()

    data = converter.dumps(obj)
    loaded = orjson.loads(data)
    assert loaded == orjson.loads(orjson.dumps(converter.unstructure(obj)))
    roles = [role for role, _entry in loaded["embedded"]["entries"]]
    assert roles == [role for role, _entry in obj.embedded.entries]

    # Alone, the stock converter structures all but the open unions (a link or a list of
    # them, an item or a list, a property value), whose member it has no rule to choose.
    # What it must never meet is an annotation it cannot evaluate.
    try:
        back = converter.structure(loaded, cls)
    except Exception as exc:
        leaves = list(_leaves(exc))
        assert leaves, exc
        for leaf in leaves:
            assert isinstance(leaf, StructureHandlerNotFoundError), repr(leaf)
            assert _is_union(leaf.type_), repr(leaf)
    else:
        assert isinstance(back, cls)

    # With a rule for each of them, the stock converter round trips exactly.
    _choose_union_members(converter)
    back = converter.structure(loaded, cls)
    assert back == obj and back.wire == obj.wire
    assert typed.to_xml(back) == typed.to_xml(obj)
    assert typed.to_json(back) == typed.to_json(obj)


# -- helpers ------------------------------------------------------------------------------------


def _has_string(hint: Any) -> bool:
    """Whether a string or a forward reference is left anywhere inside ``hint``."""
    if isinstance(hint, str | typing.ForwardRef):
        return True
    return any(_has_string(arg) for arg in typing.get_args(hint) if arg is not Ellipsis)


def _is_union(hint: Any) -> bool:
    return isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def _choose_union_members(converter: OrjsonConverter) -> None:
    """What a user of a stock converter adds: how JSON picks a member of each open union."""

    def link_entry(value: Any, _: Any) -> LinkEntry:
        if isinstance(value, list):
            return tuple(converter.structure(item, Link) for item in value)
        return converter.structure(value, Link)

    def item(value: dict[str, Any]) -> TypedResource | Resource:
        # A typed resource read from a document says its type in ``wire``.
        wire = value.get("wire")
        cls = RESOURCE_CLASSES.get(wire["type"]) if wire else None
        if cls is None:
            return converter.structure(value, Resource)
        return converter.structure(value, cls)

    def item_entry(value: Any, _: Any) -> ItemEntry:
        return tuple(item(i) for i in value) if isinstance(value, list) else item(value)

    def scalar(value: Any) -> Any:
        return converter.structure(value, Timestamp) if isinstance(value, dict) else value

    def property_value(value: Any, _: Any) -> Value:
        return tuple(scalar(v) for v in value) if isinstance(value, list) else scalar(value)

    # As predicates: the preconf converter's union strategy would otherwise come first.
    converter.register_structure_hook_func(lambda t: t == LinkEntry, link_entry)
    converter.register_structure_hook_func(lambda t: t == ItemEntry, item_entry)
    converter.register_structure_hook_func(lambda t: t == Value, property_value)


# -- lazy class building ------------------------------------------------------------------------


def _fresh(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (classes not built yet)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_import_builds_no_attrs_class() -> None:
    """attrs builds a generated class on first use, not at import (the import-time budget)."""
    out = _fresh(
        "import attrs, typing, ucwaformat.types as t, ucwaformat._typedbase as b\n"
        "pending = len(b._PENDING)\n"
        "t.MyOnlineMeeting(subject='x')\n"
        "n = len(b._PENDING)\n"
        "hints = typing.get_type_hints(t.Contact)\n"
        "print(pending, pending - n, attrs.has(t.Contact), hints['links'] is t.ContactLinks, n - len(b._PENDING))\n"
    )
    pending, by_instance, has, hints, by_tools = out.split()
    classes = len(ucwaformat.types.RESOURCE_CLASSES) + len(ucwaformat.types.REQUEST_CLASSES)
    assert int(pending) == classes
    assert (by_instance, has, hints, by_tools) == ("1", "True", "True", "1")


def test_threads_build_a_class_once() -> None:
    out = _fresh(
        "import threading, ucwaformat.types as t, ucwaformat._typedbase as b\n"
        "made = []\n"
        "def make() -> None:\n"
        "    made.append(t.MyOnlineMeetingPut(subject='s'))\n"
        "threads = [threading.Thread(target=make) for _ in range(8)]\n"
        "for th in threads: th.start()\n"
        "for th in threads: th.join()\n"
        "print(len(made), len(set(made)), t.MyOnlineMeetingPut.__init__ is not b._Typed.__init__)\n"
    )
    assert out == "8 1 True"


def test_a_base_class_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="TypedResource is not a generated class"):
        TypedResource()
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        getattr(Application, "nope")  # noqa: B009 - the metaclass's __getattr__


def test_an_object_unpickled_before_its_class_is_built_is_frozen_and_equal() -> None:
    import pickle

    meeting = typed.from_xml(
        (CORPUS / "myOnlineMeetings" / "get-xml-response.xml").read_bytes(), MyOnlineMeetings
    )
    out = _fresh(
        "import pickle, sys, attrs, ucwaformat.types as t, ucwaformat._typedbase as b\n"
        f"obj = pickle.loads({pickle.dumps(meeting)!r})\n"
        "print(t.MyOnlineMeetings in b._PENDING)\n"
        "try:\n"
        "    obj.href = 'x'\n"
        "except attrs.exceptions.FrozenInstanceError:\n"
        "    print('frozen')\n"
        "print(obj == pickle.loads(pickle.dumps(obj)), obj.href != 'x')\n"
    )
    assert out.split("\n") == ["True", "frozen", "True True"]
