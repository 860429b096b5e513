"""The job machinery's outputs: the names they get, atomic writes, and jobs writing their own."""

from __future__ import annotations

import functools
import io
import itertools
import os
import pickle
import stat
import sys
import time
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ucwaformat
from ucwaformat._jobs import (
    EXT,
    LINES_EXT,
    Done,
    Line,
    Options,
    Task,
    doc_job,
    line_job,
    output_path,
    output_stem,
    write_atomic,
)
from ucwaformat.cli import main

MEETING_XML = Path(__file__).parent.parent / "examples" / "myAssignedOnlineMeeting.xml"
OPTS = Options(to=None, pretty=False, dialect="server", rel=None, strict=False, report=True)

# Names whose suffix is unusual: none, a leading dot, a trailing dot, several dots.
NAMES = [
    "a.xml",
    "a",
    ".a",
    "a.",
    "a.b.json",
    "a..xml",
    "dir.d/a",
    "dir.d/a.json",
    "x/.y.z",
    "é.XML",
]


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".ucwaformat-")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["json", "xml"])
def test_output_path_is_with_suffix(name: str, form: str) -> None:
    base = f"out/{name}"
    for extensions in (EXT, LINES_EXT):
        expected = str(PurePosixPath(base).with_suffix(extensions[form]))
        assert output_path(base, form, extensions) == expected  # type: ignore[arg-type]
    assert output_path(base, None, EXT) == base


@given(st.lists(st.sampled_from(["a", "b", ".", "/"]), min_size=1, max_size=8).map("".join))
def test_output_path_agrees_with_pathlib(name: str) -> None:
    # The command's file outputs were named by Path.with_suffix; a name pathlib would refuse
    # (empty, ending in a separator or a lone dot) never reaches here: inputs are files.
    base = "out/" + name
    path = PurePosixPath(base)
    if base.endswith("/") or path.name in ("", ".", "..") or str(path) != base:
        return
    for form in ("json", "xml"):
        assert output_path(base, form, EXT) == str(path.with_suffix(EXT[form]))  # type: ignore[arg-type]
        assert output_stem(base) == str(path.with_suffix(""))


def test_write_atomic_makes_the_directory_and_gives_a_new_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.json"
    write_atomic(target, b"one")
    write_atomic(str(target), b"two")  # replaces
    assert target.read_bytes() == b"two"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert leftovers(tmp_path) == []


def test_write_atomic_leaves_nothing_when_the_rename_fails(tmp_path: Path) -> None:
    (tmp_path / "out.json").mkdir()  # a directory cannot be replaced by a file
    with pytest.raises(OSError):
        write_atomic(tmp_path / "out.json", b"x")
    assert leftovers(tmp_path) == []


def test_a_job_writes_its_own_output(tmp_path: Path) -> None:
    src = tmp_path / "m.xml"
    src.write_bytes(MEETING_XML.read_bytes())
    done = doc_job(Task(str(src), str(src), dest=str(tmp_path / "out" / "m.xml")), OPTS)
    expected = ucwaformat.xml_to_json(MEETING_XML.read_bytes()) + b"\n"
    assert (done.out, done.form, done.written) == (None, "json", len(expected))
    assert (tmp_path / "out" / "m.json").read_bytes() == expected
    assert done.ok


def test_a_job_whose_output_cannot_be_written_names_it(tmp_path: Path) -> None:
    src = tmp_path / "m.xml"
    src.write_bytes(MEETING_XML.read_bytes())
    (tmp_path / "out").write_bytes(b"a file where the directory would be")
    done = doc_job(Task(str(src), str(src), dest=str(tmp_path / "out" / "m.xml")), OPTS)
    assert not done.ok and done.written == -1
    assert done.messages[-1].startswith(f"{tmp_path / 'out' / 'm.json'}: ")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_outputs_the_workers_write_and_the_ones_the_parent_writes(
    tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # b.xml and b.json could both become b.json (--to json): the parent writes those, in input
    # order, refusing the second; the others are written by their jobs.
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    xml = MEETING_XML.read_bytes()
    json = ucwaformat.xml_to_json(xml)
    for name, data in [("a.xml", xml), ("b.json", json), ("b.xml", xml), ("sub/c.xml", xml)]:
        (root / name).write_bytes(data)
    (root / "bad.xml").write_bytes(b"<nope")
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    status = main(["convert", "--to", "json", str(root), "--out-dir", str(out), "-j", jobs])
    err = capsys.readouterr().err
    assert status == 1
    assert (
        f"{root / 'b.xml'}: not written: {out / 'b.json'} is the output of {root / 'b.json'}" in err
    )
    assert f"{root / 'bad.xml'}:1:" in err
    assert "3 files converted, 2 failed" in err
    expected = ucwaformat.xml_to_json(xml) + b"\n"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "a.json", "b.json", "sub", "sub/c.json",
    ]  # fmt: skip
    assert (out / "a.json").read_bytes() == (out / "sub" / "c.json").read_bytes() == expected
    assert (out / "b.json").read_bytes() == ucwaformat.to_json(ucwaformat.from_json(json)) + b"\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_large_files_are_streamed_here_when_their_turn_comes(
    tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The jobs tell a large file by its open descriptor and leave it to this process, which
    # streams it in its place in the order; one already in the target form is converted here.
    from ucwaformat import cli

    root = tmp_path / "in"
    root.mkdir()
    xml = MEETING_XML.read_bytes()
    json = ucwaformat.xml_to_json(xml)
    pad = b" " * 2000
    large = {3, 10, 17}
    for i in range(30):
        (root / f"m{i:02d}.xml").write_bytes(xml + (pad if i in large else b""))
    (root / "z.json").write_bytes(json + pad)
    offered: list[str] = []
    stream_one = cli._stream_one

    def spy(item: Any, *args: Any) -> bool:
        offered.append(item.label)
        return stream_one(item, *args)

    monkeypatch.setattr(cli, "_stream_one", spy)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    out = tmp_path / "out"
    argv = ["convert", "--to", "json", str(root), "--out-dir", str(out), "-j", jobs]
    assert main([*argv, "--stream-above", str(len(xml) + 1000)]) == 0
    assert offered == [str(root / f"m{i:02d}.xml") for i in sorted(large)] + [str(root / "z.json")]
    assert "31 files converted, 0 failed" in capsys.readouterr().err
    expected = ucwaformat.xml_to_json(xml) + b"\n"
    assert {(out / f"m{i:02d}.json").read_bytes() for i in range(30)} == {expected}
    assert (out / "z.json").read_bytes() == ucwaformat.to_json(ucwaformat.from_json(json)) + b"\n"


def test_the_summary_counts_the_bytes_the_workers_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "in"
    root.mkdir()
    for i in range(40):
        (root / f"m{i:02d}.xml").write_bytes(MEETING_XML.read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["convert", str(root), "--out-dir", str(tmp_path / "out"), "-j", "2"]) == 0
    err: Any = capsys.readouterr().err
    size_out = sum(p.stat().st_size for p in (tmp_path / "out").iterdir())
    size_in = 40 * MEETING_XML.stat().st_size
    assert f"40 files converted, 0 failed, {size_in} bytes in, {size_out} bytes out" in err


@pytest.mark.parametrize("top", [".", "in", "in/", "./in", "in/./sub/..", "ABS"])
def test_a_walk_names_files_as_pathlib_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, top: str
) -> None:
    from ucwaformat._jobs import PICK, expand_inputs

    root = tmp_path / "in"
    for name in ["a.xml", "b.JSON", "c.txt", ".hidden.xml", "sub/d.json", "sub/e.", ".dot/f.xml"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"{}")
    (root / "sub" / "in").mkdir()
    monkeypatch.chdir(root if top == "." else tmp_path)
    top = str(root) if top == "ABS" else top
    for picks in (PICK["doc"], None):
        inputs, errors = expand_inputs([top], picks)
        assert errors == []
        # What the walk gave before it made no Path objects: Path(root, file), relative_to.
        expected = []
        for dirpath, dirs, files in os.walk(Path(top)):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(files):
                found = Path(dirpath, file)
                if not file.startswith(".") and (picks is None or found.suffix.lower() in picks):
                    expected.append((str(found), found, found.relative_to(Path(top))))
        assert [(i.label, i.path, i.rel) for i in inputs] == expected
        assert len(expected) == (3 if picks else 5)


def test_a_forked_process_names_its_temporaries_by_its_own_id(tmp_path: Path) -> None:
    from ucwaformat._jobs import _prefix

    assert _prefix() == f".ucwaformat-{os.getpid()}-"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, _prefix().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 100).decode() == f".ucwaformat-{pid}-"
    os.close(read)
    os.close(write)


def test_what_crosses_the_pipes_reads_back_the_same(tmp_path: Path) -> None:
    # Tasks, outcomes and lines pickle as their fields (quicker than attrs' default): each comes
    # back equal, failures and all, and a job given one read back does the same.
    src = tmp_path / "m.xml"
    src.write_bytes(MEETING_XML.read_bytes())
    tasks = [
        Task(str(src), str(src), dest=str(tmp_path / "out" / "m.xml")),
        Task("<stdin>", None, b"<nope"),
        Task("gone.xml", "gone.xml", failure=FileNotFoundError(2, "No such file or directory")),
    ]
    outcomes = [doc_job(t, OPTS) for t in tasks]
    lines = [line_job((1, b'{"a": 1}\n'), OPTS, "l"), line_job((2, b"<x"), OPTS, "l")]
    assert outcomes[0].written > 0 and outcomes[1].out is None and lines[0].out
    for obj in [OPTS, *tasks, *outcomes, *lines]:
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj)
        if isinstance(obj, Task) and obj.failure is not None:
            assert back.failure is not None and back.failure.args == obj.failure.args
        else:
            assert back == obj
    again = [doc_job(pickle.loads(pickle.dumps(t)), OPTS) for t in tasks[1:]]
    assert again == outcomes[1:]
    assert isinstance(outcomes[0], Done) and isinstance(lines[1], Line)


def _with_pid(item: int) -> tuple[int, int]:
    return item, os.getpid()


class _Broken(Exception):
    pass


def _failing_at(n: int) -> Any:
    yield from range(n)
    raise _Broken


@pytest.fixture(params=["forked", "pool"])
def pool(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which of ordered_map's machineries runs a sequence: forked workers (Linux), or the
    process pool (elsewhere, and for the lines of a stream everywhere)."""
    from ucwaformat import _jobs

    if request.param == "forked" and sys.platform != "linux":  # pragma: no cover
        pytest.skip("forked workers run sequences on Linux only")
    monkeypatch.setattr(_jobs, "FORK", request.param == "forked")
    return str(request.param)


def _reaped(pids: set[int]) -> bool:
    """Whether each of these processes has ended and been waited for (no zombie left)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


@pytest.mark.parametrize(("jobs", "chunksize", "n"), [(2, 1, 7), (2, 5, 203), (3, 4, 150)])
def test_ordered_map_in_processes_keeps_the_order(
    pool: str, jobs: int, chunksize: int, n: int
) -> None:
    from ucwaformat._jobs import SWITCH_INTERVAL, ordered_map

    before = sys.getswitchinterval()
    intervals: list[float] = []
    results = []
    for result in ordered_map(_with_pid, range(n), jobs, chunksize):
        intervals.append(sys.getswitchinterval())
        results.append(result)
    assert [item for item, _ in results] == list(range(n))
    # What comes first is converted here, before the workers start.
    first = 1 if pool == "forked" else chunksize
    assert {pid for _, pid in results[:first]} == {os.getpid()}
    if pool == "pool":
        # The interpreter hands the pool's threads the lock sooner during the run, and as
        # before after.
        assert max(intervals) <= SWITCH_INTERVAL < before == sys.getswitchinterval()
    else:
        assert set(intervals) == {before}  # no threads to hand the lock to
    # This process and jobs - 1 workers, never more; all of them gone at the end.
    workers = {pid for _, pid in results} - {os.getpid()}
    assert len(workers) <= jobs - 1 and _reaped(workers)


def test_ordered_map_in_processes_passes_on_a_failing_input_and_an_early_stop(pool: str) -> None:
    from ucwaformat._jobs import ordered_map

    got: list[int] = []
    with pytest.raises(_Broken):
        for item, _ in ordered_map(_with_pid, _failing_at(100), 2, 3):
            got.append(item)
    assert got == list(range(len(got)))  # in order, as far as it went
    results = ordered_map(_with_pid, range(1000), 2, 3)
    first = [next(results) for _ in range(10)]
    assert [item for item, _ in first] == list(range(10))
    results.close()  # the consumer stops: the pool is shut down, nothing hangs
    assert _reaped({pid for _, pid in first} - {os.getpid()})


def _after_a_worker(item: int, parent: int, flag: str, die: bool) -> tuple[int, int]:
    """In a worker: leave ``flag`` and fail (or die); here, wait for that from item 1 on (a
    minute at most), so that a worker takes a chunk however loaded the machine."""
    if os.getpid() != parent:
        Path(flag).write_text(str(os.getpid()))
        if die:
            os._exit(3)
        raise _Broken(item, os.getpid())
    for _ in range(6000 if item else 0):
        if os.path.exists(flag):
            break
        time.sleep(0.01)
    return item, os.getpid()


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers run sequences on Linux only")
def test_forked_workers_raise_an_exception_in_its_place_and_a_lost_worker_at_once(
    tmp_path: Path,
) -> None:
    from ucwaformat._forked import WorkerLost, forked_map

    got: list[tuple[int, int]] = []
    flag = tmp_path / "failed"
    fn = functools.partial(_after_a_worker, parent=os.getpid(), flag=str(flag), die=False)
    with pytest.raises(_Broken) as raised:
        got.extend(forked_map(fn, range(400), 2, 4))
    # Every result before the chunk that failed (the first item of the worker's first chunk),
    # then the worker's exception.
    failed, worker = raised.value.args
    assert [item for item, _ in got] == list(range(len(got))) == list(range(failed))
    assert {pid for _, pid in got} == {os.getpid()} and _reaped({worker})
    flag = tmp_path / "died"
    fn = functools.partial(_after_a_worker, parent=os.getpid(), flag=str(flag), die=True)
    with pytest.raises(WorkerLost, match="status"):
        list(forked_map(fn, range(400), 2, 4))
    assert _reaped({int(flag.read_text())})


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers run sequences on Linux only")
def test_forked_workers_wait_on_pipes_of_any_descriptor_number() -> None:
    # A process with many files open gets pipes numbered past select()'s limit (1024): this
    # process waits on them all the same (it looks at them after each chunk it converts).
    import resource

    from ucwaformat._forked import forked_map

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:  # pragma: no cover - a machine that allows few open files
        pytest.skip(f"{soft} open files at most")
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        assert max(held) > 1024  # the pipes come after them
        results = list(forked_map(_with_pid, range(300), 3, 2))
    finally:
        for fd in held:
            os.close(fd)
    assert [item for item, _ in results] == list(range(300))


@given(st.integers(0, 3000), st.integers(1, 64), st.integers(2, 9))
def test_chunks_cover_the_items_once_and_shrink_towards_the_end(
    n: int, size: int, processes: int
) -> None:
    from ucwaformat._forked import chunk_bounds

    bounds = chunk_bounds(1, n + 1, size, processes)
    assert [i for lo, hi in bounds for i in range(lo, hi)] == list(range(1, n + 1))
    steps = [hi - lo for lo, hi in bounds]
    assert all(0 < b <= a <= size for a, b in itertools.pairwise(steps))
    if n >= 2 * processes * size:
        assert steps[0] == size and steps[-1] == 1


def _held_at_first(item: int, parent: int, signal_file: str) -> tuple[int, int]:
    """In a worker, item 1 waits until the parent has converted a chunk it had sent away."""
    if os.getpid() != parent and item == 1:
        for _ in range(6000):  # a minute at most: the failure this is about
            if os.path.exists(signal_file):
                break
            time.sleep(0.01)
    elif os.getpid() == parent and item in (2, 3, 4):
        Path(signal_file).touch()
    return item, os.getpid()


def test_ordered_map_takes_back_chunks_a_busy_worker_has_not_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parent converts item 0 before the worker starts; the worker is held on item 1 with
    # items 2-4 sent to the pool after it: rather than wait, the parent converts what it can,
    # then takes back a chunk the worker has not started. (Forked workers take a chunk only
    # when they are free: nothing to take back.)
    from ucwaformat import _jobs
    from ucwaformat._jobs import ordered_map

    monkeypatch.setattr(_jobs, "FORK", False)

    signal_file = str(tmp_path / "taken")
    fn = functools.partial(_held_at_first, parent=os.getpid(), signal_file=signal_file)
    results = list(ordered_map(fn, range(40), 2, 1))
    assert [item for item, _ in results] == list(range(40))
    assert os.path.exists(signal_file)
    assert results[0][1] == os.getpid() != results[1][1]
    assert any(pid == os.getpid() for _, pid in results[2:5])  # taken back
