"""The runtime of the generated typed classes (``ucwaformat.types``): their bases, the lazy
attrs machinery and the field helpers.

Written here once, by hand; ``scripts/build_types.py`` generates ``types.py`` from the schema,
which imports and re-exports what its classes are built on.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias, TypeVar

import attrs

from ._model import Attributes, Link, LinkEntry, Properties, Resource, Value

__all__ = [
    "MAX_UNKNOWN_MEMBERS",
    "Embedded",
    "Item",
    "ItemEntry",
    "Links",
    "OpenEnum",
    "TypedInput",
    "TypedResource",
    "Wire",
    "_lazy",
    "external",
    "prop",
]

#: How many values an enumeration caches as members besides its own; beyond that an unknown
#: value still works, as a fresh member each time (a server cannot grow memory without bound).
MAX_UNKNOWN_MEMBERS: Final = 256


class OpenEnum(enum.StrEnum):
    """A UCWA enumeration that accepts members the schema does not know (FORMAT.md D23)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        known = cls._value2member_map_
        if len(known) < len(cls._member_map_) + MAX_UNKNOWN_MEMBERS:
            return known.setdefault(value, member)
        return member

    @property
    def is_known(self) -> bool:
        """Whether the schema lists this member."""
        return type(self)._member_map_.get(self._name_) is self


def prop(name: str) -> Any:
    """A property or parameter field written as ``name``; ``None`` (absent) by default."""
    return attrs.field(default=None, metadata={"ucwa": name})


def external(name: str) -> Any:
    """A request parameter sent as a link ``name`` (its ``data:`` URI); ``None`` by default."""
    return attrs.field(default=None, metadata={"ucwa": name, "external": True})


@attrs.frozen(slots=True)
class Wire:
    """How a document was written, so that unstructuring reproduces it (not compared).

    ``order`` has one entry per property in document order: the wire name of the field it went
    to, or ``None`` for the next item of ``extra``. ``nulls`` are fields that were JSON ``null``;
    ``originals`` the timestamps of ``datetime`` fields; ``link_order`` the same as ``order`` for
    a request body's links (an external field's name, or ``None`` for the next link).
    """

    type: str | None = None
    type_position: int | None = None
    order: tuple[str | None, ...] | None = None
    nulls: frozenset[str] = frozenset()
    originals: tuple[tuple[str, Value], ...] = ()
    link_order: tuple[str | None, ...] | None = None


@attrs.frozen(slots=True)
class Links:
    """Links in document order, each relation a :class:`Link` or a tuple (a collection).

    The generated subclasses add a property per relation the schema knows, returning a
    ``Link | None`` or a ``tuple[Link, ...]`` whatever the document held.
    """

    entries: tuple[tuple[str, LinkEntry], ...] = ()

    def get(self, rel: str) -> Link | None:
        """The first link of ``rel``, else None."""
        for key, entry in self.entries:
            if key == rel:
                if isinstance(entry, Link):
                    return entry
                if entry:
                    return entry[0]
        return None

    def all(self, rel: str) -> tuple[Link, ...]:
        """Every link of ``rel``, in order."""
        found: list[Link] = []
        for key, entry in self.entries:
            if key == rel:
                if isinstance(entry, Link):
                    found.append(entry)
                else:
                    found.extend(entry)
        return tuple(found)

    def __contains__(self, rel: object) -> bool:
        return any(key == rel for key, _entry in self.entries)

    def __iter__(self) -> Iterator[Link]:
        for _key, entry in self.entries:
            if isinstance(entry, Link):
                yield entry
            else:
                yield from entry


# -- lazy attrs classes ---------------------------------------------------------------------
#
# Making ~300 attrs classes (collecting fields, compiling an __init__ for each) cost ~150 ms of
# `import ucwaformat.types`, most of it for classes a program never touches. So a generated
# class is declared as a plain class with its annotations (get_type_hints works on it at once)
# and made an attrs class, in place, the first time anything needs it: an instance, or any
# attribute the class lacks until then (__attrs_attrs__ for attrs.fields, attrs.has, cattrs and
# hypothesis; __match_args__). Built in place (no slots), so the class object never changes.

_PENDING: Final[dict[type, dict[str, Any]]] = {}
_BUILDING: Final = threading.RLock()
_T = TypeVar("_T")


class _Declare:
    """What ``_lazy`` is at run time: ``_lazy.frozen(**options)`` declares a class, and
    :func:`_build` later calls ``attrs.frozen(cls, **options)`` on it. For mypy, ``_lazy`` is
    ``attrs`` itself, so its attrs plugin sees the classes as what they become."""

    @staticmethod
    def frozen(**options: Any) -> Callable[[type[_T]], type[_T]]:
        def declare(cls: type[_T]) -> type[_T]:
            _PENDING[cls] = options
            return cls

        return declare


if TYPE_CHECKING:
    import attrs as _lazy
else:
    _lazy = _Declare()


def _build(cls: type) -> bool:
    """Make ``cls`` the attrs class it was declared as, once; whether it was pending."""
    with _BUILDING:
        options = _PENDING.pop(cls, None)
        if options is None:
            return False
        # No slots: attrs patches the class in place, so the class object never changes.
        attrs.frozen(cls, **options)
        return True


class _Lazy(type):
    """The metaclass of the generated classes: an attribute a declared class lacks builds it."""

    if not TYPE_CHECKING:  # mypy keeps checking class attributes

        def __getattr__(cls, name: str) -> Any:
            if _build(cls):
                return getattr(cls, name)
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


class _Typed(metaclass=_Lazy):
    """Equality, hashing and repr for the generated classes, from their attrs fields.

    Written once here rather than generated by attrs for each of the ~300 classes. The repr
    leaves out fields left at their default.
    """

    __slots__ = ()
    __attrs_attrs__: ClassVar[Any]  # set by attrs on each class (for mypy: attrs.fields(cls))

    if not TYPE_CHECKING:  # mypy reads each class's __init__ from its fields

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Only until attrs has built the class, which gives it its own __init__.
            cls = type(self)
            _build(cls)
            if cls.__init__ is _Typed.__init__:
                raise TypeError(f"{cls.__name__} is not a generated class; it cannot be made")
            cls.__init__(self, *args, **kwargs)

        def __setattr__(self, name: str, value: Any) -> None:
            # An instance made without __init__ (unpickled) before its class was built: build
            # it, whose frozen __setattr__ then refuses.
            if _build(type(self)):
                setattr(self, name, value)
            raise attrs.exceptions.FrozenInstanceError()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(
            getattr(self, f.name) == getattr(other, f.name)
            for f in attrs.fields(type(self))
            if f.eq
        )

    def __hash__(self) -> int:
        fields = attrs.fields(type(self))
        return hash((type(self), *(getattr(self, f.name) for f in fields if f.eq)))

    def __repr__(self) -> str:
        shown = (
            f"{f.name}={value!r}"
            for f in attrs.fields(type(self))
            if f.repr and (value := getattr(self, f.name)) is not None and value != f.default
        )
        return f"{type(self).__name__}({', '.join(shown)})"


class TypedResource(_Typed):
    """Base of the generated resource classes."""

    __slots__ = ()

    #: The UCWA resource type the class stands for.
    RESOURCE_TYPE: ClassVar[str]

    href: str | None
    links: Links
    embedded: Embedded
    extra: Properties
    self_attributes: Attributes
    wire: Wire | None


# The aliases are objects, not strings: typing.get_type_hints (cattrs, attrs.resolve_types,
# pydantic) evaluates the annotations that name them and cannot join a string with "|".
#: An embedded resource: typed where the schema knows its type, else the document model's.
Item: TypeAlias = TypedResource | Resource
#: One ``_embedded`` role: an item, or a tuple of them (a collection).
ItemEntry: TypeAlias = Item | tuple[Item, ...]
_R = TypeVar("_R", bound=TypedResource)


@attrs.frozen(slots=True)
class Embedded:
    """Embedded resources in document order, each role an item or a tuple (a collection).

    The generated subclasses add a property per role whose type the schema knows.
    """

    #: Role → resource type, for the roles of the parent type the schema knows.
    ROLES: ClassVar[Mapping[str, str]] = {}

    entries: tuple[tuple[str, ItemEntry], ...] = ()

    def get(self, role: str) -> Item | None:
        """The first resource of ``role``, else None."""
        for key, entry in self.entries:
            if key == role:
                if not isinstance(entry, tuple):
                    return entry
                if entry:
                    return entry[0]
        return None

    def all(self, role: str) -> tuple[Item, ...]:
        """Every resource of ``role``, in order."""
        found: list[Item] = []
        for key, entry in self.entries:
            if key == role:
                if isinstance(entry, tuple):
                    found.extend(entry)
                else:
                    found.append(entry)
        return tuple(found)

    def __contains__(self, role: object) -> bool:
        return any(key == role for key, _entry in self.entries)

    def __iter__(self) -> Iterator[tuple[str, Item]]:
        for key, entry in self.entries:
            if isinstance(entry, tuple):
                for item in entry:
                    yield key, item
            else:
                yield key, entry

    def _one(self, role: str, cls: type[_R]) -> _R | None:
        for item in self.all(role):
            if isinstance(item, cls):
                return item
        return None

    def _many(self, role: str, cls: type[_R]) -> tuple[_R, ...]:
        return tuple(item for item in self.all(role) if isinstance(item, cls))


_I = TypeVar("_I", bound="TypedInput")


class TypedInput(_Typed):
    """Base of the generated request body classes."""

    __slots__ = ()

    #: The resource type the request is sent to, and its method.
    RESOURCE_TYPE: ClassVar[str]
    VERB: ClassVar[str]

    extra: Properties
    links: Links
    embedded: Embedded
    wire: Wire | None

    @classmethod
    def from_resource(cls: type[_I], resource: TypedResource) -> _I:
        """A body holding ``resource``'s values of this request's parameters, and all of its
        unknown properties (``extra``: the property a PUT must echo); change it with
        ``attrs.evolve``."""
        values = {
            f.metadata["ucwa"]: getattr(resource, f.name)
            for f in attrs.fields(type(resource))
            if "ucwa" in f.metadata
        }
        kwargs: dict[str, Any] = {}
        for f in attrs.fields(cls):
            name = f.metadata.get("ucwa")
            if name is not None and not f.metadata.get("external"):
                value = values.get(name)
                if value is not None:
                    kwargs[f.name] = value
        # The original timestamps, so that an unchanged date is sent as it was read.
        originals = () if resource.wire is None else resource.wire.originals
        kwargs["extra"] = resource.extra
        kwargs["wire"] = Wire(originals=originals) if originals else None
        return cls(**kwargs)
