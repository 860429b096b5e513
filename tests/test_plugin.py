"""The pytest plugin (``ucwaformat.testing.plugin``), used the way an outside project uses it.

``tests/plugin_project`` is such a project: a gateway's tests with no conftest of their own, some
of which fail on purpose to show the plugin's output. It is copied into a fresh directory and run
in a separate pytest process with ``pytester``. Once the ``pytest11`` entry point is installed,
that process loads the plugin by itself, as any user's would; until then it gets
``-p ucwaformat.testing.plugin``.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import tomllib

import pytest
from data_paths import ROOT

import ucwaformat
from ucwaformat.testing import plugin, resource

pytest_plugins = ["pytester"]

PROJECT = ROOT / "tests" / "plugin_project"
SNIPPET = (PROJECT / "README-snippet.md").read_text(encoding="utf-8")
PLUGIN = "ucwaformat.testing.plugin"


def _installed() -> bool:
    return any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in its own process; the plugin loaded the way the installation allows."""
    load = [] if _installed() else ["-p", PLUGIN]
    return pytester.runpytest_subprocess(*load, "-p", "no:cacheprovider", *args)


def snippet_block(language: str) -> str:
    (block,) = re.findall(rf"```{language}\n(.*?)```", SNIPPET, re.S)
    return block


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The sample project (without the conftest that hides it from this suite) and the README
    snippet's test, in pytester's directory; pytest's truncation of long explanations as on a
    developer's machine."""
    for item in PROJECT.iterdir():
        if item.name in ("conftest.py", "__pycache__"):
            continue
        if item.is_dir():
            shutil.copytree(item, pytester.path / item.name)
        else:
            shutil.copy(item, pytester.path / item.name)
    (pytester.path / "test_readme_snippet.py").write_text(snippet_block("python"))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)
    return pytester


def test_pyproject_declares_the_plugin() -> None:
    """The entry point that makes pytest load the plugin, and the subpackage in the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = config["project"]
    assert project.get("entry-points", {}).get("pytest11") == {"ucwaformat": PLUGIN}
    assert "ucwaformat.testing" in config["tool"]["setuptools"]["packages"]


def test_the_project_passes_and_fails_as_written(project: pytest.Pytester) -> None:
    result = run(project)
    result.assert_outcomes(passed=6, failed=4)
    out = result.stdout.str()
    # assert_equivalent: every difference, and the caller's line, not the library's.
    for line in snippet_block("text").splitlines():
        assert line in out
    assert "raise AssertionError" not in out
    # == between documents: the semantic differences, truncated by pytest as usual.
    result.stdout.fnmatch_lines(
        [
            "*def test_served_meeting_equals_the_capture(ucwa_load):",
            "E       assert Resource('myAssignedOnlineMeeting', href='*') == "
            "Resource('myAssignedOnlineMeeting', href='/gateway/meetings/IB88RLLY')",
            "E         ucwaformat: 6 semantic differences (left != right):",
            'E         $.expirationTime: "/Date(1474932023048)/" != "/Date(1474935623048)/"',
            'E         $.leaders: ["sip:aikc@contoso.com"] != "sip:aikc@contoso.com"',
            'E         $.subject: "Quarterly sales numbers" != "Sales review"',
            "*Full output truncated*'-vv'*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*def test_built_contacts_are_equal():",
            "*>       assert left == right",
            "E       assert Resource('contact', href='/people/1') == "
            "Resource('contact', href='/people/2')",
            "E         ucwaformat: 2 semantic differences (left != right):",
            'E         $.emailAddresses: ["jane@contoso.com"] != "jane@contoso.com"',
            'E         $._links.self.href: "/people/1" != "/people/2"',
        ]
    )
    # Equal in meaning, different as models: where the forms differ.
    result.stdout.fnmatch_lines(
        [
            "*def test_translation_keeps_the_model(ucwa_load):",
            "E         ucwaformat: no semantic difference (they translate to the same JSON);*",
            "E         Resource.properties['expirationTime'].ticks: "
            "14749320230480000 != 14749320230485629",
            "E         Resource.properties['expirationTime'].offset: None != -420",
        ]
    )


def test_vv_shows_every_difference(project: pytest.Pytester) -> None:
    result = run(
        project, "-vv", "test_readable_failures.py::test_served_meeting_equals_the_capture"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E         ucwaformat: 6 semantic differences (left != right):",
            "E         $.expirationTime: *",
            "E         $.leaders: *",
            "E         $.subject: *",
            'E         $._links.self.href: "/ucwa/oauth/v1/applications/11540713861/'
            'onlineMeetings/myOnlineMeetings/IB88RLLY" != "/gateway/meetings/IB88RLLY"',
            'E         $._links.onlineMeetingExtensions.href: "/ucwa/*/IB88RLLY/extensions" != '
            '"/gateway/meetings/IB88RLLY/extensions"',
        ]
    )
    # Whole, not clipped at 80 characters (fnmatch would read the brackets as a class).
    assert (
        'E         $._embedded: {"onlineMeetingExtension":[{"rel":"onlineMeetingExtension",'
        '"id":"917823","type":"RoamedParticipantData","_links":{"self":{"href":"/ucwa/oauth/v1/'
        'applications/11540713861/onlineMeetings/myOnlineMeetings/IB88RLLY/extensions/917823"}}}]}'
        " != (missing)"
    ) in result.stdout.lines


def test_ucwa_load_reads_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    meeting = resource("myOnlineMeeting", href="/m/1", subject="Sales", participantCount=3)
    sub = pytester.path / "tests" / "meetings"
    sub.mkdir(parents=True)
    (sub / "meeting.xml").write_bytes(ucwaformat.to_xml(meeting))
    (pytester.path / "meeting.json").write_bytes(ucwaformat.to_json(meeting))
    (sub / "broken.xml").write_bytes(b"<resource")
    (sub / "test_load.py").write_text(
        "import ucwaformat\n"
        "\n"
        "def test_relative(ucwa_load):\n"
        "    doc = ucwa_load('meeting.xml')\n"
        "    assert isinstance(doc, ucwaformat.Resource)\n"
        "    assert doc.get('participantCount') == 3\n"
        "\n"
        "def test_absolute_and_json(ucwa_load, request):\n"
        "    path = request.config.rootpath / 'meeting.json'\n"
        "    assert ucwa_load(path) == ucwa_load('meeting.xml')\n"
        "\n"
        "def test_request_body(ucwa_load, tmp_path):\n"
        "    (tmp_path / 'put.xml').write_bytes(\n"
        "        b'<input xmlns=\"http://schemas.microsoft.com/rtc/2012/03/ucwa\">'\n"
        "        b'<property name=\"expirationTime\">2016-09-27T00:00:00Z</property></input>')\n"
        "    body = ucwa_load(tmp_path / 'put.xml', rel='myOnlineMeeting')\n"
        "    assert isinstance(body.get('expirationTime'), ucwaformat.Timestamp)\n"
        "\n"
        "def test_broken(ucwa_load):\n"
        "    ucwa_load('broken.xml')\n"
    )
    result = run(pytester)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *UcwaFormatError: Couldn't find end of Start Tag*",
            "E   *(while reading */broken.xml)",
        ]
    )


def test_the_hook_explains_only_document_equality(pytestconfig: pytest.Config) -> None:
    left = resource("contact", href="/p/1", name="Jane")
    right = resource("contact", href="/p/1", name="John")
    assert plugin.pytest_assertrepr_compare(pytestconfig, "==", left, right) == [
        "Resource('contact', href='/p/1') == Resource('contact', href='/p/1')",
        "ucwaformat: 1 semantic difference (left != right):",
        '$.name: "Jane" != "John"',
    ]
    assert plugin.pytest_assertrepr_compare(pytestconfig, "!=", left, left) is None
    assert plugin.pytest_assertrepr_compare(pytestconfig, "==", {"a": 1}, {"a": 2}) is None
    text = plugin.pytest_assertrepr_compare(pytestconfig, "==", left, ucwaformat.to_xml(right))
    assert text is not None
    assert text[1:] == [
        "a UCWA document never equals a 'bytes'; to compare with text, use "
        "ucwaformat.testing.assert_equivalent",
        "as documents: 1 semantic difference",
        '$.name: "Jane" != "John"',
    ]
