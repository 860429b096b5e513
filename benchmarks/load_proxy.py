"""A bounded load test of ``ucwaformat serve``: the proxy's cost against the upstream called directly.

    python benchmarks/load_proxy.py [--requests 1000] [--concurrency 10] [--max-seconds 120]

Starts, on 127.0.0.1 only (free ports), an upstream that speaks XML only (the application of
``load_gateway.py`` on uvicorn, in a child process) and ``ucwaformat serve --upstream`` in
front of it (the command itself, in another child process); then sends the same number of
requests with ``httpx.AsyncClient`` from ``--concurrency`` workers three times:

1. ``direct``: an XML client's traffic straight to the upstream;
2. ``proxy, XML client``: the same traffic through the proxy (nothing to translate: the cost
   of the extra hop alone);
3. ``proxy, JSON client``: a JSON client's traffic through the proxy (every UCWA body
   translated, requests and responses).

The traffic cycles through a resource, an input POST, an event page, a batch, an error and a
PNG; every response is checked (status, Content-Type, exact body bytes: the upstream's own, or
what ``transcode()`` makes of it in-process). Prints requests/s and p50/p99 latency of each
run, then the proxy's p50 minus the direct p50 and the ratio of throughputs. Stops by itself:
after ``--requests`` per run, or ``--max-seconds`` in all. Exits 1 if a request failed or
differed. Needs uvicorn and httpx (the serve extra, or the test extra).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from load_gateway import (
    ROUTES,
    SERVER_XML,
    Case,
    bind,
    cases,
    corpus,
    load,
    percentile,
    xml_application,
)

import ucwaformat

XML = "application/vnd.microsoft.com.ucwa+xml"
BATCH_REQUEST_TYPE = 'multipart/batching;boundary="EA370946"'


def xml_cases() -> list[Case]:
    """An XML client's traffic: the upstream's answers come back unchanged."""
    out: list[Case] = []

    def add(name: str, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> None:
        status, content_type, expected = ROUTES[path]
        out.append(Case(name, method, path, headers, body, status, content_type, expected))

    add("get-resource-xml", "GET", "/meeting", {"Accept": XML})
    add(
        "post-input-xml",
        "POST",
        "/applications",
        {"Accept": XML, "Content-Type": SERVER_XML},
        corpus("applications/post-xml-request.xml"),
    )
    add("event-page-xml", "GET", "/events", {"Accept": XML})
    add(
        "batch-xml",
        "POST",
        "/batch",
        {"Accept": "multipart/batching", "Content-Type": BATCH_REQUEST_TYPE},
        corpus("batch/post-xml-request.mime"),
    )
    add("error-xml", "GET", "/conflict", {"Accept": XML})
    add("png", "GET", "/photo", {"Accept": XML})
    return out


def json_cases() -> list[Case]:
    """A JSON client's traffic (load_gateway's, less its XML client's request)."""
    return [case for case in cases() if not case.name.endswith("-xml")]


def serve_upstream() -> None:
    """``--serve-upstream``: the XML application on uvicorn; prints its port, stops on SIGINT."""
    sock = bind()
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(xml_application, lifespan="off", log_level="warning", access_log=False)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the signal it stopped on
        uvicorn.Server(config).run(sockets=[sock])
    sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: object, what: str, process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited ({process.returncode})")
        try:
            if callable(ready) and ready():
                return
        except (OSError, httpx.HTTPError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.02)


@contextlib.contextmanager
def child(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """The upstream and the proxy in front of it: their base URLs."""
    with child([sys.executable, str(Path(__file__).resolve()), "--serve-upstream"]) as upstream:
        assert upstream.stdout is not None
        line = upstream.stdout.readline()
        if not line.strip().isdigit():
            raise SystemExit("the upstream did not start")
        upstream_url = f"http://127.0.0.1:{int(line)}"
        wait_until(
            lambda: socket.create_connection(("127.0.0.1", int(line)), timeout=1).close() or True,
            "the upstream",
            upstream,
            10,
        )
        port = free_port()
        command = [sys.executable, "-m", "ucwaformat", "serve", "--upstream", upstream_url]
        command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
        with child(command) as proxy:
            proxy_url = f"http://127.0.0.1:{port}"
            wait_until(
                lambda: httpx.get(f"{proxy_url}/.ucwaformat/health").status_code == 200,
                "ucwaformat serve",
                proxy,
                20,
            )
            yield upstream_url, proxy_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="per run (default: 1000)")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="stop all runs after this long"
    )
    parser.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_upstream:
        serve_upstream()
        return 0
    deadline = time.monotonic() + args.max_seconds
    results: dict[str, tuple[list[float], list[str], float]] = {}
    with servers() as (upstream_url, proxy_url):
        for name, url, traffic in [
            ("direct", upstream_url, xml_cases()),
            ("proxy, XML client", proxy_url, xml_cases()),
            ("proxy, JSON client", proxy_url, json_cases()),
        ]:
            results[name] = asyncio.run(
                load(
                    url,
                    traffic,
                    args.requests,
                    args.concurrency,
                    deadline=deadline,
                    check_length=False,
                )
            )
    print(
        f"ucwaformat serve load test: {args.requests} requests per run, concurrency "
        f"{args.concurrency}, 6 request kinds in rotation; loopback, each server in a child process"
    )
    print(
        f"ucwaformat {ucwaformat.__version__}, python {platform.python_version()}, "
        f"uvicorn {uvicorn.__version__} (h11), httpx {httpx.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    summary: dict[str, tuple[float, float]] = {}
    failed = False
    for name, (latencies, errors, wall) in results.items():
        failed = failed or bool(errors) or len(latencies) != args.requests
        if not latencies:
            print(f"{name:20} no request answered")
            continue
        rate = len(latencies) / wall
        p50 = percentile(latencies, 0.50) * 1000
        summary[name] = (rate, p50)
        print(
            f"{name:20} {rate:7.0f} requests/s  p50 {p50:6.2f} ms  "
            f"p99 {percentile(latencies, 0.99) * 1000:6.2f} ms  "
            f"({len(latencies)} answered, {len(errors)} errors, {wall:.2f} s)"
        )
        for line in errors[:5]:
            print(f"  {line}")
    if "direct" in summary:
        direct_rate, direct_p50 = summary["direct"]
        for name in ("proxy, XML client", "proxy, JSON client"):
            if name in summary:
                rate, p50 = summary[name]
                print(
                    f"{name:20} p50 - direct p50 = {p50 - direct_p50:+6.2f} ms; "
                    f"throughput {rate / direct_rate:.2f} x direct"
                )
    if time.monotonic() > deadline:
        print(f"stopped at --max-seconds {args.max_seconds:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
