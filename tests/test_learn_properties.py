"""Property: an overlay learned from a document's JSON reads that document's XML as the schema
made for it does (the JSON form carries every fact the XML reader needs from a schema)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings

import ucwaformat
from ucwaformat import Resource, Schema
from ucwaformat._learn import Learner
from ucwaformat.testing.strategies import schema_documents


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema_documents(mode="xml", dialect="server", kinds=("resource",), big_ints=False))
def test_a_learned_overlay_reads_the_xml_as_the_schema_made_for_it(g: Any) -> None:
    doc = g.doc
    assert isinstance(doc, Resource)
    assume(doc.type is not None)  # a typeless root has no type to learn its facts under
    learner = Learner(Schema.empty())
    learner.add_json(ucwaformat.to_json(doc), "doc")
    assert learner.conflicts == []
    learned = Schema.empty().with_overlay(learner.overlay())
    xml = ucwaformat.to_xml(doc)
    expected = ucwaformat.from_xml(xml, schema=g.schema, rel=g.hint)
    assert ucwaformat.from_xml(xml, schema=learned, rel=g.hint) == expected
