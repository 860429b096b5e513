"""Strategies for ``st.from_type``: the document model's classes and the typed classes.

:func:`register` is the hook of the ``hypothesis`` entry point (``pyproject.toml``), which
Hypothesis runs when it is imported; where entry points are off (``HYPOTHESIS_NO_PLUGINS``, a
source tree never installed) call it as :func:`ucwaformat.testing.register_type_strategies`.
The strategies module does not call it: this module imports that one (lazily), not the
other way round. What is registered
are functions that Hypothesis calls with the class when ``st.from_type`` first resolves it: the
strategies module is imported only then. Hypothesis may still be importing itself when the hook
runs, so nothing here touches the strategies module before that.
"""

from __future__ import annotations

from functools import partial
from typing import Any

__all__ = ["register"]


def _strategies() -> Any:
    from . import strategies

    return strategies


def _of_model(name: str, _cls: type) -> Any:
    return getattr(_strategies(), name)()


def _typed_resources(cls: Any) -> Any:  # called with the class asked for
    from .. import typed

    rtype = cls.RESOURCE_TYPE
    return _strategies().resources(rtype).map(lambda doc: typed.structure(doc, cls))


def _typed_inputs(cls: Any) -> Any:  # called with the class asked for
    from .. import typed

    rtype = cls.RESOURCE_TYPE
    return _strategies().inputs(rtype, verb=cls.VERB).map(lambda doc: typed.structure(doc, cls))


def register() -> None:
    """Register a strategy with ``st.from_type`` for every model class (``Resource``,
    ``Input``, ``Events``, ``Event``, ``Sender``, ``Link``, ``Timestamp``) and every class of
    :mod:`ucwaformat.types` (drawn as a document of its type, then structured)."""
    from hypothesis import strategies as st

    from .. import _dates, _model
    from ..types import REQUEST_CLASSES, RESOURCE_CLASSES

    model: dict[type, str] = {
        _model.Resource: "resources",
        _model.Input: "inputs",
        _model.Events: "event_pages",
        _model.Event: "events",
        _model.Sender: "senders",
        _model.Link: "links",
        _dates.Timestamp: "timestamps",
    }
    for cls, name in model.items():
        st.register_type_strategy(cls, partial(_of_model, name))
    for rcls in RESOURCE_CLASSES.values():
        st.register_type_strategy(rcls, _typed_resources)
    for icls in REQUEST_CLASSES.values():
        st.register_type_strategy(icls, _typed_inputs)
