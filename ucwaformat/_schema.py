"""The UCWA schema: value types, link/embedded cardinalities and roles (FORMAT.md §7, D1-D4, D22).

:meth:`Schema.bundled` loads ``schema/ucwa.json`` (built by ``scripts/build_schema.py`` from the
facts of the UCWA reference pages) once. A :class:`Schema` is immutable; the ``with_*`` methods
return extended copies, which is how reading options (types, ``force_list``) are expressed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

import attrs
import orjson

from ._errors import UcwaFormatError

__all__ = ["PropertyType", "ResourceFacts", "Schema"]

#: The wire types a value can be declared with (FORMAT.md §7.2 and §16).
TYPE_NAMES: Final = frozenset(
    {"string", "integer", "boolean", "datetime", "timespan", "enum", "external"}
)


@attrs.frozen(slots=True)
class PropertyType:
    """The declared type of a property or request parameter.

    ``array`` means a JSON array / XML ``propertyList`` whose items have ``type``; ``enum``
    names the member list (:meth:`Schema.enum_members`) of an ``enum`` type.
    """

    type: str
    array: bool = False
    enum: str | None = None


@attrs.frozen(slots=True)
class ResourceFacts:
    """What the schema knows about one resource type.

    The mappings are plain dicts, for the readers' hot path; treat them as read-only (the bundled
    schema is shared, and ``Schema.with_*`` copies instead of writing to them).
    """

    properties: Mapping[str, PropertyType]
    links: Mapping[str, bool]  # rel -> is collection
    embedded: Mapping[str, tuple[bool | None, str | None]]  # role -> (is collection, type)
    requests: Mapping[str, Mapping[str, PropertyType]]  # VERB -> param -> type


# Never mutated (no code path writes to ResourceFacts mappings); the base of with_* on a new type.
_EMPTY_FACTS: Final = ResourceFacts({}, {}, {}, {})


def _parse_type(spec: str | PropertyType, array: bool = False) -> PropertyType:
    """``"integer"``, ``"list[integer]"`` or a PropertyType; ``array=True`` forces a list."""
    if isinstance(spec, PropertyType):
        return attrs.evolve(spec, array=True) if array and not spec.array else spec
    if not isinstance(spec, str):
        raise UcwaFormatError(f"schema type must be a string or PropertyType, not {spec!r}")
    name = spec
    if name.startswith("list[") and name.endswith("]"):
        name, array = name[5:-1], True
    if name not in TYPE_NAMES:
        valid = ", ".join(sorted(TYPE_NAMES))
        raise UcwaFormatError(f"unknown schema type {spec!r} (expected one of {valid}, or list[…])")
    return PropertyType(name, array)


def _case_index(entries: Mapping[str, PropertyType]) -> dict[str, PropertyType]:
    """Lowercased name -> type, for D22's case-insensitive step.

    Names that differ only in case and disagree on the type are ambiguous and left out, so the
    case-insensitive step never picks one of them at random; the exact step still finds each.
    """
    index: dict[str, PropertyType] = {}
    ambiguous: set[str] = set()
    for name, ptype in entries.items():
        key = name.lower()
        seen = index.setdefault(key, ptype)
        if seen != ptype:
            ambiguous.add(key)
    for key in ambiguous:
        del index[key]
    return index


def _request_index(
    requests: Mapping[str, Mapping[str, PropertyType]],
) -> dict[str, dict[str, PropertyType]]:
    return {verb: _case_index(params) for verb, params in requests.items()}


class _Loader:
    """Reads the ``ucwa.json`` shape, sharing equal :class:`PropertyType` instances."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, bool, str | None], PropertyType] = {}

    def ptype(self, raw: Any, where: str) -> PropertyType:
        if isinstance(raw, PropertyType):
            return raw
        if isinstance(raw, str):
            try:
                return _parse_type(raw)
            except UcwaFormatError as exc:
                raise exc.at(where) from None
        if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= 3:
            raise UcwaFormatError(f"bad schema type {raw!r}", path=where)
        name = raw[0]
        array = raw[1] if len(raw) > 1 else False
        enum = raw[2] if len(raw) > 2 else None
        if (
            not isinstance(name, str)
            or name not in TYPE_NAMES
            or not isinstance(array, bool)
            or not (enum is None or isinstance(enum, str))
        ):
            raise UcwaFormatError(f"bad schema type {raw!r}", path=where)
        key = (name, array, enum)
        cached = self._types.get(key)
        if cached is None:
            cached = self._types[key] = PropertyType(name, array, enum)
        return cached

    def ptypes(self, raw: Any, where: str) -> Mapping[str, PropertyType]:
        return {name: self.ptype(spec, f"{where}.{name}") for name, spec in _items(raw, where)}

    def resource(self, raw: Any, where: str) -> ResourceFacts:
        if not isinstance(raw, Mapping):
            raise UcwaFormatError(f"resource facts must be an object, not {raw!r}", path=where)
        links = {rel: bool(c) for rel, c in _items(raw.get("links"), f"{where}.links")}
        embedded: dict[str, tuple[bool | None, str | None]] = {}
        for role, spec in _items(raw.get("embedded"), f"{where}.embedded"):
            if not isinstance(spec, list | tuple) or len(spec) != 2:
                raise UcwaFormatError(f"bad embedded entry {spec!r}", path=f"{where}.{role}")
            collection, etype = spec
            if not (etype is None or isinstance(etype, str)):
                raise UcwaFormatError(f"bad embedded type {etype!r}", path=f"{where}.{role}")
            embedded[role] = (None if collection is None else bool(collection), etype)
        requests = {
            verb: self.ptypes(params, f"{where}.requests.{verb}")
            for verb, params in _items(raw.get("requests"), f"{where}.requests")
        }
        return ResourceFacts(
            properties=self.ptypes(raw.get("properties"), f"{where}.properties"),
            links=links,
            embedded=embedded,
            requests=requests,
        )


def _items(raw: Any, where: str) -> Iterable[tuple[str, Any]]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise UcwaFormatError(f"expected an object, not {type(raw).__name__}", path=where)
    return raw.items()


#: Bounds of the typing memo (a schema is shared by every conversion in a process, and names
#: and roles come from the input): beyond them lookups are still right, just not remembered.
_MEMO_NAMES: Final = 4096
_MEMO_TYPES: Final = 1024


_NO_LINKS: Final[Mapping[str, bool | None]] = {}

#: What a plain typing gives ``rel``: not a value but the docs dialect's type mark (FORMAT §5).
TYPE_MARK: Final = PropertyType("rel")

#: Types whose values are the text as it is (FORMAT §7.2): only these three are converted.
CONVERTED: Final = frozenset(("integer", "boolean", "datetime"))


class _Typing(dict[str, "PropertyType | None"]):
    """Property name → declared type for one (type, role): :meth:`Schema.property_type`, memoised.

    ``exact`` holds the same entries in a plain dict, for the XML reader's hot loop: CPython's
    quickest subscript is for exact dicts only (try it, and on KeyError subscript this one).
    """

    __slots__ = ("_args", "_schema", "exact")

    def __init__(self, schema: Schema, rtype: str | None, role: str | None, plain: bool) -> None:
        super().__init__()
        self._schema = schema
        self._args = (rtype, role, plain)
        self.exact: dict[str, PropertyType | None] = {}

    def __missing__(self, name: str) -> PropertyType | None:
        rtype, role, plain = self._args
        found = self._schema.property_type(rtype, name, role=role)
        if plain:
            if name == "rel":
                found = TYPE_MARK
            elif found is not None and not found.array and found.type not in CONVERTED:
                found = None
        if len(self) < _MEMO_NAMES:
            self[name] = self.exact[name] = found
        return found


def _bundled_bytes() -> bytes:
    """The bundled ``schema/ucwa.json``: a file beside this module in any ordinary install;
    through the package resources machinery (imported only then, ~5 ms) from a zip file."""
    try:
        with open(os.path.join(os.path.dirname(__file__), "schema", "ucwa.json"), "rb") as file:
            return file.read()
    except OSError:
        from importlib import resources

        return resources.files("ucwaformat").joinpath("schema").joinpath("ucwa.json").read_bytes()


class Schema:
    """Types and cardinalities for translating UCWA documents; immutable.

    Lookups are plain dict lookups: readers call :meth:`resource` once per resource and then
    index ``facts.properties`` / ``facts.links`` directly.
    """

    __slots__ = (
        "_ci_names",
        "_ci_props",
        "_ci_requests",
        "_enums",
        "_memo",
        "_names",
        "_resources",
        "_roles",
        "_types",
    )

    _bundled: ClassVar[Schema | None] = None
    _bundled_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        resources: dict[str, ResourceFacts],
        names: dict[str, PropertyType],
        roles: dict[str, str],
        enums: dict[str, tuple[str, ...]],
        *,
        _ci_props: dict[str, dict[str, PropertyType]] | None = None,
        _ci_requests: dict[str, dict[str, dict[str, PropertyType]]] | None = None,
        _ci_names: dict[str, PropertyType] | None = None,
    ) -> None:
        """Use :meth:`bundled`, :meth:`from_dict` or :meth:`empty`; the dicts become owned."""
        self._resources = resources
        self._names = names
        self._roles = roles
        self._enums = enums
        # The case-insensitive indexes are precomputed (D22 stays O(1)); with_* passes them on
        # with only the changed resource re-indexed.
        self._ci_props = (
            _ci_props
            if _ci_props is not None
            else {t: _case_index(f.properties) for t, f in resources.items()}
        )
        self._ci_requests = (
            _ci_requests
            if _ci_requests is not None
            else {t: _request_index(f.requests) for t, f in resources.items() if f.requests}
        )
        self._ci_names = _ci_names if _ci_names is not None else _case_index(names)
        self._types = frozenset(resources)
        self._memo: dict[tuple[str | None, str | None, bool], _Typing] = {}

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def bundled(cls) -> Schema:
        """The schema shipped with the library (loaded on first use, then shared)."""
        schema = cls._bundled
        if schema is None:
            with cls._bundled_lock:
                schema = cls._bundled
                if schema is None:
                    schema = cls.from_dict(orjson.loads(_bundled_bytes()))
                    Schema._bundled = schema
        return schema

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """A schema from the ``ucwa.json`` shape; missing sections are empty."""
        if not isinstance(data, Mapping):
            raise UcwaFormatError(f"a schema must be an object, not {type(data).__name__}")
        loader = _Loader()
        resources = {
            rtype: loader.resource(raw, f"$.resources.{rtype}")
            for rtype, raw in _items(data.get("resources"), "$.resources")
        }
        names: dict[str, PropertyType] = {}
        for name, raw in _items(data.get("property_names"), "$.property_names"):
            names[name] = loader.ptype(raw, f"$.property_names.{name}")
        roles: dict[str, str] = {}
        for role, rtype in _items(data.get("roles"), "$.roles"):
            # The facts file lists types per role; a one-element list is accepted as well.
            if isinstance(rtype, list | tuple) and len(rtype) == 1:
                rtype = rtype[0]
            if not isinstance(rtype, str):
                raise UcwaFormatError(f"bad role type {rtype!r}", path=f"$.roles.{role}")
            roles[role] = rtype
        enums: dict[str, tuple[str, ...]] = {}
        for name, members in _items(data.get("enumerations"), "$.enumerations"):
            if not isinstance(members, list | tuple):
                raise UcwaFormatError("members must be a list", path=f"$.enumerations.{name}")
            enums[name] = tuple(str(m) for m in members)
        return cls(resources, names, roles, enums)

    @classmethod
    def empty(cls) -> Schema:
        """A schema that knows nothing: every value stays a string, every cardinality is unknown."""
        return cls({}, {}, {}, {})

    # -- lookups --------------------------------------------------------------------------------

    def resource(self, rtype: str | None) -> ResourceFacts | None:
        """The facts of ``rtype``; None for None or a type the schema does not know."""
        if rtype is None:
            return None
        return self._resources.get(rtype)

    def property_type(
        self, rtype: str | None, name: str, *, role: str | None = None
    ) -> PropertyType | None:
        """The declared type of ``name`` (FORMAT §7.2 order, D22); None means keep it a string.

        1. ``resources[rtype]``; 2. if ``rtype`` is unknown, ``resources[role]``;
        3. ``property_names``. Each step tries the exact name, then a case-insensitive match.
        """
        # Step 1, or step 2 when rtype is unknown to the schema and the role names a known type.
        key = rtype if rtype is not None and rtype in self._resources else role
        if key is not None:
            facts = self._resources.get(key)
            if facts is not None:
                found = facts.properties.get(name)
                if found is not None:
                    return found
                found = self._ci_props[key].get(name.lower())
                if found is not None:
                    return found
        found = self._names.get(name)
        if found is not None:
            return found
        return self._ci_names.get(name.lower())

    def typing(self, rtype: str | None, role: str | None = None, *, plain: bool = False) -> _Typing:
        """``typing(rtype, role)[name] == property_type(rtype, name, role=role)``, memoised.

        The readers' hot path: one mapping per resource type, shared by every document read with
        this schema (safe, since a schema never changes). ``plain=True`` is the XML → JSON fast
        path's view: single values that stay text (string, enum, timespan, external) map to
        None, and ``rel`` to :data:`TYPE_MARK`.
        """
        key = (rtype, role, plain)
        found = self._memo.get(key)
        if found is None:
            found = _Typing(self, rtype, role, plain)
            if len(self._memo) < _MEMO_TYPES:
                self._memo[key] = found
        return found

    def fallback_type(self, name: str) -> PropertyType | None:
        """Step 3 only: the name-based type from ``property_names`` (exact, then any case)."""
        found = self._names.get(name)
        if found is not None:
            return found
        return self._ci_names.get(name.lower())

    def link_collection(self, rtype: str | None, rel: str) -> bool | None:
        """Whether link ``rel`` of ``rtype`` is a collection; None if unknown (D2)."""
        return self.link_table(rtype).get(rel)

    def link_table(self, rtype: str | None) -> Mapping[str, bool | None]:
        """``link_table(rtype).get(rel) == link_collection(rtype, rel)``: one lookup of the
        type for all the links of a resource."""
        facts = None if rtype is None else self._resources.get(rtype)
        return _NO_LINKS if facts is None else facts.links

    def embedded_collection(self, rtype: str | None, role: str) -> bool | None:
        """Whether embedded ``role`` of ``rtype`` is a collection; None if unknown (D3).

        Falls back to the links table: the reference pages list many embedded rels there.
        """
        facts = None if rtype is None else self._resources.get(rtype)
        if facts is None:
            return None
        entry = facts.embedded.get(role)
        if entry is not None and entry[0] is not None:
            return entry[0]
        return facts.links.get(role)

    def embedded_type(self, rtype: str | None, role: str) -> str | None:
        """The type of an embedded ``role`` (D4): the parent's facts, else ``roles``, else None."""
        facts = None if rtype is None else self._resources.get(rtype)
        if facts is not None:
            entry = facts.embedded.get(role)
            if entry is not None and entry[1] is not None:
                return entry[1]
        return self._roles.get(role)

    def role_type(self, role: str) -> str | None:
        """The type ``roles`` gives a role (for event ``_embedded``, which has no parent type)."""
        return self._roles.get(role)

    def request_type(self, target: str | None, verb: str, name: str) -> PropertyType | None:
        """The type of parameter ``name`` in a ``verb`` request to ``target`` (D22 as above)."""
        if target is None:
            return None
        facts = self._resources.get(target)
        if facts is None:
            return None
        params = facts.requests.get(verb)
        if params is None:
            return None
        found = params.get(name)
        if found is not None:
            return found
        return self._ci_requests[target][verb].get(name.lower())

    def enum_members(self, name: str) -> tuple[str, ...] | None:
        """The members of enumeration ``name`` (never used to reject a value, D23)."""
        return self._enums.get(name)

    @property
    def resource_types(self) -> frozenset[str]:
        """Every resource type the schema has facts for."""
        return self._types

    def coverage(self) -> dict[str, int]:
        """How much the schema knows (the same counts ``scripts/build_schema.py`` prints)."""
        collection = single = typed = embedded = 0
        for facts in self._resources.values():
            typed += len(facts.properties)
            embedded += len(facts.embedded)
            for is_collection in facts.links.values():
                if is_collection:
                    collection += 1
                else:
                    single += 1
        return {
            "resource_types": len(self._resources),
            "typed_properties": typed,
            "collection_links": collection,
            "single_links": single,
            "embedded_roles": embedded,
            "roles": len(self._roles),
            "enumerations": len(self._enums),
        }

    def __repr__(self) -> str:
        return f"<Schema: {len(self._resources)} resource types, {len(self._names)} names>"

    # -- extension (each returns a new Schema) --------------------------------------------------

    def _with_facts(self, rtype: str, facts: ResourceFacts) -> Schema:
        if not isinstance(rtype, str) or not rtype:
            raise UcwaFormatError(f"a resource type must be a non-empty string, not {rtype!r}")
        ci_requests = dict(self._ci_requests)
        if facts.requests:
            ci_requests[rtype] = _request_index(facts.requests)
        else:
            ci_requests.pop(rtype, None)
        return Schema(
            {**self._resources, rtype: facts},
            self._names,
            self._roles,
            self._enums,
            _ci_props={**self._ci_props, rtype: _case_index(facts.properties)},
            _ci_requests=ci_requests,
            _ci_names=self._ci_names,
        )

    def with_resource(
        self,
        rtype: str,
        *,
        properties: Mapping[str, str | PropertyType] | None = None,
        links: Mapping[str, bool] | None = None,
        embedded: Mapping[str, tuple[bool | None, str | None]] | None = None,
    ) -> Schema:
        """Add ``rtype``, or merge the given entries over its existing facts."""
        old = self._resources.get(rtype, _EMPTY_FACTS)
        new_props = dict(old.properties)
        for name, spec in (properties or {}).items():
            new_props[name] = _parse_type(spec)
        new_links = {**old.links, **{rel: bool(c) for rel, c in (links or {}).items()}}
        new_embedded = dict(old.embedded)
        for role, (collection, etype) in (embedded or {}).items():
            new_embedded[role] = (None if collection is None else bool(collection), etype)
        facts = ResourceFacts(new_props, new_links, new_embedded, old.requests)
        return self._with_facts(rtype, facts)

    def with_property(
        self, rtype: str | None, name: str, type: str | PropertyType, *, array: bool = False
    ) -> Schema:
        """Declare ``name``'s type on ``rtype``, or by name alone (``property_names``) if None."""
        ptype = _parse_type(type, array)
        if rtype is not None:
            return self.with_resource(rtype, properties={name: ptype})
        names = {**self._names, name: ptype}
        return Schema(
            self._resources,
            names,
            self._roles,
            self._enums,
            _ci_props=self._ci_props,
            _ci_requests=self._ci_requests,
            _ci_names=_case_index(names),
        )

    def with_collection(
        self, rtype: str, rel: str, collection: bool = True, *, embedded: bool | None = None
    ) -> Schema:
        """Set the cardinality of ``rel`` on ``rtype`` (D2/D3, ``force_list``).

        ``embedded=None`` sets both the link and the embedded cardinality, ``True`` only the
        embedded one, ``False`` only the link's.
        """
        old = self._resources.get(rtype, _EMPTY_FACTS)
        links: dict[str, bool] = {}
        roles: dict[str, tuple[bool | None, str | None]] = {}
        if embedded is None or not embedded:
            links[rel] = bool(collection)
        if embedded is None or embedded:
            known = old.embedded.get(rel)
            roles[rel] = (bool(collection), None if known is None else known[1])
        return self.with_resource(rtype, links=links, embedded=roles)

    def with_overlay(self, overlay: str | os.PathLike[str] | Mapping[str, Any]) -> Schema:
        """This schema with an overlay applied over it: a path to its JSON file, or the mapping.

        The overlay format (``docs/overlays.md``) is small JSON a person can edit and
        ``ucwaformat learn`` writes: per resource type its ``properties`` (``"datetime"``,
        ``"list[integer]"``, or ``{"type": "enum", "values": [...]}``), ``links`` and
        ``embedded`` roles (``"collection"``/``"single"``, ``{"type": T, "collection": true}``),
        and by name alone ``properties``, ``roles`` and ``enumerations``. What it says wins;
        what it does not say is kept.
        """
        data: Any = overlay
        where = "$"
        if isinstance(overlay, str | os.PathLike):
            where = os.fspath(overlay)
            try:
                with open(overlay, "rb") as file:
                    raw = file.read()
            except OSError as exc:
                raise UcwaFormatError(f"cannot read the overlay: {exc.strerror or exc}") from None
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise UcwaFormatError(
                    f"{where}: {exc.msg}", line=exc.lineno, column=exc.colno
                ) from None
        try:
            return _apply_overlay(self, data)
        except UcwaFormatError as exc:
            if where == "$":
                raise
            raise UcwaFormatError(f"{where}: {exc.msg}", path=exc.path) from None

    def with_role(self, role: str, rtype: str) -> Schema:
        """Say that embedded/link ``role`` holds resources of type ``rtype`` (D4)."""
        if not isinstance(rtype, str) or not rtype:
            raise UcwaFormatError(f"a resource type must be a non-empty string, not {rtype!r}")
        return Schema(
            self._resources,
            self._names,
            {**self._roles, role: rtype},
            self._enums,
            _ci_props=self._ci_props,
            _ci_requests=self._ci_requests,
            _ci_names=self._ci_names,
        )


# -- overlays ---------------------------------------------------------------------------------

#: The sections of an overlay, and of each of its resource types.
OVERLAY_KEYS: Final = frozenset(("overlay", "note", "resources", "properties", "roles", "enumerations"))
OVERLAY_TYPE_KEYS: Final = frozenset(("note", "properties", "links", "embedded"))
#: How an overlay spells a cardinality.
CARDINALITIES: Final[dict[str, bool]] = {"collection": True, "single": False}


def _overlay_type(
    spec: Any, where: str, old: PropertyType | None, enums: dict[str, tuple[str, ...]], enum_name: str
) -> PropertyType:
    """One property entry of an overlay → its type; enumeration values join ``enums``."""
    if isinstance(spec, str):
        try:
            found = _parse_type(spec)
        except UcwaFormatError as exc:
            raise exc.at(where) from None
        if found.type == "enum" and old is not None and old.type == "enum":
            return attrs.evolve(found, enum=old.enum)  # the base's members stay
        return found
    if not isinstance(spec, Mapping):
        raise UcwaFormatError(
            f"a property's type is a string or an object, not {type(spec).__name__}", path=where
        )
    unknown = set(spec) - {"type", "list", "values", "note"}
    if unknown:
        raise UcwaFormatError(f"unknown member {sorted(unknown)[0]!r}", path=where)
    name = spec.get("type", "enum" if "values" in spec else None)
    array = spec.get("list", False)
    if not isinstance(name, str) or not isinstance(array, bool):
        raise UcwaFormatError("'type' must be a string and 'list' true or false", path=where)
    try:
        found = _parse_type(name, array)
    except UcwaFormatError as exc:
        raise exc.at(where) from None
    values = spec.get("values")
    if values is None:
        return found
    if found.type != "enum":
        raise UcwaFormatError("'values' belong to an enum type", path=where)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise UcwaFormatError("'values' must be a list of strings", path=where)
    # The values join the enumeration the base type names (one list shared by every resource
    # that uses it), or a new one named for this property.
    enum = old.enum if old is not None and old.type == "enum" and old.enum else enum_name
    known = enums.get(enum, ())
    enums[enum] = known + tuple(v for v in dict.fromkeys(values) if v not in known)
    return attrs.evolve(found, enum=enum)


def _overlay_embedded(spec: Any, where: str) -> tuple[bool | None, str | None]:
    if isinstance(spec, str):
        return None, spec  # the role's type, its cardinality untold
    if not isinstance(spec, Mapping) or set(spec) - {"type", "collection", "note"}:
        raise UcwaFormatError(
            'an embedded role is a type name or {"type": …, "collection": true|false}', path=where
        )
    etype, collection = spec.get("type"), spec.get("collection")
    if not (etype is None or (isinstance(etype, str) and etype)) or not (
        collection is None or isinstance(collection, bool)
    ):
        raise UcwaFormatError("bad embedded role entry", path=where)
    return collection, etype


def _overlay_link(spec: Any, where: str) -> bool:
    if isinstance(spec, bool):
        return spec
    found = CARDINALITIES.get(spec) if isinstance(spec, str) else None
    if found is None:
        raise UcwaFormatError(f"a link is 'collection' or 'single', not {spec!r}", path=where)
    return found


def _apply_overlay(base: Schema, data: Any) -> Schema:
    """``base`` with the overlay ``data`` over it: a new schema, re-indexed where it changed."""
    if not isinstance(data, Mapping):
        raise UcwaFormatError(f"an overlay is an object, not {type(data).__name__}", path="$")
    unknown = set(data) - OVERLAY_KEYS
    if unknown:
        raise UcwaFormatError(f"unknown overlay section {sorted(unknown)[0]!r}", path="$")
    resources = dict(base._resources)
    enums = dict(base._enums)
    for name, members in _items(data.get("enumerations"), "$.enumerations"):
        where = f"$.enumerations.{name}"
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise UcwaFormatError("an enumeration is a list of strings", path=where)
        known = enums.get(name, ())
        enums[name] = known + tuple(m for m in dict.fromkeys(members) if m not in known)
    changed: list[str] = []
    for rtype, raw in _items(data.get("resources"), "$.resources"):
        where = f"$.resources.{rtype}"
        if not isinstance(raw, Mapping):
            raise UcwaFormatError("a resource type's entry is an object", path=where)
        unknown = set(raw) - OVERLAY_TYPE_KEYS
        if unknown:
            raise UcwaFormatError(f"unknown member {sorted(unknown)[0]!r}", path=where)
        old = resources.get(rtype, _EMPTY_FACTS)
        props = dict(old.properties)
        for name, spec in _items(raw.get("properties"), f"{where}.properties"):
            props[name] = _overlay_type(
                spec, f"{where}.properties.{name}", props.get(name), enums, f"{rtype}.{name}"
            )
        links = dict(old.links)
        for rel, spec in _items(raw.get("links"), f"{where}.links"):
            links[rel] = _overlay_link(spec, f"{where}.links.{rel}")
        embedded = dict(old.embedded)
        for role, spec in _items(raw.get("embedded"), f"{where}.embedded"):
            collection, etype = _overlay_embedded(spec, f"{where}.embedded.{role}")
            known_c, known_t = embedded.get(role, (None, None))
            embedded[role] = (
                known_c if collection is None else collection,
                known_t if etype is None else etype,
            )
        resources[rtype] = ResourceFacts(props, links, embedded, old.requests)
        changed.append(rtype)
    names = dict(base._names)
    for name, spec in _items(data.get("properties"), "$.properties"):
        names[name] = _overlay_type(spec, f"$.properties.{name}", names.get(name), enums, name)
    roles = dict(base._roles)
    for role, rtype in _items(data.get("roles"), "$.roles"):
        if not isinstance(rtype, str) or not rtype:
            raise UcwaFormatError("a role names a resource type", path=f"$.roles.{role}")
        roles[role] = rtype
    ci_props = dict(base._ci_props)
    for rtype in changed:
        ci_props[rtype] = _case_index(resources[rtype].properties)
    return Schema(
        resources,
        names,
        roles,
        enums,
        _ci_props=ci_props,
        _ci_requests=base._ci_requests,
        _ci_names=_case_index(names) if names != base._names else base._ci_names,
    )
