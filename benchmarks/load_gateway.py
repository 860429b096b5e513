"""A bounded load test of the ASGI gateway: uvicorn + UcwaGatewayMiddleware + an XML application.

    python benchmarks/load_gateway.py [--requests 2000] [--concurrency 20] [--in-process]

Starts uvicorn on 127.0.0.1 (a free port; in a child process, or with ``--in-process`` in a
thread) with a small application that speaks
XML, as real UCWA servers do, behind ``UcwaGatewayMiddleware(app_form="xml")``; then sends a
fixed number of requests with ``httpx.AsyncClient`` from ``--concurrency`` workers, cycling
through a JSON client's traffic (GET a resource, POST an input, an event page, a batch, an error
body, a PNG) and an XML client's (passed through). Every response is checked against the one
computed in-process with ``ucwaformat.gateway.transcode``: status, Content-Type, Content-Length
and the exact body bytes. Prints throughput and latency percentiles (not asserted) and exits 1
if any request failed or differed. Needs uvicorn and httpx (the project's test extra).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

import ucwaformat
from ucwaformat.gateway import UcwaGatewayMiddleware, transcode

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
JSON = "application/vnd.microsoft.com.ucwa+json"
XML = "application/vnd.microsoft.com.ucwa+xml"
SERVER_XML = f"{XML}; charset=utf-8"
BATCH_REQUEST_TYPE = 'multipart/batching;boundary="EA370946"'
BATCH_RESPONSE_TYPE = 'multipart/batching; boundary="0cac9abd"'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


#: What the XML application answers, by path: (status, Content-Type, body).
ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/meeting": (200, SERVER_XML, corpus("myAssignedOnlineMeeting/get-xml-response.xml")),
    "/applications": (201, SERVER_XML, corpus("applications/post-xml-response.xml")),
    "/events": (200, SERVER_XML, corpus("_concepts/EventChannelDetails/02-xml.xml")),
    "/batch": (200, BATCH_RESPONSE_TYPE, corpus("batch/post-xml-response.mime")),
    "/conflict": (409, SERVER_XML, corpus("_concepts/ErrorsAndInformationalMessages/02-xml.xml")),
    "/photo": (200, "image/png", PNG),
}

Message = MutableMapping[str, Any]


async def xml_application(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """The application: reads the whole body, refuses JSON, answers from ROUTES."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    content_type = headers.get(b"content-type", b"")
    status, response_type, response = ROUTES.get(scope["path"], (404, "text/plain", b"no"))
    if b"json" in content_type or b"json" in headers.get(b"accept", b""):
        status, response_type, response = 415, "text/plain", b"the application speaks XML"
    elif scope["method"] == "POST" and scope["path"] == "/applications":
        ucwaformat.from_xml(body)  # the gateway must have sent XML
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", response_type.encode()),
                (b"content-length", str(len(response)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": response})


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    content_type: str
    expected: bytes


def cases() -> list[Case]:
    """The traffic, with each expected response computed in-process."""
    input_json = ucwaformat.xml_to_json(corpus("applications/post-xml-request.xml"))
    batch_json, _ = transcode(corpus("batch/post-xml-request.mime"), BATCH_REQUEST_TYPE, JSON)
    out: list[Case] = []

    def add(
        name: str,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes = b"",
        default_form: str | None = None,
    ) -> None:
        status, app_type, app_body = ROUTES[path]
        expected, expected_type = transcode(
            app_body,
            app_type,
            headers.get("Accept"),
            default_form="json" if default_form else None,
        )
        assert expected_type is not None
        out.append(Case(name, method, path, headers, body, status, expected_type, expected))

    add("get-resource-json", "GET", "/meeting", {"Accept": JSON})
    add(
        "post-input-json",
        "POST",
        "/applications",
        {"Accept": "application/json", "Content-Type": JSON},  # plain JSON is not UCWA
        input_json,
    )
    add("event-page-json", "GET", "/events", {"Accept": JSON})
    add(
        "batch-json",
        "POST",
        "/batch",
        {"Accept": "multipart/batching", "Content-Type": BATCH_REQUEST_TYPE},
        batch_json,
        default_form="json",  # the middleware takes it from the request's parts
    )
    add("error-json", "GET", "/conflict", {"Accept": JSON})
    add("png-passthrough", "GET", "/photo", {"Accept": JSON})
    add("get-resource-xml", "GET", "/meeting", {"Accept": XML})
    return out


def bind() -> socket.socket:
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY on the connections only of a socket whose
    # proto says TCP; with proto 0 the response's head and body wait out delayed ACKs (40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def make_server() -> uvicorn.Server:
    app = UcwaGatewayMiddleware(xml_application, app_form="xml")
    return uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )


def serve() -> None:
    """``--serve``: run the server in this process, print its port, stop on SIGTERM/SIGINT."""
    sock = bind()
    print(sock.getsockname()[1], flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the signal it stopped on
        make_server().run(sockets=[sock])
    sock.close()


@contextlib.contextmanager
def server_in_thread() -> Iterator[int]:
    sock = bind()
    server = make_server()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def server_in_subprocess() -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.strip().isdigit():
            raise SystemExit("the server process did not start")
        port = int(line)
        deadline = time.monotonic() + 10
        while True:  # uvicorn is listening once a connection is accepted
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server process did not listen") from None
                time.sleep(0.01)
        yield port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def load(
    base_url: str,
    traffic: list[Case],
    total: int,
    concurrency: int,
    *,
    deadline: float = math.inf,
    check_length: bool = True,
) -> tuple[list[float], list[str], float]:
    """``total`` requests of ``traffic`` in rotation from ``concurrency`` clients (each response
    checked against its case), stopping at ``deadline`` (``time.monotonic()``): the latencies,
    the errors and the wall time. Every case is sent once first, to warm up (not counted)."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def worker() -> None:
            for number in counter:
                if time.monotonic() > deadline:
                    return
                case = traffic[number % len(traffic)]
                started = time.perf_counter()
                try:
                    response = await client.request(
                        case.method, case.path, headers=case.headers, content=case.body
                    )
                except httpx.HTTPError as exc:
                    errors.append(f"#{number} {case.name}: {exc!r}")
                    continue
                latencies.append(time.perf_counter() - started)
                length = response.headers.get("content-length")
                problem = (
                    f"status {response.status_code}"
                    if response.status_code != case.status
                    else f"content-type {response.headers.get('content-type')!r}"
                    if response.headers.get("content-type") != case.content_type
                    else "content-length"
                    if check_length and length != str(len(response.content))
                    else "body"
                    if response.content != case.expected
                    else None
                )
                if problem is not None:
                    errors.append(f"#{number} {case.name}: unexpected {problem}")

        for case in traffic:  # warm-up, not counted
            await client.request(case.method, case.path, headers=case.headers, content=case.body)
        wall = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - wall
    return latencies, errors, wall


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the server in a thread of this process instead of a child process",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    started = server_in_thread() if args.in_process else server_in_subprocess()
    client_cpu = time.process_time()
    with started as port:
        base_url = f"http://127.0.0.1:{port}"
        latencies, errors, wall = asyncio.run(
            load(base_url, cases(), args.requests, args.concurrency)
        )
    client_cpu = time.process_time() - client_cpu
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    kinds = Counter(case.name for case in cases())
    where = (
        "server in a thread of the client's process"
        if args.in_process
        else ("server in a child process")
    )
    print(
        f"ucwaformat gateway load test: {args.requests} requests, concurrency {args.concurrency}, "
        f"{len(kinds)} request kinds in rotation"
    )
    print(
        f"python {platform.python_version()}, uvicorn {uvicorn.__version__} (h11), "
        f"httpx {httpx.__version__}, {platform.machine()}, {os.cpu_count()} CPUs; {where}"
    )
    if latencies:
        print(f"throughput  {len(latencies) / wall:8.0f} requests/s  ({wall:.2f} s wall)")
        print(
            f"latency ms  p50 {percentile(latencies, 0.50) * 1000:6.2f}  "
            f"p90 {percentile(latencies, 0.90) * 1000:6.2f}  "
            f"p99 {percentile(latencies, 0.99) * 1000:6.2f}  "
            f"max {max(latencies) * 1000:6.2f}  "
            f"mean {statistics.fmean(latencies) * 1000:6.2f}"
        )
    if not args.in_process:
        spent = server_cpu.ru_utime + server_cpu.ru_stime
        print(
            f"cpu         server {spent:.2f} s ({spent / args.requests * 1e3:.2f} ms/request, "
            f"start-up included), client {client_cpu:.2f} s"
        )
    print(f"errors      {len(errors)} (responses checked byte for byte against transcode())")
    for line in errors[:10]:
        print(f"  {line}")
    return 1 if errors or len(latencies) != args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
