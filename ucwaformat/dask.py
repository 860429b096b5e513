"""Bulk conversion on a Dask cluster (the ``dask`` extra: ``pip install 'ucwaformat[dask]'``).

Files (local paths, globs or any URL fsspec understands) are converted and written by the
workers, each output atomically; a :class:`Summary` comes back::

    from distributed import Client
    import ucwaformat.dask

    client = Client("tcp://scheduler:8786")
    summary = ucwaformat.dask.convert_files(
        ["s3://captures/2016/"], "s3://converted/2016/", to="json", scheduler=client
    )
    print(summary)          # ucwaformat: 1200 files converted, 1 failed, ...
    for line in summary.failed:
        print(line)         # s3://captures/2016/a/b.xml:3:12: Opening and ending tag mismatch...

Bodies already in a Dask bag (read from a queue, a database, a tarball) are converted by
:func:`convert_bag`, bytes in and :data:`Result` out, one for one and in order.

Importing this module imports dask; nothing else in ucwaformat does.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.metadata
import logging
import os
import posixpath
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path, PurePosixPath
from typing import Any, Final, Literal, TypeAlias, cast

import attrs
import dask
import dask.bag as db
from fsspec.core import url_to_fs  # type: ignore[import-untyped]
from fsspec.implementations.local import LocalFileSystem  # type: ignore[import-untyped]

from . import __version__
from ._errors import Loss, UcwaFormatError
from ._jobs import (
    EXT,
    PICK,
    Done,
    Options,
    Tally,
    Task,
    convert_body,
    doc_job,
    error_line,
    expand_inputs,
    os_error_line,
    write_atomic,
)
from ._media import Dialect, Form, check_dialect, check_form

__all__ = ["Body", "Converted", "Failed", "Result", "Summary", "convert_bag", "convert_files"]


_MAGIC: Final = frozenset("*?[")
_NAMELESS: Final = "<bytes>"
# How long the command waits for a scheduler to answer, and for it to have a worker.
_CONNECT_TIMEOUT: Final = "10s"
_WORKERS_TIMEOUT: Final = 60.0


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Converted:
    """A body that converted: ``data`` in ``form``, and what the translation could not carry."""

    label: str
    data: bytes
    form: Form
    losses: tuple[Loss, ...] = ()

    @property
    def ok(self) -> Literal[True]:
        return True


@attrs.frozen
class Failed:
    """A body that did not convert.

    ``message`` is the command's error line, ``LABEL:LINE:COL: MESSAGE`` for syntax errors or
    ``LABEL: MESSAGE (at $.path)``; ``line``/``column`` or ``path`` say where on their own.
    """

    label: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None

    @property
    def ok(self) -> Literal[False]:
        return False

    def __str__(self) -> str:
        return self.message


#: What :func:`convert_bag` gives for each body.
Result: TypeAlias = Converted | Failed
#: What :func:`convert_bag` takes: a body, or a ``(label, body)`` pair (the label names it in
#: messages; a bare body is called ``<bytes>``). ``str`` bodies are encoded as UTF-8.
Body: TypeAlias = bytes | str | tuple[str, bytes | str]


@attrs.frozen
class Summary:
    """What :func:`convert_files` did. ``str(summary)`` is the command's summary line."""

    converted: int
    #: One line per input that was not converted (or directory that could not be walked), as
    #: the command prints them: ``PATH:LINE:COL: MESSAGE``, ``PATH: MESSAGE (at $.path)``,
    #: ``PATH: not written: ...``, ``PATH: <OS error>`` or ``PATTERN: no file matches``; errors
    #: finding the inputs first, then input order.
    failed: tuple[str, ...]
    bytes_in: int
    bytes_out: int
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        tally = Tally(self.converted, len(self.failed), self.bytes_in, self.bytes_out)
        return tally.summary("files", self.seconds)


# --------------------------------------------------------------------------------------------
# Bodies in a bag
# --------------------------------------------------------------------------------------------


def _options(
    to: Form | None, dialect: Dialect, pretty: bool, rel: str | None, strict: bool
) -> Options:
    if to is not None:
        check_form(to)
    check_dialect(dialect)
    return Options(to=to, pretty=pretty, dialect=dialect, rel=rel, strict=strict, report=False)


def _convert_body(item: Body, opts: Options) -> Result:
    label, data = (_NAMELESS, item) if isinstance(item, bytes | str) else item
    body = data.encode() if isinstance(data, str) else bytes(data)
    losses: list[Loss] = []
    try:
        out, form = convert_body(body, opts, losses)
    except UcwaFormatError as err:
        return Failed(label, error_line(label, err), err.line, err.column, err.path)
    return Converted(label, out, form, tuple(losses))


def convert_bag(
    bag: db.Bag,
    *,
    to: Form | None = None,
    dialect: Dialect = "server",
    pretty: bool = False,
    rel: str | None = None,
    strict: bool = False,
) -> db.Bag:
    """A bag of :data:`Result` (:class:`Converted` or :class:`Failed`), one per body, in order.

    ``bag`` holds bodies (``bytes``) or ``(label, bytes)`` pairs. Each is converted as
    :func:`ucwaformat.xml_to_json`/:func:`~ucwaformat.json_to_xml` would (the form detected
    from the first non-blank byte; without ``to`` each goes to the other form), on the workers,
    lazily like any bag operation. Keep what converted with ``.filter(lambda r: r.ok)``.
    """
    opts = _options(to, dialect, pretty, rel, strict)
    mapped: db.Bag = cast(Any, bag).map(functools.partial(_convert_body, opts=opts))
    return mapped


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


@attrs.frozen
class _File:
    """One input file: its place in input order, its name in messages, where it is read."""

    index: int
    label: str
    source: str  # an absolute local path, or an fsspec URL
    local: bool
    rel: str  # its place under the output directory (POSIX, with the input's suffix)


@attrs.frozen
class _Target:
    """The output directory: as given (for messages), and where the workers write."""

    label: str
    root: str  # an absolute local path, or an fsspec URL
    local: bool

    def shown(self, rel: PurePosixPath) -> str:
        return str(Path(self.label, rel)) if self.local else f"{self.label.rstrip('/')}/{rel}"


@attrs.frozen
class _Job:
    """What every partition needs (sent once per task)."""

    target: _Target
    opts: Options
    storage_options: Mapping[str, Any]


@attrs.frozen
class _Part:
    """A partition's share of the summary: counts, and its failures with their input index."""

    tally: Tally
    failed: tuple[tuple[int, str], ...]


def _has_magic(name: str) -> bool:
    return not _MAGIC.isdisjoint(name)


def _is_local(fs: Any) -> bool:
    return isinstance(fs, LocalFileSystem)


def _walk_key(rel: str) -> tuple[tuple[int, str], ...]:
    """The order of the command's walk: a directory's files (sorted), then its subdirectories."""
    *dirs, name = rel.split("/")
    return (*((1, d) for d in dirs), (0, name))


def _picked(rel: str, picks: frozenset[str] | None) -> bool:
    parts = rel.split("/")
    if any(part.startswith(".") for part in parts):
        return False
    return picks is None or PurePosixPath(parts[-1]).suffix.lower() in picks


def _glob_base(parts: Sequence[str]) -> int:
    """How many leading parts of a pattern have no wildcard (the base outputs mirror from)."""
    return next((i for i, part in enumerate(parts) if _has_magic(part)), len(parts))


def _plan_local(
    name: str, picks: frozenset[str] | None
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(label, absolute path, rel) of the local files ``name`` stands for, and walk errors."""
    if not _has_magic(name):
        inputs, errors = expand_inputs([name], picks)  # exactly the command's walk
        return [
            (i.label, os.path.abspath(i.path), i.rel.as_posix())
            for i in inputs
            if i.path is not None and i.rel is not None
        ], errors
    parts = Path(name).parts
    base = Path(*parts[: _glob_base(parts)]) if _glob_base(parts) else Path()
    found: list[tuple[str, str, str]] = []
    for match in glob.glob(name, recursive=True):
        if os.path.isfile(match):
            rel = Path(match).relative_to(base).as_posix()
            found.append((match, os.path.abspath(match), rel))
    found.sort(key=lambda f: _walk_key(f[2]))
    return found, []


def _plan_remote(
    name: str, fs: Any, path: str, picks: frozenset[str] | None
) -> list[tuple[str, str, str]]:
    """(label, URL, rel) of the files ``name`` (an fsspec URL) stands for."""
    found: list[tuple[str, str, str]] = []
    if _has_magic(path):
        parts = path.split("/")
        base = "/".join(parts[: _glob_base(parts)])
        matches = fs.glob(path, detail=True)
        for match, info in matches.items():
            rel = posixpath.relpath(match, base or "/")
            if info.get("type") == "file" and _picked(rel, None):  # hidden names stay out
                url = fs.unstrip_protocol(match)
                found.append((url, url, rel))
    elif fs.isdir(path):
        for match in fs.find(path):
            rel = posixpath.relpath(match, path)
            if _picked(rel, picks):
                url = fs.unstrip_protocol(match)
                found.append((url, url, rel))
    else:
        return [(name, name, posixpath.basename(path.rstrip("/")))]
    found.sort(key=lambda f: _walk_key(f[2]))
    return found


def _plan(
    names: Sequence[str], all_files: bool, storage_options: Mapping[str, Any]
) -> tuple[list[_File], list[str]]:
    """The input files in input order (directories walked as the command walks them)."""
    picks = None if all_files else PICK["doc"]
    files: list[_File] = []
    errors: list[str] = []
    for name in names:
        fs, path = url_to_fs(name, **storage_options)
        local = _is_local(fs)
        if local:
            found, walk_errors = _plan_local(name if "://" not in name else path, picks)
            errors.extend(walk_errors)
        else:
            found = _plan_remote(name, fs, path, picks)
        if not found and _has_magic(path):
            errors.append(f"{name}: no file matches")  # what a missing file would be
        files.extend(
            _File(len(files) + i, label, source, local, rel)
            for i, (label, source, rel) in enumerate(found)
        )
    return files, errors


def _units(files: Iterable[_File]) -> list[tuple[_File, ...]]:
    """The files grouped by the outputs they may claim, in order of first appearance.

    Outputs are named for their form, so ``a.xml`` and ``a.json`` can both make ``a.json``:
    such files go to one task, which writes the first and refuses the next as the command does.
    """
    groups: dict[str, list[_File]] = {}
    for file in files:
        groups.setdefault(str(PurePosixPath(file.rel).with_suffix("")), []).append(file)
    return [tuple(group) for group in groups.values()]


def _fetch(file: _File, storage_options: Mapping[str, Any]) -> Task:
    if file.local:
        return Task(file.label, file.source)  # read by the command's own job
    try:
        fs, path = url_to_fs(file.source, **storage_options)
        return Task(file.label, None, fs.cat_file(path))
    except OSError as exc:
        return Task(file.label, None, failure=exc)


def _put(fs: Any, path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` on ``fs`` under a temporary name, then move it into place."""
    parent = fs._parent(path)
    tmp = f"{parent.rstrip('/')}/.ucwaformat-{uuid.uuid4().hex}.tmp"
    fs.makedirs(parent, exist_ok=True)
    try:
        fs.pipe_file(tmp, data)
        fs.mv(tmp, path)
    except BaseException:
        with contextlib.suppress(Exception):
            if fs.exists(tmp):
                fs.rm_file(tmp)
        raise


def _store(file: _File, done: Done, job: _Job, claimed: dict[str, str]) -> str | None:
    """Write one output; None when written, else the message saying why not."""
    assert done.out is not None and done.form is not None
    rel = PurePosixPath(file.rel).with_suffix(EXT[done.form])
    shown = job.target.shown(rel)
    other = claimed.setdefault(shown, file.label)
    if other != file.label:
        return f"{file.label}: not written: {shown} is the output of {other}"
    try:
        if job.target.local:
            write_atomic(Path(job.target.root, rel), done.out)
        else:
            fs, root = url_to_fs(job.target.root, **job.storage_options)
            _put(fs, f"{root.rstrip('/')}/{rel}", done.out)
    except OSError as exc:
        return os_error_line(file.label, exc)
    return None


def _convert_units(units: Iterable[tuple[_File, ...]], job: _Job) -> list[_Part]:
    """Convert and write a partition's files (on a worker)."""
    tally = Tally()
    failed: list[tuple[int, str]] = []
    for unit in units:
        claimed: dict[str, str] = {}
        for file in unit:
            done = doc_job(_fetch(file, job.storage_options), job.opts)
            tally.size_in += done.size
            message = done.messages[0] if done.out is None else _store(file, done, job, claimed)
            if message is None:
                assert done.out is not None
                tally.converted += 1
                tally.size_out += len(done.out)
            else:
                tally.failed += 1
                failed.append((file.index, message))
    return [_Part(tally, tuple(failed))]


def _target(out_dir: str, storage_options: Mapping[str, Any]) -> _Target:
    fs, path = url_to_fs(out_dir, **storage_options)
    if _is_local(fs):
        return _Target(out_dir if "://" not in out_dir else path, os.path.abspath(path), True)
    return _Target(out_dir, fs.unstrip_protocol(path), False)


def convert_files(
    inputs: str | Sequence[str],
    out_dir: str,
    *,
    to: Form | None = None,
    dialect: Dialect = "server",
    pretty: bool = False,
    rel: str | None = None,
    strict: bool = False,
    all_files: bool = False,
    partition_size: int | None = None,
    storage_options: Mapping[str, Any] | None = None,
    scheduler: Any = None,
) -> Summary:
    """Convert files on a Dask cluster, each written atomically under ``out_dir``.

    ``inputs`` are files, directories (walked recursively for ``*.xml`` and ``*.json``, every
    file with ``all_files=True``, hidden names skipped) and globs (``captures/**/*.xml``),
    local or fsspec URLs (``s3://bucket/dir/``); ``out_dir`` mirrors the input tree (below a
    directory, or a glob's part before its first wildcard) with each output named for its form,
    exactly as ``ucwaformat convert INPUTS --out-dir OUT_DIR`` writes them, byte for byte. Local
    paths must mean the same on the workers (shared storage); URLs need the filesystem's
    package (``s3fs``, ``gcsfs``, ...) on the client and the workers, and ``storage_options``
    are passed to fsspec for both the inputs and ``out_dir``.

    The work goes out as a Dask bag of ``partition_size`` files per task (by default up to
    64, fewer for small runs); ``scheduler`` is what ``dask.compute`` takes: a
    ``distributed.Client``, a scheduler name (``"processes"``, ``"sync"``), or None for the
    default (the current client, if one was created). A worker writes each output under a
    temporary name and renames it (on a non-local filesystem: writes a temporary file and
    ``fs.mv``\\ s it), so an output appears only complete, and only for a conversion that
    succeeded. Bad inputs are reported in :attr:`Summary.failed`, never raised.
    """
    started = time.perf_counter()
    names = [inputs] if isinstance(inputs, str) else list(inputs)
    options = dict(storage_options or {})
    job = _Job(_target(out_dir, options), _options(to, dialect, pretty, rel, strict), options)
    files, errors = _plan(names, all_files, options)
    units = _units(files)
    parts: list[_Part] = []
    if units:
        size = partition_size or max(1, min(64, len(units) // 16))
        bag: Any = cast(Any, db).from_sequence(units, partition_size=size)
        work = bag.map_partitions(functools.partial(_convert_units, job=job))
        parts = list(work.compute(scheduler=scheduler))
    total = Tally()
    failed: list[tuple[int, str]] = []
    for part in parts:
        total.converted += part.tally.converted
        total.size_in += part.tally.size_in
        total.size_out += part.tally.size_out
        failed.extend(part.failed)
    failed.sort()
    return Summary(
        converted=total.converted,
        failed=(*errors, *(message for _, message in failed)),
        bytes_in=total.size_in,
        bytes_out=total.size_out,
        seconds=time.perf_counter() - started,
    )


# --------------------------------------------------------------------------------------------
# The command's --dask
# --------------------------------------------------------------------------------------------


class ClusterError(Exception):
    """The cluster cannot be used: not reachable, no workers, another ucwaformat on them."""


def _check_versions(client: Any) -> None:
    """Refuse workers without this version of ucwaformat: outputs must not depend on the worker."""
    found: dict[str, Any] = client.run(importlib.metadata.version, "ucwaformat", on_error="return")
    for worker, version in sorted(found.items()):
        if version != __version__:
            what = "no ucwaformat" if isinstance(version, Exception) else f"ucwaformat {version}"
            raise ClusterError(
                f"worker {worker} has {what}, this is ucwaformat {__version__}: install "
                f"'ucwaformat[dask]=={__version__}' on every worker"
            )


@contextlib.contextmanager
def cluster_executor(address: str) -> Iterator[tuple[Executor, int]]:
    """An executor on the cluster at ``address`` (``local``: one started here), and its threads.

    ``local`` starts a worker process per core, one thread each (conversion holds the GIL);
    both are closed on the way out.
    """
    # distributed's constructors are not annotated: used through Any.
    from distributed import Client as _Client
    from distributed import LocalCluster as _LocalCluster

    Client: Any = _Client
    LocalCluster: Any = _LocalCluster

    with contextlib.ExitStack() as stack:
        try:
            if address == "local":
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=dask.system.CPU_COUNT,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        # No dashboard, and its HTTP server on a free port, not on 8787.
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.ERROR,
                    )
                )
                client = stack.enter_context(Client(cluster, set_as_default=False))
            else:
                client = stack.enter_context(
                    Client(address, set_as_default=False, timeout=_CONNECT_TIMEOUT)
                )
            client.wait_for_workers(1, timeout=_WORKERS_TIMEOUT)
            _check_versions(client)
            threads = sum(client.nthreads().values())
        except OSError as exc:  # refused, unreachable, timed out
            raise ClusterError(str(exc) or type(exc).__name__) from exc
        # Bodies travel inside the tasks; a chunk of large documents is not a mistake.
        stack.enter_context(
            dask.config.set({"distributed.admin.large-graph-warning-threshold": "64 GiB"})
        )
        yield client.get_executor(pure=False), max(1, threads)
