"""Bulk conversion of many small files: one process, ``--jobs 2``, ``--dask local``, and the API.

    python benchmarks/bulk_files.py [--n 2000] [--repeat 3] [--workers 2] [--keep DIR]

Generates a tree of N corpus-like documents (the test corpus's XML and JSON documents that
convert, copied round-robin into 20 directories, each copy with its own href), then times on the
same tree, in this process, median of --repeat runs, each into a fresh output directory:

- ``ucwaformat convert TREE --out-dir OUT`` (one process), ``--jobs W`` and ``--dask local``
  (which starts and stops a cluster of W worker processes on every run: it is in the time);
- ``convert --dask ADDRESS`` and ``ucwaformat.dask.convert_files`` (whose workers read and write
  the files) on a running cluster: a scheduler and W workers in processes of their own;
- the cluster's start and stop alone, and the scheduler's overhead per task from no-op tasks,
  sent the way the command sends them (a window of futures through the client's executor) and
  the way ``convert_files`` does (a bag of one-element partitions).

Needs the dask extra (``pip install -e ".[dask]"``). Outputs are checked byte-identical across
the modes before anything is reported. The tree and outputs go to /dev/shm when it exists (disk
noise), else to the temporary directory; --keep DIR builds them in DIR instead.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import dask
import dask.bag as db
import distributed

import ucwaformat
import ucwaformat.dask
from ucwaformat._jobs import ordered_map
from ucwaformat.cli import main

ROOT: Final = Path(__file__).resolve().parent.parent
CORPUS: Final = ROOT / "tests" / "data" / "corpus"
DIRS: Final = 20
# The tree and the outputs live in memory when the system has a tmpfs: disk writes of thousands
# of small files are by far the noisiest part of the run on shared machines.
_SCRATCH: Final = "/dev/shm" if os.path.isdir("/dev/shm") else None


def _documents() -> list[tuple[str, bytes]]:
    """The corpus's documents that convert (name, bytes), in a fixed order."""
    found: list[tuple[str, bytes]] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".xml", ".json") or path.parent.name.startswith("_"):
            continue
        data = path.read_bytes()
        try:
            (ucwaformat.xml_to_json if path.suffix == ".xml" else ucwaformat.json_to_xml)(data)
        except ucwaformat.UcwaFormatError:
            continue
        found.append((f"{path.parent.name}-{path.stem}", data))
    return found


def make_tree(root: Path, n: int) -> int:
    """N documents under ``root`` in DIRS directories; their total size in bytes."""
    docs = _documents()
    size = 0
    for i in range(n):
        name, data = docs[i % len(docs)]
        # Its own href: no two files are the same bytes (nothing can be deduplicated).
        data = data.replace(b"/ucwa/", f"/ucwa/{i}/".encode(), 1)
        path = (
            root
            / f"d{i % DIRS:02d}"
            / f"{i:05d}-{name}{'.xml' if data.lstrip()[:1] == b'<' else '.json'}"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        size += len(data)
    return size


def _quiet_main(argv: Sequence[str]) -> int:
    with contextlib.redirect_stderr(io.StringIO()):
        return main(list(argv))


def _timed(run: Callable[[Path], Any], scratch: Path, repeat: int) -> tuple[float, Path]:
    """Median seconds of ``run(out_dir)`` over ``repeat`` runs, and the last output directory."""
    times: list[float] = []
    out = scratch
    for i in range(repeat):
        out = scratch / f"run{i}"
        started = time.perf_counter()
        run(out)
        times.append(time.perf_counter() - started)
        if i + 1 < repeat:
            shutil.rmtree(out)
    return statistics.median(times), out


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _cluster(workers: int) -> distributed.LocalCluster:
    # The command's --dask local cluster: processes, one thread each, no dashboard.
    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=40,
    )


@contextlib.contextmanager
def _external_cluster(workers: int) -> Iterator[str]:
    """A scheduler and a ``dask worker`` in processes of their own (as on real machines)."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = str(Path(tmp, "scheduler.json"))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--scheduler-file", spec,
             "--host", "127.0.0.1", "--port", "0", "--no-dashboard"], **quiet,
        )  # fmt: skip
        worker = None
        try:
            deadline = time.monotonic() + 60
            while not Path(spec).exists():
                if time.monotonic() > deadline or scheduler.poll() is not None:
                    raise RuntimeError("the scheduler did not start")
                time.sleep(0.05)
            worker = subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", spec,
                 "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"], **quiet,
            )  # fmt: skip
            with distributed.Client(scheduler_file=spec, set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=60)
                yield client.scheduler.address
        finally:
            for process in (worker, scheduler):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)


def _identity(item: Any) -> Any:
    return item


def _no_op_partition(items: Any) -> list[int]:
    return [0]


def no_op_overheads(client: Any, tasks: int, workers: int) -> tuple[float, float]:
    """Seconds per no-op task: through the command's executor window, and as a bag."""
    executor = client.get_executor(pure=False)
    started = time.perf_counter()
    assert sum(1 for _ in ordered_map(_identity, range(tasks), workers, 1, executor)) == tasks
    windowed = (time.perf_counter() - started) / tasks
    bag = db.from_sequence(range(tasks), partition_size=1).map_partitions(_no_op_partition)
    started = time.perf_counter()
    assert len(bag.compute(scheduler=client)) == tasks
    as_bag = (time.perf_counter() - started) / tasks
    return windowed, as_bag


def main_bench(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="files in the tree (default 2000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per mode, median (default 3)")
    ap.add_argument("--workers", type=int, default=2, help="--jobs and cluster size (default 2)")
    ap.add_argument("--keep", metavar="DIR", help="build the tree in DIR and keep it")
    args = ap.parse_args(argv)
    w = args.workers

    with contextlib.ExitStack() as stack:
        base = (
            Path(args.keep)
            if args.keep
            else Path(stack.enter_context(tempfile.TemporaryDirectory(dir=_SCRATCH)))
        )
        tree = base / "tree"
        shutil.rmtree(tree, ignore_errors=True)
        size = make_tree(tree, args.n)
        n = args.n
        print(
            f"command:   python benchmarks/bulk_files.py {' '.join(sys.argv[1:] if argv is None else argv)}"
        )
        print(
            f"versions:  Python {platform.python_version()}, ucwaformat {ucwaformat.__version__}, "
            f"dask {dask.__version__}, distributed {distributed.__version__}"
        )
        print(f"machine:   {platform.platform()} | {os.cpu_count()} CPUs")
        print(
            f"tree:      {n} files, {size / 1e6:.2f} MB ({size // n} bytes per file), {DIRS} directories"
        )
        print(f"method:    in-process, median of {args.repeat} runs, fresh output directory each")

        modes: dict[str, Callable[[Path], Any]] = {
            "convert (1 process)": lambda out: _quiet_main(
                ["convert", str(tree), "--out-dir", str(out)]
            ),
            f"convert --jobs {w}": lambda out: _quiet_main(
                ["convert", str(tree), "--out-dir", str(out), "-j", str(w)]
            ),
        }
        # --dask local sizes its cluster to the cores; with --workers != cores, say so.
        dask_local = "convert --dask local" + (
            "" if w == dask.system.CPU_COUNT else f" ({dask.system.CPU_COUNT} workers)"
        )
        modes[dask_local] = lambda out: _quiet_main(
            ["convert", str(tree), "--out-dir", str(out), "--dask", "local"]
        )
        results: dict[str, float] = {}
        reference: dict[str, bytes] | None = None
        for label, run in modes.items():
            seconds, out = _timed(run, base / label.replace(" ", "_"), args.repeat)
            got = _outputs(out)
            reference = reference or got
            assert got == reference and len(got) == n, f"{label}: outputs differ"
            results[label] = seconds

        # The cluster's own start and stop; then the API and no-op tasks on a running cluster.
        starts: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with _cluster(w) as cluster, distributed.Client(cluster, set_as_default=False):
                pass
            starts.append(time.perf_counter() - started)
        cluster_seconds = statistics.median(starts)
        with (
            _external_cluster(w) as address,
            distributed.Client(address, set_as_default=False) as client,
        ):
            running: dict[str, Callable[[Path], Any]] = {
                f"convert --dask ADDRESS (running cluster, {w} workers)": lambda out: _quiet_main(
                    ["convert", str(tree), "--out-dir", str(out), "--dask", address]
                ),
                f"dask.convert_files (running cluster, {w} workers)": lambda out: (
                    ucwaformat.dask.convert_files(str(tree), str(out), scheduler=client)
                ),
            }
            for label, run in running.items():
                seconds, out = _timed(run, base / f"running{len(results)}", args.repeat)
                assert _outputs(out) == reference, f"{label}: outputs differ"
                results[label] = seconds
            windowed, as_bag = no_op_overheads(client, 2000, w)

        single = results["convert (1 process)"]
        print()
        print("| mode | seconds | files/s | vs 1 process |")
        print("|---|---:|---:|---:|")
        for label, seconds in results.items():
            print(f"| {label} | {seconds:.2f} | {n / seconds:,.0f} | {single / seconds:.2f}x |")
        print()
        chunk = max(1, min(128, n // (4 * w)))  # the command's chunks on a cluster
        tasks = -(-n // chunk)
        ideal = single / w
        print(f"cluster start + stop ({w} workers): {cluster_seconds:.2f} s")
        for label, start in ((dask_local, cluster_seconds), (next(iter(running)), 0.0)):
            extra = results[label] - start - ideal
            print(
                f"{label}{' minus cluster start/stop' if start else ''} minus ideal compute "
                f"(1 process / {w}): {extra:.2f} s over {tasks} tasks of {chunk} files = "
                f"{extra / tasks * 1e3:.1f} ms per task"
            )
        print(
            f"no-op tasks on a running cluster: {windowed * 1e3:.2f} ms per task through the "
            f"command's executor window (2 per worker in flight), {as_bag * 1e3:.2f} ms per task "
            "as a bag"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
