"""The package's modules import one another without a circle (docs/architecture.md, "Layers").

Every ``from .x import …``, ``from . import x`` and ``import ucwaformat.x`` in the package,
including those inside functions, is an edge; ``ucwaformat.types`` (generated) and
``if TYPE_CHECKING:`` blocks count too.
"""

from __future__ import annotations

import ast
import functools
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from data_paths import ROOT

PACKAGE = ROOT / "ucwaformat"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("ucwaformat"):
                found.add(target)
                for alias in node.names:  # `from . import _xml` names a module
                    found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ucwaformat"))
    return found


@functools.cache
def graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        # A package's __init__ re-exports its modules; a module importing its own package's
        # names (``from .. import __version__``) is not a layer edge back up through it.
        edges[name] = {t for t in _imports(path) if t in modules and t != name}
    return edges


def test_the_graph_sees_the_package() -> None:
    edges = graph()
    assert "ucwaformat._kinds" in edges["ucwaformat._api"]
    assert "ucwaformat._jobs" in edges["ucwaformat.dask"]
    assert len(edges) > 30


def test_no_module_imports_itself_back() -> None:
    edges = graph()
    # Package __init__ modules re-export what is below them; an edge into one from below is an
    # import of the package's public names, so the __init__ modules are left out of the check.
    inner = {
        name: {t for t in targets if not _is_init(t)}
        for name, targets in edges.items()
        if not _is_init(name)
    }
    try:
        order = list(TopologicalSorter(inner).static_order())
    except CycleError as exc:
        raise AssertionError(f"an import circle: {' -> '.join(exc.args[1])}") from None
    assert order


def _is_init(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
