"""The ucwaformat pytest plugin, registered through the ``pytest11`` entry point ``ucwaformat``.

Installed with the package, it is active in every pytest run: ``-p no:ucwaformat`` turns it off,
``-p ucwaformat`` loads it when plugin autoloading is disabled (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``),
and ``-p ucwaformat.testing.plugin`` loads it where the entry point is not installed (not
together with the entry point: pytest would refuse to register the module twice). It adds:

- readable failures for ``assert a == b`` when a side is a UCWA document
  (:class:`~ucwaformat.Resource`, :class:`~ucwaformat.Input`, :class:`~ucwaformat.Events`,
  :class:`~ucwaformat.Dto`): every semantic difference as ``$.path: left != right``, or, when
  the two mean the same, where their forms differ;
- the ``ucwa_load`` fixture: a function that reads a document file in either form, a relative
  path being resolved against the directory of the requesting test file::

      def test_meeting(ucwa_load):
          meeting = ucwa_load("data/meeting.xml")          # -> ucwaformat.Resource
          request = ucwa_load("data/put.xml", rel="myOnlineMeeting")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

from . import explain_equality, load_document

if TYPE_CHECKING:
    from .._model import Document
    from .._schema import Schema

__all__ = ["DocumentLoader", "pytest_assertrepr_compare", "ucwa_load"]


class DocumentLoader(Protocol):
    """What the ``ucwa_load`` fixture gives: ``load(path, *, rel=None, schema=None)``."""

    def __call__(
        self,
        path: str | os.PathLike[str],
        /,
        *,
        rel: str | None = None,
        schema: Schema | None = None,
    ) -> Document: ...


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    """Explain a failed ``==`` between UCWA documents (or a document and text); with ``-vv``
    long values are shown whole."""
    if op != "==":
        return None
    return explain_equality(left, right, full=config.get_verbosity() >= 2)


@pytest.fixture
def ucwa_load(request: pytest.FixtureRequest) -> DocumentLoader:
    """A function that loads a UCWA document file, XML or JSON (told apart by the content):
    ``ucwa_load(path, *, rel=None, schema=None)``. A relative path is resolved against the
    directory of the test file that asks for the fixture."""
    base = Path(request.path).parent

    def load(
        path: str | os.PathLike[str],
        /,
        *,
        rel: str | None = None,
        schema: Schema | None = None,
    ) -> Document:
        return load_document(base / path, rel=rel, schema=schema)

    return load
