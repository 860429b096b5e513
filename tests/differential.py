"""What the differential tests share: an outcome to compare between two paths, a check that a
path builds no model, and the inputs they run through every path.

``test_sinks`` holds the XML reader's JSON sink (``xml_to_json``) to the model path,
``test_xml_sink`` the JSON reader's XML sink (``json_to_xml``), ``test_stream`` the streaming
paths to the tree path, ``test_paths_agree`` every path to every other, ``test_typed_paths`` the
typed sink to ``structure(from_xml(...))``: each compares what a caller sees.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ucwaformat import Loss, UcwaFormatError

#: ``("ok", output, losses)`` or ``("error", message, line, column, path, losses)``.
Outcome = tuple[Any, ...]


def outcome(
    convert: Callable[..., Any], data: bytes | str, strict: bool, **options: Any
) -> Outcome:
    """Everything a caller sees of ``convert(data, ...)``: the output or the error (message,
    line, column, path; a ``UcwaFormatError`` itself, never a subclass or a foreign exception)
    and the losses reported, in order."""
    report: list[Loss] = []
    try:
        out = convert(data, strict=strict, report=report, **options)
    except UcwaFormatError as exc:
        assert type(exc) is UcwaFormatError
        return ("error", exc.msg, exc.line, exc.column, exc.path, report)
    return ("ok", out, report)


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was built")


def builds_none(
    convert: Callable[..., Any],
    data: bytes | str,
    module: ModuleType,
    names: tuple[str, ...],
    **options: Any,
) -> bool:
    """Whether ``convert(data, ...)`` runs without building any of the model classes ``names``
    as ``module`` sees them (an error in the input still counts as building none)."""
    with pytest.MonkeyPatch.context() as m:
        for name in names:
            m.setattr(module, name, _refuse)
        try:
            convert(data, report=[], **options)
        except AssertionError:
            return False
        except UcwaFormatError:
            pass
    return True


# -- inputs the differential tests share ---------------------------------------------------------

#: Write options: both dialects, pretty or not, a display offset.
WRITES: list[dict[str, Any]] = [
    {},
    {"dialect": "docs", "pretty": True},
    {"pretty": True},
    {"dialect": "docs", "default_offset": -420},
]


def mutated(files: list[Path], seed: int, count: int) -> list[bytes]:
    """Byte-mutated copies of corpus documents: flips to structure, control and UTF-8 bytes."""
    rng = random.Random(seed)
    sources = [p.read_bytes() for p in files]
    alphabet = b'\xff\xc3\x0c\x0b"{}[]<>\x00\x80\\ /:=&'
    out = []
    for _ in range(count):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(data))
            op = rng.random()
            if op < 0.4:
                data[i] = rng.choice(alphabet)
            elif op < 0.7:
                data.insert(i, rng.choice(alphabet))
            else:
                del data[i]
        out.append(bytes(data))
    return out


#: A conversation with a bit of everything; :data:`EDITS` change it to reach every edge of the
#: mapping (losses and errors of the reader and of the writer).
BASE: dict[str, Any] = {
    "rel": "conversation",
    "state": "Connected",
    "participantCount": 3,
    "readLocally": True,
    "created": "/Date(1451700245123+0100)/",
    "activeModalities": ["Messaging", "Audio"],
    "_links": {
        "self": {"href": "/c/1"},
        "participants": {"href": "/c/1/p"},
        "messaging": {"href": "/c/1/m", "title": "t"},
    },
    "_embedded": {
        "localParticipant": {
            "rel": "localParticipant",
            "_links": {"self": {"href": "/c/1/lp"}},
            "name": "Me",
            "anonymous": False,
        },
        "participant": [
            {"_links": {"self": {"href": "/c/1/p/1"}}, "name": "A"},
            {"rel": "participant", "_links": {"self": {"href": "/c/1/p/2"}}, "name": "B"},
        ],
    },
}


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path
        node: Any = doc
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path
        node: Any = doc
        for key in parents:
            node = node[key]
        del node[last]

    return edit


def _both(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        for one in edits:
            one(doc)

    return edit


_LP = ("_embedded", "localParticipant")
_P1 = ("_embedded", "participant", 0)

# Each edit of BASE: most make the reader or the writer report or raise; both paths must give
# the same outcome, and json_to_xml must not need the model for it.
EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "unchanged": lambda doc: None,
    "null property": _set(("state",), None),
    "null in an array": _set(("activeModalities",), ["a", None, "b"]),
    "empty array": _set(("activeModalities",), []),
    "empty link array": _set(("_links", "participants"), []),
    "link array": _set(("_links", "participants"), [{"href": "/1"}, {"href": "/2", "x": "y"}]),
    "empty resource array": _set(("_embedded", "participant"), []),
    "embedded type not its role": _set((*_LP, "rel"), "participant"),
    "embedded stub with a type": _set(("_embedded", "localParticipant"), {"rel": "x"}),
    "typeless embedded with content": _drop((*_LP, "rel")),
    "typeless root": _drop(("rel",)),
    "root without self": _drop(("_links", "self")),
    "empty root type": _set(("rel",), ""),
    "rel in the middle": lambda doc: doc.update(
        {k: doc.pop(k) for k in ["state", "rel", "participantCount", "_links", "_embedded"]}
    ),
    "_embedded before _links": lambda doc: doc.update(
        {k: doc.pop(k) for k in ["_embedded", "_links"]}
    ),
    "untyped integer": _set((*_LP, "shoeSize"), 42),
    "untyped boolean": _set((*_P1, "tall"), True),
    "untyped date": _set(("whenever",), "/Date(1)/"),
    "float": _set(("participantCount",), 1.5),
    "big integer": _set(("participantCount",), 10**30),
    "huge integer": _set(("shoeSize",), 10**400),
    "date with sub-ms ticks and offset": _set(("created",), "/Date(-62135596800000+0100)/"),
    "date at the end of the range": _set(("created",), "/Date(253402300799999+0100)/"),
    "ISO date": _set(("created",), "2016-01-02T03:04:05.1234567+01:00"),
    "bad ISO date": _set(("created",), "yesterday"),
    "escaped text": _set(("state",), "a&b<c>\"d'\r\n\t]]>"),
    "control character": _set(("state",), "a\x01b"),
    "lone surrogate": _set(("state",), "a\ud800b"),
    "escaped property name": lambda doc: doc.update({'a"<&b': "x"}),
    "link attribute not an XML name": _set(("_links", "participants", "a b"), "x"),
    "link attribute namespaced": _set(("_links", "participants", "{urn:x}a"), "x"),
    "link attribute in no namespace": _set(("_links", "participants", "{}a"), "x"),
    "self attributes": _set(("_links", "self", "revision"), "2"),
    "self without href": _set(("_links", "self"), {"revision": "2"}),
    "embedded self attribute not a name": _set((*_P1, "_links", "self", "1x"), "v"),
    "writer error then a reader error": _both(
        _set((*_P1, "_links", "self", "1x"), "v"),
        _set(("_embedded", "participant", 1, "_links"), 3),
    ),
    "writer error then a writer loss": _both(
        _set((*_P1, "_links", "self", "1x"), "v"), _set(("zzz",), None)
    ),
    "writer loss then a writer error": _both(
        _set(("state",), None), _set((*_P1, "_links", "self", "1x"), "v")
    ),
    "reader loss after writer losses": _both(
        _set((*_P1, "name"), None), _set(("participantCount",), 1.5)
    ),
    "link not an object": _set(("_links", "participants"), "x"),
    "link without href": _set(("_links", "participants"), {"title": "t"}),
    "rel conflict": _set(("_links", "participants", "rel"), "other"),
    "resource not an object": _set(("_embedded", "localParticipant"), 3),
    "object as a value": _set(("state",), {"a": 1}),
    "object in an array": _set(("activeModalities",), ["a", {}, []]),
    "rel not a string": _set(("rel",), 3),
    "embedded rel not a string": _set((*_LP, "rel"), 3),
    "deeply embedded": _set(
        (*_LP, "_embedded"), {"x": {"_embedded": {"y": [{"a": None}, {"b": []}]}}}
    ),
    "many attributes": _set(
        ("_links", "participants"), {"href": "/p", **{f"a{i}": "v" for i in range(300)}}
    ),
}


def _page(*events: Any, **sender: Any) -> dict[str, Any]:
    return {
        "_links": {"self": {"href": "/e?ack=1"}, "next": {"href": "/e?ack=2"}},
        "sender": [{"rel": "communication", "href": "/c", **sender, "events": list(events)}],
    }


_CONVERSATION = {
    "_links": {"self": {"href": "/c/1"}, "messaging": {"href": "/c/1/m"}},
    "_embedded": {"participant": {"_links": {"self": {"href": "/p"}}, "name": "Ann"}},
    "participantCount": 2,
    "state": "Connected",
    "rel": "conversation",
}

EVENT_CASES: dict[str, Any] = {
    "plain": _page({"link": {"rel": "m", "href": "/m"}, "type": "added"}),
    "embedded, nested": _page(
        {
            "link": {"rel": "conversation", "href": "/c/1", "title": "t"},
            "_embedded": {"conversation": _CONVERSATION},
            "type": "updated",
        },
        {"link": {"rel": "m", "href": "/m"}, "type": "deleted"},
    ),
    "provisional members": _page(
        {
            "link": {"rel": "messaging", "href": "/c/m", "title": "m"},
            "in": {"rel": "conversation", "href": "/c/1", "x": "y"},
            "status": "Failure",
            "reason": {"code": "Forbidden", "subcode": None, "message": "no"},
            "priority": "High",
            "count": 3,
            "flag": True,
            "extra": {"a": "b"},
            "_embedded": {"conversation": _CONVERSATION},
            "type": "completed",
        }
    ),
    "unknown type": _page({"link": {"rel": "m", "href": "/m"}, "type": "renamed"}),
    "sender attributes": _page({"link": {"rel": "m", "href": "/m"}, "type": "added"}, title="T"),
    "no events": _page(),
    "empty page": {"_links": {"self": {"href": "/e"}, "resync": {"href": "/r"}}, "sender": []},
    "self attributes": {"_links": {"self": {"href": "/e", "title": "x"}}, "sender": []},
    "two senders": {
        "sender": [
            {
                "rel": "a",
                "href": "/a",
                "events": [{"link": {"rel": "m", "href": "/m"}, "type": "added"}],
            },
            {
                "rel": "b",
                "href": "/b",
                "events": [{"link": {"rel": "n", "href": "/n"}, "type": "started"}],
            },
        ]
    },
    "escaping": _page({"link": {"rel": "m", "href": "/m?a=1&b=<2>"}, "type": "added"}, title='"q"'),
    # Errors of the writer, after losses of the reader and of the writer:
    "bad control character": _page(
        {"link": {"rel": "m", "href": "/m"}, "status": "s", "type": "added"},
        {"link": {"rel": "m", "href": "/m\x01"}, "type": "added"},
    ),
    "bad sender character": {
        "sender": [
            {
                "rel": "a",
                "href": "/a",
                "events": [{"link": {"rel": "m", "href": "/m"}, "type": "x"}],
            },
            {"rel": "b", "href": "/b\x02", "events": []},
        ]
    },
    "bad page character": {"_links": {"self": {"href": "/e\x03"}}, "sender": []},
    "bad member name": _page({"link": {"rel": "m", "href": "/m"}, "type": "added", "a b": {}}),
    "bad embedded character": _page(
        {
            "link": {"rel": "conversation", "href": "/c/1"},
            "_embedded": {"conversation": {**_CONVERSATION, "state": "\x04"}},
            "type": "updated",
        },
        {"link": {"rel": "m", "href": "/m"}, "type": "weird"},
    ),
    # Errors of the reader:
    "bad type name": _page({"link": {"rel": "m", "href": "/m"}, "type": "a b"}),
    "no link": _page({"type": "added"}),
    "embedded array": _page(
        {"link": {"rel": "m", "href": "/m"}, "_embedded": {"c": [_CONVERSATION]}, "type": "added"}
    ),
}
