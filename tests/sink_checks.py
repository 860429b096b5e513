"""What the sink tests share: an outcome to compare between two paths, and a check that a
path builds no model.

``test_sinks`` holds the XML reader's JSON sink (``xml_to_json``) to the model path, and
``test_xml_sink`` the JSON reader's XML sink (``json_to_xml``); both compare what a caller sees,
and both check that the direct path never builds the model.
"""

from __future__ import annotations

from collections.abc import Callable
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
