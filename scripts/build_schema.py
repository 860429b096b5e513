#!/usr/bin/env python3
"""Build ``ucwaformat/schema/ucwa.json`` from ``tests/data/schema-facts.json``.

The facts file documents every fact with its evidence; the bundled schema keeps only what the
translator needs (types, cardinalities, roles, enum members) in a compact, sorted, diffable form.
``tests/data/schema-supplement.json`` adds what real servers send beyond the reference pages, in
the same shape and with its evidence too; it is merged over the facts before the build, and may
add a fact but never contradict one.

Usage::

    python scripts/build_schema.py [FACTS]          # write the schema, print coverage
    python scripts/build_schema.py --check [FACTS]  # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_FACTS: Final = REPO_ROOT / "tests" / "data" / "schema-facts.json"
SUPPLEMENT: Final = REPO_ROOT / "tests" / "data" / "schema-supplement.json"
OUTPUT: Final = REPO_ROOT / "ucwaformat" / "schema" / "ucwa.json"
GENERATED_BY: Final = (
    "scripts/build_schema.py from tests/data/schema-facts.json and tests/data/schema-supplement.json"
)

#: Wire types the library types values with. ``unknown`` (no evidence) is dropped: absent means
#: "keep it a string" (D1). ``binary`` (request bodies that are not UCWA, e.g. SDP) is dropped too:
#: such a body is never translated, so there is nothing to type.
TYPES: Final = frozenset(
    {"string", "integer", "boolean", "datetime", "timespan", "enum", "external"}
)

#: Top-level keys that are written one entry per line, so the committed file diffs well.
_LINE_PER_ENTRY: Final = frozenset({"enumerations", "property_names", "resources", "roles"})

JSON = dict[str, Any]


def _typed(fact: Mapping[str, Any]) -> list[Any] | None:
    """``[type, array, enum_or_null]`` for a property or parameter fact, None if untyped."""
    kind = fact.get("type")
    if kind not in TYPES:
        return None
    enum = fact.get("enum")
    return [kind, bool(fact.get("array", False)), enum if isinstance(enum, str) else None]


def _resource(facts: Mapping[str, Any]) -> JSON:
    properties: JSON = {}
    for name, fact in facts.get("properties", {}).items():
        typed = _typed(fact)
        if typed is not None:
            properties[name] = typed

    links: JSON = {}
    for rel, fact in facts.get("links", {}).items():
        cardinality = fact.get("cardinality")
        if cardinality in ("single", "collection"):
            links[rel] = cardinality == "collection"

    embedded: JSON = {}
    for role, fact in facts.get("embedded", {}).items():
        cardinality = fact.get("cardinality")
        collection = (
            None if cardinality not in ("single", "collection") else (cardinality == "collection")
        )
        etype = fact.get("type")
        embedded[role] = [collection, etype if isinstance(etype, str) else None]

    requests: JSON = {}
    for verb, operation in facts.get("operations", {}).items():
        request = operation.get("request") if isinstance(operation, Mapping) else None
        if not isinstance(request, Mapping):  # absent, or null = empty body
            continue
        params = {}
        for param, fact in request.items():
            typed = _typed(fact)
            if typed is not None:
                params[param] = typed
        if params:
            requests[verb] = params

    # Empty sections are left out to keep the file small; the loader treats them as empty.
    out: JSON = {}
    for key, value in (
        ("embedded", embedded),
        ("links", links),
        ("properties", properties),
        ("requests", requests),
    ):
        if value:
            out[key] = value
    return out


def build(facts: Mapping[str, Any]) -> JSON:
    """The bundled schema (a plain JSON-able dict) for a parsed facts file."""
    resources = {rtype: _resource(rfacts) for rtype, rfacts in facts["resources"].items()}

    property_names: JSON = {}
    for name, fact in facts.get("property_names", {}).items():
        # Entries with "types" (plural) disagree across resources: no name-based fallback.
        if fact.get("type") in TYPES:
            property_names[name] = [fact["type"], bool(fact.get("array", False))]

    roles: JSON = {}
    for role, types in facts.get("roles", {}).items():
        if len(types) != 1:
            raise SystemExit(f"role {role!r} has {len(types)} types {types!r}; expected exactly 1")
        roles[role] = types[0]

    enumerations = {name: list(members) for name, members in facts.get("enumerations", {}).items()}

    source = facts.get("source", {})
    return {
        "enumerations": enumerations,
        "generated_by": GENERATED_BY,
        "property_names": property_names,
        "resources": resources,
        "roles": roles,
        "source": {
            "repository": source.get("repository"),
            "commit": source.get("commit"),
            "folder": source.get("folder"),
            "license": source.get("license", "CC BY 4.0"),
            "copyright": "Microsoft Corporation",
            "note": "names, types, cardinalities and enum members derived from the UCWA "
            "reference pages of the repository above",
        },
    }


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def render(schema: Mapping[str, Any]) -> str:
    """Deterministic text: sorted keys, one resource/name/role/enumeration per line."""
    parts = []
    for key in sorted(schema):
        value = schema[key]
        if key in _LINE_PER_ENTRY and isinstance(value, Mapping) and value:
            body = ",\n".join(f"{_dump(k)}:{_dump(value[k])}" for k in sorted(value))
            parts.append(f"{_dump(key)}:{{\n{body}\n}}")
        else:
            parts.append(f"{_dump(key)}:{_dump(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def coverage(schema: Mapping[str, Any]) -> dict[str, int]:
    """Counts; the first seven keys are the same as ``Schema.coverage()``."""
    resources: Mapping[str, Any] = schema.get("resources", {})
    by_type: Counter[str] = Counter()
    links: Counter[bool] = Counter()
    params = embedded = 0
    for facts in resources.values():
        for kind, array, _enum in facts.get("properties", {}).values():
            by_type[f"list[{kind}]" if array else kind] += 1
        links.update(facts.get("links", {}).values())
        embedded += len(facts.get("embedded", {}))
        params += sum(len(p) for p in facts.get("requests", {}).values())
    counts = {
        "resource_types": len(resources),
        "typed_properties": sum(by_type.values()),
        "collection_links": links[True],
        "single_links": links[False],
        "embedded_roles": embedded,
        "roles": len(schema.get("roles", {})),
        "enumerations": len(schema.get("enumerations", {})),
        "property_names": len(schema.get("property_names", {})),
        "request_parameters": params,
    }
    counts.update({f"typed_properties.{k}": v for k, v in sorted(by_type.items())})
    return counts


#: The sections of a resource's facts that a supplement may add entries to.
_SUPPLEMENTED: Final = ("properties", "links", "embedded")


def supplement(facts: Mapping[str, Any], extra: Mapping[str, Any]) -> JSON:
    """``facts`` with the entries of a supplement added (a new copy; ``facts`` is not changed).

    Every entry must name its evidence (``sources``), and may not contradict a fact the
    reference pages give: only an entry the facts lack, or have without a type or cardinality,
    is taken.
    """
    merged = dict(facts)
    resources = {rtype: dict(rfacts) for rtype, rfacts in facts["resources"].items()}
    for rtype, rextra in extra.get("resources", {}).items():
        rfacts = resources.setdefault(rtype, {})
        for section in _SUPPLEMENTED:
            entries = dict(rfacts.get(section, {}))
            for name, entry in rextra.get(section, {}).items():
                where = f"supplement: {rtype}.{section}.{name}"
                if not entry.get("sources"):
                    raise SystemExit(f"{where} names no sources")
                known = entries.get(name, {})
                for key in ("type", "cardinality"):
                    page = known.get(key)
                    if page not in (None, "unknown") and key in entry and entry[key] != page:
                        raise SystemExit(
                            f"{where}: {key} {entry[key]!r} contradicts the reference pages' {page!r}"
                        )
                entries[name] = {**known, **entry}
            if entries:
                rfacts[section] = entries
    merged["resources"] = resources
    return merged


def generate(facts_path: Path = DEFAULT_FACTS, supplement_path: Path = SUPPLEMENT) -> str:
    """The text ``ucwa.json`` should hold for the facts file at ``facts_path`` with the
    supplement at ``supplement_path`` merged over it."""
    with facts_path.open(encoding="utf-8") as fh:
        facts = json.load(fh)
    with supplement_path.open(encoding="utf-8") as fh:
        extra = json.load(fh)
    return render(build(supplement(facts, extra)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("facts", nargs="?", type=Path, default=DEFAULT_FACTS)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed schema is out of date"
    )
    args = parser.parse_args(argv)

    text = generate(args.facts)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if current != text:
            print(
                f"{OUTPUT.relative_to(REPO_ROOT)} is out of date; run {GENERATED_BY.split()[0]}",
                file=sys.stderr,
            )
            return 1
        print(f"{OUTPUT.relative_to(REPO_ROOT)} is up to date")
        return 0

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    # newline="\n": the same bytes on every platform, so --check is stable.
    with OUTPUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} ({len(text.encode())} bytes)")
    for key, value in coverage(json.loads(text)).items():
        print(f"  {key:<28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
