"""The documentation site: its pages exist, its links resolve, its examples run and say what the
code does. mkdocs itself is not needed (CI builds the site with ``mkdocs build --strict``)."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from data_paths import ROOT

import ucwaformat

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MKDOCS_YML = ROOT / "mkdocs.yml"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# [text](target): inline links; images and reference-style links are not used in these files.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _nav_pages() -> list[str]:
    # mkdocs.yml is read as text: its nav entries are "- Title: page.md" lines.
    return re.findall(r"^\s*-\s*[^:\n]+:\s*(\S+\.md)\s*$", _text(MKDOCS_YML), re.M)


def _without_code(text: str) -> str:
    text = FENCE.sub("", text)
    return re.sub(r"`[^`\n]*`", "", text)


def _python_blocks() -> list[tuple[str, str]]:
    return [
        (f"{page.name}:block{i}", code)
        for page in PAGES
        for i, code in enumerate(c for lang, c in FENCE.findall(_text(page)) if lang == "python")
    ]


def _pairs(page: Path) -> list[tuple[str, str, str, str]]:
    # Two fenced blocks, XML and JSON (in either order), with nothing but blanks between them.
    return re.findall(
        r"^```(xml|json)\n(.*?)^```\s*^```(xml|json)\n(.*?)^```", _text(page), re.S | re.M
    )


def test_pages_found() -> None:
    assert len(PAGES) >= 9
    assert len(_nav_pages()) == len(set(_nav_pages())) >= 9


def test_every_nav_page_exists_and_every_page_is_in_the_nav() -> None:
    nav = _nav_pages()
    assert [page for page in nav if not (DOCS / page).is_file()] == []
    assert sorted(nav) == [page.name for page in PAGES]
    assert re.search(r"^docs_dir: docs$", _text(MKDOCS_YML), re.M)


@pytest.mark.parametrize("path", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_relative_links_resolve(path: Path) -> None:
    broken = []
    for target in LINK.findall(_without_code(_text(path))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # http(s) and other schemes; anchors within the page
        file = target.split("#", 1)[0]
        if not (path.parent / file).exists():
            broken.append(target)
    assert broken == []


def test_python_blocks_found() -> None:
    assert len(_python_blocks()) >= 8


@pytest.mark.parametrize(
    "code", [code for _, code in _python_blocks()], ids=[name for name, _ in _python_blocks()]
)
def test_python_examples_run(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "docs", "exec"), {})


def test_format_examples_are_what_the_library_writes() -> None:
    pairs = _pairs(DOCS / "format.md")
    assert len(pairs) >= 6
    for source_form, source, target_form, target in pairs:
        assert source_form != target_form
        convert = ucwaformat.xml_to_json if source_form == "xml" else ucwaformat.json_to_xml
        assert convert(source.encode(), pretty=True).decode().strip() == target.strip()


def test_format_loss_table_lists_every_kind() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (.*) \|$", _text(DOCS / "format.md"), re.M))
    assert {k: html.unescape(v) for k, v in rows.items()} == {
        k: v.replace("|", "/") for k, v in ucwaformat.LOSS_KINDS.items()
    }


def test_api_page_documents_every_public_name() -> None:
    documented = set(re.findall(r"^::: ucwaformat\.(\w+)$", _text(DOCS / "api.md"), re.M))
    # Document is a type alias (a union), described in words; __version__ is a string.
    assert documented == set(ucwaformat.__all__) - {"Document", "__version__"}


@pytest.mark.parametrize("command", ["convert", "check", "diff", "serve", "learn"])
def test_command_page_names_every_option(command: str) -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "ucwaformat", command, "--help"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    page = _text(DOCS / "command.md")
    assert f"## {command}" in page
    assert [opt for opt in set(re.findall(r"--[a-z][a-z-]+", help_text)) if opt not in page] == []


def test_mkdocs_config_loads() -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (the docs extra)")
    from mkdocs.config import load_config

    config = load_config(str(MKDOCS_YML))
    assert config["site_name"] == "ucwaformat"
    assert config["theme"].name == "material"
    plugins = {name.rsplit("/", 1)[-1] for name in config["plugins"]}  # material/search
    assert {"search", "mkdocstrings"} <= plugins
