"""``ucwaformat serve`` end to end over real HTTP on the loopback.

A small UCWA server that speaks only XML (Starlette on uvicorn, over TLS with a test CA) and
the proxy (``proxy_app``, what ``ucwaformat serve`` runs, on uvicorn) each run in a thread on
127.0.0.1 for the whole module; a JSON client (httpx) walks a real flow through the proxy:
autodiscover, the OAuth token, creating an application, the event channel's long poll, a
batch, an error, a gzip-compressing server, HEAD and 304. One test starts the command itself
in a subprocess and stops it with SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from data_paths import CORPUS

uvicorn = pytest.importorskip("uvicorn", reason="the proxy tests need uvicorn (test extra)")
httpx = pytest.importorskip("httpx", reason="the proxy tests need httpx (test extra)")
pytest.importorskip("starlette", reason="the proxy tests need starlette (test extra)")
trustme = pytest.importorskip("trustme", reason="the proxy tests need trustme (test extra)")

from http_servers import (  # noqa: E402
    APPLICATION,
    APPLICATION_INPUT_JSON,
    BATCH_REQUEST,
    BATCH_REQUEST_TYPE,
    BATCH_RESPONSE,
    BATCH_RESPONSE_TYPE,
    ERROR,
    EVENTS,
    MAX_BODY,
    MEETING,
    check_length,
    same,
    serving,
)
from starlette.applications import Starlette  # noqa: E402
from starlette.middleware.gzip import GZipMiddleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response, StreamingResponse  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402

import ucwaformat  # noqa: E402
from ucwaformat import UcwaFormatError, xml_to_json  # noqa: E402
from ucwaformat._batch import split_batch  # noqa: E402
from ucwaformat.cli import main  # noqa: E402
from ucwaformat.gateway import _serve, transcode  # noqa: E402
from ucwaformat.gateway.proxy import HEALTH_PATH, UpstreamProxy, proxy_app  # noqa: E402

JSON = "application/vnd.microsoft.com.ucwa+json"
XML = "application/vnd.microsoft.com.ucwa+xml"
SERVER_XML = f"{XML}; charset=utf-8"
ROOT_PATH = "/autodiscover/autodiscoverservice.svc/root"
BASE = "/ucwa/v1/applications/192"

ROOT = (CORPUS / "root/get-xml-response.xml").read_bytes()
USER = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<resource rel="user" href="/autodiscover/autodiscoverservice.svc/root/user" '
    b'xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">\n'
    b'  <link rel="applications" href="/ucwa/oauth/v1/applications" />\n'
    b'  <link rel="xframe" href="/Autodiscover/XFrame/XFrame.html" />\n'
    b"</resource>\n"
)
TOKEN = (CORPUS / "_concepts/CreateAnApplication/02-json.json").read_bytes()
ETAG = '"1234567"'
LONG_POLL = 0.4
READ_TIMEOUT = 0.8


# --- the upstream: a UCWA server that speaks XML only --------------------------------------------

RECEIVED: list[tuple[str, dict[str, str], bytes]] = []
DRIP: dict[str, Any] = {}


async def record(request: Request, ucwa: bool = True) -> bytes:
    body = await request.body()
    RECEIVED.append((request.url.path, dict(request.headers), body))
    accept = request.headers.get("accept")
    if ucwa:  # nobody asks this server for UCWA JSON
        assert accept is None or "json" not in accept, accept
    return body


def xml(body: bytes, status: int = 200, **headers: str) -> Response:
    return Response(body, status_code=status, headers={"content-type": SERVER_XML, **headers})


async def root(request: Request) -> Response:
    await record(request)
    return xml(ROOT)


async def user(request: Request) -> Response:
    await record(request)
    if request.headers.get("authorization") != "Bearer cwt=AAEB...buHc":
        return xml(ERROR, 401)
    return xml(USER)


async def token(request: Request) -> Response:
    body = await record(request, ucwa=False)
    assert body.startswith(b"grant_type=password")
    return Response(TOKEN, media_type="application/json")


async def applications(request: Request) -> Response:
    body = await record(request)
    media = request.headers.get("content-type", "").split(";")[0]
    if media not in (XML, "application/xml"):
        return Response(b"XML only", status_code=415, media_type="text/plain")
    try:
        ucwaformat.from_xml(body)
    except UcwaFormatError:
        return xml(ERROR, 400)
    return xml(APPLICATION, 201)


async def events(request: Request) -> StreamingResponse:
    """The event channel's P-GET: headers at once, the document when the events come."""
    await record(request)

    async def document() -> AsyncIterator[bytes]:
        yield EVENTS[:100]
        await asyncio.sleep(LONG_POLL)
        DRIP["events_done"] = time.monotonic()
        yield EVENTS[100:]

    return StreamingResponse(document(), headers={"content-type": SERVER_XML})


async def drip(request: Request) -> StreamingResponse:
    """A body that goes on for 5 s, one chunk every 50 ms, unless its client goes away."""
    DRIP["chunks"] = 0
    DRIP["stopped"] = None

    async def chunks() -> AsyncIterator[bytes]:
        try:
            for _ in range(100):
                DRIP["chunks"] += 1
                yield b"x" * 100
                await asyncio.sleep(0.05)
        finally:
            DRIP["stopped"] = time.monotonic()

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def batch(request: Request) -> Response:
    body = await record(request)
    for part in split_batch(body, request.headers["content-type"]):
        assert part.header("accept") == XML, part
    return Response(BATCH_RESPONSE, headers={"content-type": BATCH_RESPONSE_TYPE})


async def conflict(request: Request) -> Response:
    await record(request)
    return xml(ERROR, 409)


async def meeting(request: Request) -> Response:
    await record(request)
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers={"etag": ETAG, "content-type": SERVER_XML})
    return xml(MEETING, etag=ETAG)


async def echo(request: Request) -> Response:
    """The headers this server received, and hop-by-hop headers of its own in the answer."""
    await record(request)
    return Response(
        orjson.dumps(dict(request.headers)),
        media_type="application/json",
        headers={"keep-alive": "timeout=5", "x-private": "1", "connection": "x-private"},
    )


async def slow(request: Request) -> Response:
    await asyncio.sleep(READ_TIMEOUT + 0.5)
    return xml(MEETING)


UPSTREAM = Starlette(
    routes=[
        Route(ROOT_PATH, root),
        Route(f"{ROOT_PATH}/user", user),
        Route("/WebTicket/oauthtoken", token, methods=["POST"]),
        Route("/ucwa/oauth/v1/applications", applications, methods=["POST"]),
        Route("/ucwa/v1/applications/appId/events", events),
        Route(f"{BASE}/batch", batch, methods=["POST"]),
        Route(f"{BASE}/conflict", conflict),
        Route(f"{BASE}/meeting", meeting),
        Route(f"{BASE}/drip", drip),
        Route(f"{BASE}/slow", slow),
        Route("/echo", echo),
        Mount(
            f"{BASE}/gz",
            app=GZipMiddleware(Starlette(routes=[Route("/meeting", meeting)]), minimum_size=100),
        ),
    ]
)


# --- the servers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A test CA's bundle (PEM); the upstream's certificate, for 127.0.0.1, is signed by it."""
    authority = trustme.CA()
    folder = tmp_path_factory.mktemp("tls")
    bundle = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    cert = authority.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    yield bundle


@pytest.fixture(scope="module")
def upstream(ca: Path) -> Iterator[str]:
    server_pem = ca.parent / "server.pem"
    with serving(
        UPSTREAM, lifespan="off", ssl_certfile=str(server_pem), ssl_keyfile=str(server_pem)
    ) as port:
        yield f"https://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def proxy(upstream: str, ca: Path) -> Iterator[str]:
    app = proxy_app(
        upstream,
        verify=str(ca),
        exclude_paths=["/WebTicket/"],
        read_timeout=READ_TIMEOUT,
        max_body_size=MAX_BODY,
        loss_header="X-UCWA-Losses",
    )
    with serving(app, **_serve.UVICORN_OPTIONS) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def client(proxy: str) -> Iterator[Any]:
    with httpx.Client(base_url=proxy, timeout=10) as http_client:
        yield http_client


def path_of(href: str) -> str:
    return urlsplit(href).path


# --- the flow ---------------------------------------------------------------------------------


def test_a_json_client_walks_the_flow(client: Any) -> None:
    """Autodiscover, the OAuth token (plain JSON, excluded), create an application."""
    discovered = client.get(ROOT_PATH, headers={"Accept": JSON})
    assert discovered.status_code == 200
    assert discovered.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(discovered)
    same(discovered.content, ROOT)
    user_href = discovered.json()["_links"]["user"]["href"]

    # the token endpoint's JSON is not UCWA: it passes through as the server wrote it
    token = client.post(
        "/WebTicket/oauthtoken",
        content=b"grant_type=password&username=a&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON},
    )
    assert token.status_code == 200 and token.content == TOKEN
    assert token.headers["content-type"] == "application/json"
    authorization = f"{token.json()['token_type']} {token.json()['access_token']}"

    found = client.get(user_href, headers={"Accept": JSON, "Authorization": authorization})
    assert found.status_code == 200, found.text
    applications_href = found.json()["_links"]["applications"]["href"]

    created = client.post(
        applications_href,
        content=APPLICATION_INPUT_JSON,
        headers={"Content-Type": JSON, "Accept": JSON, "Authorization": authorization},
    )
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(created)
    same(created.content, APPLICATION)
    path, headers, body = RECEIVED[-1]
    assert path == applications_href and headers["content-type"].startswith(XML)
    assert body.startswith(b"<?xml")
    same(body, APPLICATION_INPUT_JSON)
    assert path_of(created.json()["_links"]["events"]["href"]) == "/ucwa/v1/applications/appId/events"


def test_the_event_long_poll_is_answered_when_its_document_is(proxy: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=proxy, timeout=10) as http_client:
            started = time.monotonic()
            poll = asyncio.create_task(
                http_client.get(
                    "/ucwa/v1/applications/appId/events",
                    params={"ack": "1"},
                    headers={"Accept": JSON},
                )
            )
            await asyncio.sleep(0.05)
            quick = await http_client.get(f"{BASE}/meeting", headers={"Accept": JSON})
            assert quick.status_code == 200 and not poll.done()  # the P-GET blocks nothing
            response = await poll
            answered = time.monotonic()
        assert answered - started >= LONG_POLL
        # buffered as one document, no more: answered as soon as the upstream's ended
        assert answered - DRIP["events_done"] < 0.2
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
        check_length(response)
        assert response.json()["_links"]["next"]["href"].endswith("events?ack=2")
        same(response.content, EVENTS)
        assert RECEIVED[-2][0] == "/ucwa/v1/applications/appId/events"

    asyncio.run(scenario())


def test_an_untranslated_body_streams_through(proxy: str) -> None:
    """An XML client's long poll: the first bytes arrive before the upstream's document ends."""

    async def scenario() -> None:
        async with (
            httpx.AsyncClient(base_url=proxy, timeout=10) as http_client,
            http_client.stream(
                "GET", "/ucwa/v1/applications/appId/events", headers={"Accept": XML}
            ) as response,
        ):
            started = time.monotonic()
            chunks = response.aiter_raw()
            first = await chunks.__anext__()
            assert time.monotonic() - started < LONG_POLL / 2
            assert first == EVENTS[: len(first)]
            rest = b"".join([chunk async for chunk in chunks])
            assert time.monotonic() - started >= LONG_POLL * 0.9
        assert first + rest == EVENTS
        assert response.headers["content-type"] == SERVER_XML

    asyncio.run(scenario())


def test_a_client_that_goes_away_releases_the_upstream(client: Any) -> None:
    with client.stream("GET", f"{BASE}/drip") as response:
        assert response.status_code == 200
        next(response.iter_raw())
        closed = time.monotonic()
    deadline = time.monotonic() + 3
    while DRIP["stopped"] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert DRIP["stopped"] is not None, "the upstream went on sending to nobody"
    assert DRIP["stopped"] - closed < 1 and DRIP["chunks"] < 50


def test_batch(client: Any) -> None:
    json_batch, _ = transcode(BATCH_REQUEST, BATCH_REQUEST_TYPE, JSON)
    response = client.post(
        f"{BASE}/batch",
        content=json_batch,
        headers={"Content-Type": BATCH_REQUEST_TYPE, "Accept": "multipart/batching"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == BATCH_RESPONSE_TYPE
    check_length(response)
    parts = split_batch(response.content, response.headers["content-type"])
    for number, part in enumerate(parts, 1):
        assert part.header("content-type") == f"{JSON}; charset=utf-8"
        same(part.body, (CORPUS / f"batch/post-xml-response.part{number}.xml").read_bytes())
    # the server got XML parts
    sent = split_batch(BATCH_REQUEST, BATCH_REQUEST_TYPE)
    got = split_batch(RECEIVED[-1][2], RECEIVED[-1][1]["content-type"])
    assert [part.body for part in got] == [part.body for part in sent]


def test_an_error_in_the_client_form(client: Any) -> None:
    response = client.get(f"{BASE}/conflict", headers={"Accept": JSON})
    assert response.status_code == 409
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(response)
    assert response.json()["code"] == "Conflict"
    same(response.content, ERROR)


def test_a_gzip_compressing_server(client: Any) -> None:
    response = client.get(f"{BASE}/gz/meeting", headers={"Accept": JSON, "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == xml_to_json(MEETING)  # decoded by httpx
    assert int(response.headers["content-length"]) < len(response.content)
    # a client that accepts no gzip is not sent it (the server saw no Accept-Encoding)
    response = client.get(
        f"{BASE}/gz/meeting", headers={"Accept": JSON, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in response.headers
    assert response.content == xml_to_json(MEETING)
    assert RECEIVED[-1][1]["accept-encoding"] == "identity"


def test_head_and_304(client: Any) -> None:
    get = client.get(f"{BASE}/meeting", headers={"Accept": JSON})
    assert get.headers["etag"] == f"W/{ETAG}"  # another representation than the server's
    head = client.head(f"{BASE}/meeting", headers={"Accept": JSON})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["etag"] == get.headers["etag"]
    # the server's length is that of its XML: a translated HEAD sends none rather than a wrong
    # one (uvicorn then says the body would be chunked)
    assert "content-length" not in head.headers
    # an XML client's HEAD is the server's own, with its length
    head = client.head(f"{BASE}/meeting", headers={"Accept": XML})
    assert head.headers["content-length"] == str(len(MEETING))
    # the weak tag the client got matches again: the server sees its own tag
    not_modified = client.get(
        f"{BASE}/meeting", headers={"Accept": JSON, "If-None-Match": get.headers["etag"]}
    )
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == f"W/{ETAG}"
    assert not_modified.headers["content-type"].startswith(JSON)
    assert RECEIVED[-1][1]["if-none-match"] == ETAG


# --- the proxy's own work -----------------------------------------------------------------------


def test_hop_by_hop_headers_dropped_and_forwarded_headers_set(
    client: Any, proxy: str, upstream: str
) -> None:
    response = client.get(
        "/echo",
        headers={
            "Accept": JSON,
            "Connection": "keep-alive, x-hop",
            "X-Hop": "1",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Proxy-Authorization": "Basic eA==",
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Host": "spoofed.example",
            "Authorization": "Bearer t",
            "User-Agent": "ContosoApp/1.0",
            "Accept-Encoding": "br",
        },
    )
    assert response.status_code == 200
    seen = response.json()  # plain JSON: passed through untouched
    for name in ("connection", "x-hop", "keep-alive", "te", "proxy-authorization"):
        assert name not in seen, name
    assert seen["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == urlsplit(proxy).netloc
    assert seen["host"] == urlsplit(upstream).netloc
    assert seen["authorization"] == "Bearer t" and seen["user-agent"] == "ContosoApp/1.0"
    assert seen["accept-encoding"] == "br"  # the client's, not the proxy's httpx defaults
    # the server's hop-by-hop headers stay between it and the proxy
    assert "x-private" not in response.headers and "keep-alive" not in response.headers


def test_health(client: Any, upstream: str) -> None:
    before = len(RECEIVED)
    response = client.get(HEALTH_PATH)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "upstream": upstream}
    assert client.head(HEALTH_PATH).status_code == 200
    assert len(RECEIVED) == before  # the upstream was not asked


def test_access_log(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    def lines() -> list[str]:
        # (The line of an earlier test's last request may arrive late: it is written once its
        # response has been sent, after the client has it. Only this test's request counts.)
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "ucwaformat.gateway.access" and "/conflict" in r.getMessage()
        ]

    with caplog.at_level(logging.INFO, logger="ucwaformat.gateway.access"):
        client.get(f"{BASE}/conflict", params={"x": "1"}, headers={"Accept": JSON})
        deadline = time.monotonic() + 2  # the line is written once the response is sent
        while not lines() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(lines()) == 1
    line = lines()[0]
    assert f'"GET {BASE}/conflict?x=1 HTTP/1.1" 409 ' in line
    assert line.startswith("127.0.0.1:")


def test_upstream_timeout_and_unreachable(client: Any) -> None:
    started = time.monotonic()
    response = client.get(f"{BASE}/slow", headers={"Accept": JSON})
    assert time.monotonic() - started < READ_TIMEOUT + 0.9
    assert response.status_code == 504
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    assert response.json()["code"] == "GatewayTimeout"

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    app = proxy_app(f"http://127.0.0.1:{port}", access_log=False)
    response = asgi_get(app, "/x", {"Accept": JSON})
    assert response.status_code == 502 and response.json()["code"] == "ServiceFailure"
    assert "could not be reached" in response.json()["message"]


def test_request_too_large(client: Any) -> None:
    body = b'{"culture": "' + b"x" * MAX_BODY + b'"}'
    response = client.post(
        "/ucwa/oauth/v1/applications", content=body, headers={"Content-Type": JSON, "Accept": JSON}
    )
    assert response.status_code == 413 and response.json()["code"] == "EntityTooLarge"


def test_tls_verification(upstream: str, ca: Path) -> None:
    # the system's CAs do not know the test CA: the certificate is refused ...
    response = asgi_get(proxy_app(upstream, access_log=False), BASE + "/meeting", {"Accept": JSON})
    assert response.status_code == 502
    assert "CERTIFICATE_VERIFY_FAILED" in response.json()["message"]
    # ... unless verification is off
    app = proxy_app(upstream, verify=False, access_log=False)
    response = asgi_get(app, BASE + "/meeting", {"Accept": JSON})
    assert response.status_code == 200
    same(response.content, MEETING)


def test_upstream_url_and_headers() -> None:
    forwarder = UpstreamProxy("https://ucwa.test:4443/prefix/")
    scope = {"raw_path": b"/ucwa/a%20b", "query_string": b"ack=1", "headers": []}
    assert forwarder.url(scope) == "https://ucwa.test:4443/prefix/ucwa/a%20b?ack=1"
    assert UpstreamProxy("http://ucwa.test").url({"path": "/x"}) == "http://ucwa.test/x"
    for bad in ("ucwa.test", "ftp://ucwa.test", "http://ucwa.test/?a=1", "http:///x"):
        with pytest.raises(ValueError):
            UpstreamProxy(bad)
    scope = {
        "headers": [(b"Host", b"proxy:8080"), (b"connection", b"close"), (b"x-a", b"1")],
        "scheme": "https",
    }
    assert forwarder.request_headers(scope) == [
        (b"x-a", b"1"),
        (b"x-forwarded-proto", b"https"),
        (b"x-forwarded-host", b"proxy:8080"),
    ]


def asgi_get(app: Any, path: str, headers: dict[str, str]) -> Any:
    """One GET to ``app`` in this process (its upstream connection is still real)."""

    async def get() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as http_client:
            response = await http_client.get(path, headers=headers)
        await app.app.app.aclose()  # the front, the middleware, the forwarder
        return response

    return asyncio.run(get())



# --- the command ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_and_stops_cleanly_on_sigterm(upstream: str, ca: Path) -> None:
    """The command itself: its options reach the proxy, SIGTERM lets a long poll finish and
    the command ends by the signal (as uvicorn does: 143 in a shell) after a clean shutdown."""
    port = free_port()
    command = [sys.executable, "-m", "ucwaformat", "serve", "--upstream", upstream]
    command += ["--port", str(port), "--ca-bundle", str(ca), "--plain-json"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http_client:
            deadline = time.monotonic() + 20
            while True:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "ucwaformat serve did not start"
                try:
                    if http_client.get(HEALTH_PATH).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            # --plain-json: a client that names its input plain application/json is translated
            created = http_client.post(
                "/ucwa/oauth/v1/applications",
                content=APPLICATION_INPUT_JSON,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
            assert created.status_code == 201, created.text
            same(RECEIVED[-1][2], APPLICATION_INPUT_JSON)
            assert RECEIVED[-1][1]["content-type"] == "application/xml"
            # SIGTERM during a long poll: the poll is still answered, then the command exits 0
            result: list[Any] = []

            def poll() -> None:
                result.append(
                    http_client.get("/ucwa/v1/applications/appId/events", headers={"Accept": JSON})
                )

            poller = threading.Thread(target=poll)
            poller.start()
            time.sleep(0.15)
            process.send_signal(signal.SIGTERM)
            poller.join(10)
        _out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == -signal.SIGTERM, err.decode()
    assert result and result[0].status_code == 200
    same(result[0].content, EVENTS)
    log = err.decode()
    assert f"http://127.0.0.1:{port} -> {upstream}" in log
    assert '"POST /ucwa/oauth/v1/applications HTTP/1.1" 201' in log  # the access log
    assert "Application shutdown complete" in log  # the upstream connections were closed
    assert "Traceback" not in log


def test_serve_help_answers_questions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    text = capsys.readouterr().out
    for words in ("--upstream URL", "examples:", "SIGTERM", "--plain-json", "hop-by-hop", HEALTH_PATH):
        assert words in text, words
    assert main(["--help"]) == 0
    assert "serve" in capsys.readouterr().out


def test_serve_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for argv, message in [
        (["--upstream", "ftp://x"], "http:// or https://"),
        (["--upstream", "http://x", "--certfile", "c.pem"], "--certfile and --keyfile"),
        (["--upstream", "https://x", "--ca-bundle", str(tmp_path / "none")], "no such file"),
        (["--upstream", "https://x", "--ca-bundle", "a", "--insecure"], "not allowed with"),
        (["--upstream", "http://x", "--exclude", "WebTicket"], "starts with '/'"),
        (["--upstream", "http://x", "--port", "0"], "more than 0"),
        (["--upstream", "http://x", "--schema", str(tmp_path / "none.json")], "--schema"),
    ]:
        assert main(["serve", *argv]) == 2, argv
        assert message in capsys.readouterr().err, argv


def test_serve_without_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn raises ImportError
    assert main(["serve", "--upstream", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "uvicorn" in err and "pip install 'ucwaformat[serve]'" in err


def test_serve_takes_schema_overlays_for_the_middleware(tmp_path: Path) -> None:
    # --schema (as convert, check and diff take it) reaches the middleware that translates.
    from ucwaformat import Schema

    overlay = {"resources": {"application": {"properties": {"leaseEnds": "datetime"}}}}
    schema = Schema.bundled().with_overlay(overlay)
    app = proxy_app("http://127.0.0.1:9", schema=schema)
    assert app.app._config.schema is schema
    (tmp_path / "bad.json").write_bytes(b"{")
    assert main(["serve", "--upstream", "http://x", "--schema", str(tmp_path / "bad.json")]) == 2


def test_serve_takes_the_limits_convert_takes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--max-depth, --max-attributes and --max-value-size, as on convert, reach proxy_app."""
    from ucwaformat import Limits
    from ucwaformat.gateway import proxy as proxy_module

    seen: dict[str, Any] = {}
    real = proxy_module.proxy_app

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(proxy_module, "proxy_app", spy)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # never serves
    argv = ["serve", "--upstream", "http://127.0.0.1:9", "--max-depth", "3"]
    assert main([*argv, "--max-value-size", "1000"]) == 1  # (not started: run did nothing)
    assert seen["limits"] == Limits(max_depth=3, max_value_size=1000)
    assert main(["serve", "--upstream", "http://127.0.0.1:9"]) == 1
    assert seen["limits"] == Limits()
    assert main([*argv, "--max-attributes", "0"]) == 2
    assert "--max-attributes" in capsys.readouterr().err
