"""What a release carries: the version written once, the licence, the changelog."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

import pytest
from data_paths import ROOT

import ucwaformat

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION_LITERAL = re.compile(r"""["']\d+(\.\d+)+([._+-]?\w+)*["']""")


def test_the_version_comes_from_the_metadata() -> None:
    assert ucwaformat.__version__ == importlib.metadata.version("ucwaformat")


def test_the_version_is_written_only_in_pyproject() -> None:
    # An installed copy older than pyproject.toml would say another version: reinstall it.
    assert PYPROJECT["project"]["version"] == ucwaformat.__version__
    init_path = ROOT / "ucwaformat" / "__init__.py"
    for path in sorted((ROOT / "ucwaformat").rglob("*.py")):
        if path != init_path:  # others import it (``from . import __version__``)
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*__version__\s*=", source, re.M), path
    init = init_path.read_text(encoding="utf-8")
    assert ucwaformat.__version__ not in init
    assert not VERSION_LITERAL.search(init)


def test_without_metadata_the_version_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    # A source tree on sys.path that was never installed has no metadata to read.
    assert ucwaformat.__version__  # read and kept once, so monkeypatch puts it back afterwards
    monkeypatch.delitem(vars(ucwaformat), "__version__")

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert ucwaformat.__version__ == "0+unknown"


def test_license_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the ucwaformat authors" in text
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_changelog_has_unreleased_and_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert headings[0] == "Unreleased"
    assert ucwaformat.__version__ in headings
    assert re.search(
        rf"^## \[{re.escape(ucwaformat.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M
    )
    # Keep a Changelog: every version heading is a link, defined at the end.
    for heading in headings:
        assert re.search(rf"^\[{re.escape(heading)}\]: https://", text, re.M), heading


def test_each_public_name_is_the_one_its_module_defines() -> None:
    # The package imports its public names on first use (a command's start needs few of them):
    # what a type checker is shown (the imports under TYPE_CHECKING) is what a program gets.
    import ast
    import importlib

    tree = ast.parse((ROOT / "ucwaformat" / "__init__.py").read_text(encoding="utf-8"))
    shown = {
        alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    assert set(shown) == set(ucwaformat.__all__) - {"__version__"}
    for name, module in shown.items():
        home = importlib.import_module(f"ucwaformat.{module}")
        assert getattr(ucwaformat, name) is getattr(home, name), name
    assert set(ucwaformat.__all__) <= set(dir(ucwaformat))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = ucwaformat.nothing  # type: ignore[attr-defined]
