""":func:`ordered_map` over a sequence in forked worker processes (``--jobs`` on Linux).

Leaner than a :class:`concurrent.futures.ProcessPoolExecutor`, whose threads (one feeding the
workers, one taking their results back) fight the converting parent for the interpreter lock,
whose tasks are pickled out and back, and whose modules (multiprocessing, queues, sockets)
cost tens of milliseconds to import at each start of the command:

- The workers are forked with the items in memory: a chunk is named by its number, never sent.
  The numbers wait in one *work pipe*, in input order; this process and every worker take the
  next one when it is ready for more (a 4-byte read: one chunk, whole, to one reader; Linux
  never splits a read of a pipe whose writes are all of whole numbers). Nothing is queued for
  a process that is busy, so nothing has to be taken back at the end, and chunks shrink
  towards the end so that every process finishes at about the same time.
- A worker sends each chunk's results (or its exception) back on a pipe of its own; this
  process waits on those pipes (``poll``: no limit on descriptor numbers) only when the next result it must hand on is
  being converted elsewhere and no chunk is left for it to take.
- Workers ignore Ctrl-C: when the run stops early (an interrupt, an error, a consumer that
  stops reading), this process empties the work pipe, closes the result pipes and waits for
  the workers, which end after the chunk they are converting (each output written whole).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Final, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: A chunk's number in the work pipe (all writes whole numbers, at most PIPE_BUF at once).
TOKEN: Final = 4
#: A result message's length, before the message in a result pipe.
LENGTH: Final = 8
#: Chunks handed out ahead of the one whose results are handed on next, per process.
AHEAD: Final = 4


class WorkerLost(RuntimeError):
    """A worker process ended before sending the results of the chunks it took."""


def chunk_bounds(start: int, stop: int, size: int, processes: int) -> list[tuple[int, int]]:
    """``range(start, stop)`` in chunks of ``size`` items, smaller towards the end: a chunk is
    at most a ``2 * processes``-th of what is left, so that the last chunks, taken by whoever
    is free, end at about the same time in every process."""
    bounds: list[tuple[int, int]] = []
    while start < stop:
        step = max(1, min(size, -(-(stop - start) // (2 * processes))))
        bounds.append((start, start + step))
        start += step
    return bounds


def _convert(fn: Callable[[T], R], items: Sequence[T], bounds: tuple[int, int]) -> list[R]:
    return [fn(items[i]) for i in range(*bounds)]


def _take(work: int) -> int | None:
    """The number of the next chunk in the work pipe; None when there is none now (or ever:
    the pipe is closed and empty)."""
    while True:
        try:
            token = os.read(work, TOKEN)
        except BlockingIOError:
            return None
        except InterruptedError:  # pragma: no cover - Python retries, unless a handler raises
            continue
        return int.from_bytes(token, "little") if token else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _serve(
    fn: Callable[[T], R], items: Sequence[T], bounds: list[tuple[int, int]], work: int, out: int
) -> None:
    """A worker: take chunks from the work pipe until it is closed and empty, convert each and
    send back its number with its results, or with the exception converting it raised."""
    waiting = select.poll()
    waiting.register(work, select.POLLIN)
    while True:
        try:
            token = os.read(work, TOKEN)
        except BlockingIOError:  # the pipe is shared, and non-blocking for the parent's sake
            waiting.poll()
            continue
        if not token:
            return
        number = int.from_bytes(token, "little")
        try:
            message = pickle.dumps((number, _convert(fn, items, bounds[number]), None), -1)
        except BaseException as exc:  # raised where the results are handed on
            try:
                message = pickle.dumps((number, None, exc), -1)
            except Exception:  # an exception that does not pickle
                message = pickle.dumps((number, None, WorkerLost(f"{type(exc).__name__}: {exc}")))
        _write_all(out, len(message).to_bytes(LENGTH, "little") + message)


def _fork(
    fn: Callable[[T], R],
    items: Sequence[T],
    bounds: list[tuple[int, int]],
    work: int,
    feed: int,
    others: list[int],
) -> tuple[int, int]:
    """A worker process: its id and the read end of its result pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker (coverage does not follow it)
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            # Only the parent writes chunk numbers, and reads the results: the work pipe ends
            # when the parent closes it, a result pipe when the parent stops reading it.
            for fd in (feed, read, *others):
                os.close(fd)
            _serve(fn, items, bounds, work, write)
            status = 0
        finally:
            os._exit(status)  # never back into the parent's code, its buffers, its atexit
    os.close(write)
    return pid, read


def forked_map(fn: Callable[[T], R], items: Sequence[T], jobs: int, chunksize: int) -> Iterator[R]:
    """``map(fn, items)`` in this process and ``jobs - 1`` forked workers, results in order.

    This process converts the first item before forking (the workers then have what it loaded:
    the schema, the converters' caches), then takes chunks from the work pipe like the workers
    whenever the next result it must hand on is not ready, and waits only when none is left.
    An exception raised converting a chunk in a worker is raised here, in its place in the
    order; one raised here, at once.
    """
    if not items:
        return
    first = [fn(items[0])]
    bounds = chunk_bounds(1, len(items), chunksize, jobs)
    if not bounds:
        yield from first
        return
    workers: dict[int, int] = {}  # result pipe -> worker process
    running = select.poll()  # the result pipes of the workers still running
    buffers: dict[int, bytearray] = {}
    ready: dict[int, tuple[list[R] | None, BaseException | None]] = {}
    work, feed = os.pipe()
    os.set_blocking(work, False)
    fed = 0  # chunk numbers written to the work pipe
    head = 0  # the chunk whose results are handed on next

    def refill() -> None:
        nonlocal fed, feed
        upto = min(len(bounds), head + min(AHEAD * jobs, 1000))
        if fed < upto:
            _write_all(feed, b"".join(n.to_bytes(TOKEN, "little") for n in range(fed, upto)))
            fed = upto
        if fed == len(bounds) and feed >= 0:
            os.close(feed)  # no more chunks: a worker that finds the pipe empty ends
            feed = -1

    def collect(timeout: float | None) -> None:
        """Read what the workers sent (waiting up to ``timeout`` for something)."""
        for fd, _ in running.poll(None if timeout is None else timeout * 1000):
            buffer = buffers[fd]
            ended = False
            while not ended:
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    break
                buffer += data
                ended = not data
            while len(buffer) >= LENGTH:
                size = int.from_bytes(buffer[:LENGTH], "little")
                if len(buffer) < LENGTH + size:
                    break
                number, results, exc = pickle.loads(buffer[LENGTH : LENGTH + size])
                del buffer[: LENGTH + size]
                ready[number] = results, exc
            if ended:  # the worker is gone: having sent all it took, or not
                running.unregister(fd)
                pid = workers.pop(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                if status != 0 or buffer:
                    raise WorkerLost(f"a worker process ended unexpectedly (status {status})")

    # Output buffered here would be written again by each worker's copy of the buffers.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    # What exists now is left alone by the collector: its passes would touch (and so copy) the
    # memory every process shares after the fork.
    gc.freeze()
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(min(jobs - 1, len(bounds))):
                pid, fd = _fork(fn, items, bounds, work, feed, list(workers))
                workers[fd] = pid
                buffers[fd] = bytearray()
                os.set_blocking(fd, False)
                running.register(fd, select.POLLIN)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        refill()
        yield from first
        while head < len(bounds):
            if workers:
                collect(0)
            if head in ready:
                results, exc = ready.pop(head)
                head += 1
                refill()
                if exc is not None:
                    raise exc
                assert results is not None
                yield from results
                continue
            number = _take(work)
            if number is not None:
                ready[number] = _convert(fn, items, bounds[number]), None
            elif workers:
                collect(None)
            else:
                raise WorkerLost("the workers ended without the results of a chunk they took")
    finally:
        # Stopped early or done: no chunk is taken any more, the workers end after the one
        # they convert (a worker sending its results finds its pipe closed), and are waited for.
        while _take(work) is not None:
            pass
        os.close(work)
        if feed >= 0:
            os.close(feed)
        for fd, pid in workers.items():
            os.close(fd)
            os.waitpid(pid, 0)
        gc.unfreeze()
