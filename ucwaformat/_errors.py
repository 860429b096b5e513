"""The one error type of the library, how it spells a position (``$.path``, line and column),
and the fidelity report entries."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, Protocol

import attrs

__all__ = [
    "DEFAULT_LIMITS",
    "LOSS_KINDS",
    "Limits",
    "Loss",
    "LossSink",
    "Recorder",
    "UcwaFormatError",
    "member_path",
    "path_of",
]

_IDENT: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")


def member_path(path: str, name: str) -> str:
    """``$.a`` + ``b`` → ``$.a.b``; names that are not identifiers are quoted: ``$.a["x y"]``."""
    if (name.isascii() and name.isidentifier()) or _IDENT.match(name):
        return f"{path}.{name}"
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'{path}["{escaped}"]'


def path_of(path: str, *parts: str | int) -> str:
    """``path`` with member names and array indices appended: ``path_of("$", "a", 0)`` is
    ``$.a[0]``. Writers pass the parts and let this run only when something is reported."""
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else member_path(path, part)
    return path


class UcwaFormatError(ValueError):
    """Bad input or a value that cannot be carried, with where it is.

    ``line``/``column`` (1-based) locate syntax errors in the input text; ``path`` (``$.a.b[2]``)
    locates structural errors in the document; an element missing an attribute has both. The
    message renders the position, e.g. ``unknown root element 'foo' (at line 1, column 1)``,
    ``… (at $._embedded.contact[2])`` or ``<link> without 'href' (at line 7, $._embedded.a)``.
    """

    def __init__(
        self,
        msg: str,
        *,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        self.msg = msg
        self.line = line
        self.column = column
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
            if self.column is not None:
                where.append(f"column {self.column}")
        if self.path is not None:
            where.append(self.path)
        return f"{self.msg} (at {', '.join(where)})" if where else self.msg

    def at(self, path: str) -> UcwaFormatError:
        """This error with a ``$.path`` (kept if it already has a position)."""
        if self.line is not None or self.path is not None:
            return self
        return UcwaFormatError(self.msg, path=path)


@attrs.frozen
class Loss:
    """One thing a conversion could not carry, or repaired, or guessed (FORMAT.md §14).

    ``kind`` is one of the strings in :data:`LOSS_KINDS`; ``path`` is where in the document.
    """

    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.kind}]"


class LossSink(Protocol):
    """Where a streaming conversion can send its losses instead of a list: anything with an
    ``append`` method (a list is one), called once per loss, in order."""

    def append(self, loss: Loss, /) -> None: ...


#: Every kind of loss a conversion can report, with what it means. The README lists the same.
LOSS_KINDS: Final[dict[str, str]] = {
    "sub-ms": "a timestamp had digits below the millisecond; JSON dates carry milliseconds only (D9)",
    "offset": "a timestamp's display offset was dropped: JSON dates are written in UTC (D8), XML ones at the ends of the range too (§8.3)",
    "empty-collection": "an empty _links/_embedded array has no XML form and was left out (D12)",
    "cardinality": "whether a relation is a collection was guessed; the schema does not know it (D2/D3)",
    "type": "a value did not parse as its schema type and was kept as a string (D1, §7.2)",
    "untyped": "a JSON integer, boolean or /Date()/ date went to XML under a name the schema does not type so; it reads back as a string (D1, D13)",
    "null": "a JSON null property has no XML form and was left out (D11)",
    "zone": "an ISO date had no zone and was read as UTC (D10)",
    "date": "a /Date()/ string was out of range and kept as a string, or read leniently: blanks or an invalid offset dropped, an hours-only offset written with minutes (§8.1, §14.1)",
    "rel-conflict": 'one fact was written twice, differently: <property name="rel"> and the root\'s rel attribute (the property won), a link\'s rel member and its key (the key won), <link rel="self"> and the href attribute (the attribute won) (§3, §5)',
    "duplicate": "a property name or JSON key appeared twice; the last one won (D24)",
    "namespace": "UCWA elements without the UCWA namespace were read as UCWA (D20)",
    "mixed-content": "an element held text or children where none belong; it was dropped or flattened (D19)",
    "float": "a JSON number with a fraction has no UCWA form; written as its shortest decimal text (§7.3)",
    "value": "a property value that is an object, or a null or nested item in an array, was skipped (§7.3)",
    "element": "an element the XML grammar does not have was skipped (D19)",
    "text": "text directly inside resource/input was dropped (§14.1)",
    "dto": "a document of an unknown DTO kind was read with the generic mapping (§11)",
    "event": "an event member XML does not document was carried in its provisional form (D18)",
    "rel": "an embedded resource's type has no place in the server dialect; readers infer it (§5, D4)",
    "kind": "a document's JSON reads back as another kind (JSON has no root element, D16): an input of only error members, an event page without senders or page links",
}


def _positive(_obj: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an int, not {type(value).__name__!r}")
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


@attrs.frozen
class Limits:
    """How much of one document a conversion reads before it refuses it (a ``UcwaFormatError``).

    The defaults are safe for input from the network (docs/hostile-input.md says why each):

    - ``max_depth``: resources nested in resources (the XML parser itself stops at 256
      elements, orjson at 1024 levels);
    - ``max_attributes``: attributes of one XML element (lxml reads them in time quadratic in
      their number; UCWA elements have a handful);
    - ``max_value_size``: characters in one value, a property's text, an attribute or a JSON
      string. The default is the XML parser's own bound on one text node (10,000,000 bytes,
      which no option lifts: huge trees are never allowed), so that both forms refuse alike.
    """

    max_depth: int = attrs.field(default=200, validator=_positive)
    max_attributes: int = attrs.field(default=1000, validator=_positive)
    max_value_size: int = attrs.field(default=10_000_000, validator=_positive)


#: The limits a conversion reads under when it is given none.
DEFAULT_LIMITS: Final = Limits()

#: The command's flag for each limit (``convert`` and ``serve``): its field of
#: :class:`Limits` (the argument's name too) and what its N counts.
LIMIT_FLAGS: Final = (
    ("max_depth", "resources nested in resources"),
    ("max_attributes", "attributes of one XML element"),
    ("max_value_size", "characters in one value (property text, attribute, JSON string)"),
)


def add_limit_arguments(group: Any, number: Callable[[str], int]) -> None:
    """``--max-depth N`` and the other limits on an argparse ``group`` (``number`` parses N)."""
    for field, what in LIMIT_FLAGS:
        default = getattr(DEFAULT_LIMITS, field)
        group.add_argument(
            "--" + field.replace("_", "-"),
            type=number,
            default=default,
            metavar="N",
            help=f"refuse more than N {what} (default {default})",
        )


def limits_of(args: Any) -> Limits:
    """The :class:`Limits` of parsed arguments that :func:`add_limit_arguments` added."""
    return Limits(**{field: getattr(args, field) for field, _what in LIMIT_FLAGS})


class Recorder:
    """Where a conversion sends its losses: raise on the first (strict) or append to a list.

    It also carries the conversion's :class:`Limits`: it is the one object that every reader
    of every kind is handed, so a limit reaches each reader without a parameter of its own.
    """

    __slots__ = ("hears", "limits", "losses", "strict")

    def __init__(
        self, strict: bool, losses: list[Loss] | None, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self.strict = strict
        self.losses = losses
        self.limits = limits
        #: Whether a loss does anything (raise or be kept): a writer can skip looking for them.
        self.hears = strict or losses is not None

    def loss(self, kind: str, path: str, message: str) -> None:
        """Record one loss; in strict mode it is an error instead.

        Messages read ``"<what is wrong>; <what lenient reading did about it>"``; an error
        states only the first half, since nothing was done.
        """
        if self.strict:
            raise UcwaFormatError(message.split("; ", 1)[0], path=path)
        if self.losses is not None:
            self.losses.append(Loss(kind, path, message))
