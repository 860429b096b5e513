"""The ASGI gateway over real HTTP: uvicorn serving an XML UCWA-like application, httpx as client.

The server runs in a thread on 127.0.0.1 (a free port) for the whole module and is shut down
at its end. The application is a small Starlette app that speaks the real servers' form (XML)
and checks that what reaches it is XML; the middleware in front of it lets JSON clients in.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Iterator
from typing import Any

import pytest
from data_paths import CORPUS

uvicorn = pytest.importorskip("uvicorn", reason="the gateway HTTP tests need uvicorn (test extra)")
httpx = pytest.importorskip("httpx", reason="the gateway HTTP tests need httpx (test extra)")
pytest.importorskip("starlette", reason="the gateway HTTP tests need starlette (test extra)")

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
from starlette.responses import Response  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402

import ucwaformat  # noqa: E402
from ucwaformat import UcwaFormatError, xml_to_json  # noqa: E402
from ucwaformat._batch import split_batch  # noqa: E402
from ucwaformat.gateway import UcwaGatewayMiddleware, transcode  # noqa: E402

JSON = "application/vnd.microsoft.com.ucwa+json"
XML = "application/vnd.microsoft.com.ucwa+xml"
SERVER_XML = f"{XML}; charset=utf-8"
BASE = "/ucwa/v1/applications/192"

OPTIONS = (CORPUS / "applications/options-xml-response.xml").read_bytes()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
BROKEN = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<resource rel="me">\n<property name="x"></resource>'
)
LONG_POLL = 0.3


# --- the application: speaks XML only ---------------------------------------------------------

RECEIVED: list[tuple[str, str | None, str | None, bytes]] = []


def xml_only(request: Request) -> None:
    accept = request.headers.get("accept")
    assert accept is None or "json" not in accept, accept


async def record(request: Request) -> bytes:
    body = await request.body()
    RECEIVED.append(
        (request.url.path, request.headers.get("content-type"), request.headers.get("accept"), body)
    )
    return body


def xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=None, headers={"content-type": SERVER_XML})


async def meeting(request: Request) -> Response:
    xml_only(request)
    await record(request)
    return xml(MEETING)


async def applications(request: Request) -> Response:
    xml_only(request)
    if request.method == "OPTIONS":
        return Response(OPTIONS, media_type="application/xml")
    body = await record(request)
    if request.headers.get("content-type", "").split(";")[0] not in (XML, "application/xml"):
        return Response(b"not XML", status_code=415, media_type="text/plain")
    try:
        ucwaformat.from_xml(body)
    except UcwaFormatError:
        return xml(ERROR, 400)
    return xml(APPLICATION, 201)


async def events(request: Request) -> Response:
    xml_only(request)
    await record(request)
    await asyncio.sleep(LONG_POLL)  # a P-GET waits for events
    return xml(EVENTS)


async def batch(request: Request) -> Response:
    body = await record(request)
    for part in split_batch(body, request.headers["content-type"]):
        assert part.header("accept") == XML, part
    return Response(BATCH_RESPONSE, headers={"content-type": BATCH_RESPONSE_TYPE})


async def conflict(request: Request) -> Response:
    return xml(ERROR, 409)


async def photo(request: Request) -> Response:
    return Response(PNG, media_type="image/png")


async def broken(request: Request) -> Response:
    return xml(BROKEN)


async def gzipped(request: Request) -> Response:
    """A server that compresses its own responses (and whose client accepts gzip)."""
    xml_only(request)
    assert "gzip" in request.headers.get("accept-encoding", "")
    response = xml(gzip.compress(MEETING))
    response.headers["content-encoding"] = "gzip"
    response.headers["content-length"] = str(len(response.body))
    return response


async def brotli(request: Request) -> Response:
    response = xml(b"\x0b\x02\x80not really brotli\x03")
    response.headers["content-encoding"] = "br"
    return response


APP = UcwaGatewayMiddleware(
    Starlette(
        routes=[
            Route(f"{BASE}/onlineMeetings/myAssignedOnlineMeeting", meeting),
            Route("/ucwa/v1/applications", applications, methods=["POST", "OPTIONS"]),
            Route(f"{BASE}/events", events),
            Route(f"{BASE}/batch", batch, methods=["POST"]),
            Route(f"{BASE}/conflict", conflict),
            Route(f"{BASE}/photo", photo),
            Route(f"{BASE}/broken", broken),
            Route(f"{BASE}/gzipped", gzipped),
            Route(f"{BASE}/brotli", brotli),
            # Compression inside the gateway, as FastAPI's GZipMiddleware added first puts it.
            Mount(
                f"{BASE}/gz",
                app=GZipMiddleware(
                    Starlette(routes=[Route("/meeting", meeting)]), minimum_size=100
                ),
            ),
        ]
    ),
    app_form="xml",
    max_body_size=MAX_BODY,
)


# --- the server -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(APP, lifespan="off") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[Any]:
    with httpx.Client(base_url=base_url, timeout=10) as http_client:
        yield http_client


# --- the tests --------------------------------------------------------------------------------


def test_get_resource_json_client(client: Any) -> None:
    response = client.get(
        f"{BASE}/onlineMeetings/myAssignedOnlineMeeting", headers={"Accept": JSON}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    check_length(response)
    assert response.content == xml_to_json(MEETING)
    assert response.json()["rel"] == "myAssignedOnlineMeeting"
    assert response.json()["conferenceId"] == "12983487"
    same(response.content, MEETING)
    assert RECEIVED[-1][2] == XML  # the application was asked for XML


def test_get_resource_xml_client_untouched(client: Any) -> None:
    for accept in (XML, "application/xml", "*/*"):
        response = client.get(
            f"{BASE}/onlineMeetings/myAssignedOnlineMeeting", headers={"Accept": accept}
        )
        assert response.status_code == 200 and response.content == MEETING
        assert response.headers["content-type"] == SERVER_XML


def test_post_input_json_client(client: Any) -> None:
    before = len(RECEIVED)
    response = client.post(
        "/ucwa/v1/applications",
        content=APPLICATION_INPUT_JSON,
        headers={"Content-Type": JSON, "Accept": "application/json"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(response)
    same(response.content, APPLICATION)
    assert response.json()["_links"]["self"]["href"] == BASE
    _, content_type, accept, body = RECEIVED[before]
    assert content_type == XML and accept == "application/xml"
    assert body.startswith(b"<?xml")
    same(body, APPLICATION_INPUT_JSON)


def test_options_metadata(client: Any) -> None:
    response = client.options("/ucwa/v1/applications", headers={"Accept": JSON})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["metadata"][0]["httpMethod"] == "samplevalue"


def test_event_long_poll(base_url: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http_client:
            started = time.monotonic()
            poll = asyncio.create_task(
                http_client.get(f"{BASE}/events", params={"ack": "1"}, headers={"Accept": JSON})
            )
            await asyncio.sleep(0.05)
            quick = await http_client.get(
                f"{BASE}/onlineMeetings/myAssignedOnlineMeeting", headers={"Accept": JSON}
            )
            assert quick.status_code == 200 and not poll.done()  # the P-GET blocks nothing
            response = await poll
            assert time.monotonic() - started >= LONG_POLL
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
        check_length(response)
        page = response.json()
        assert page["_links"]["next"]["href"].endswith("events?ack=2")
        assert [sender["rel"] for sender in page["sender"]] == ["communication", "me"]
        same(response.content, EVENTS)

    asyncio.run(scenario())


def test_batch_json_client(client: Any) -> None:
    json_batch, _ = transcode(BATCH_REQUEST, BATCH_REQUEST_TYPE, JSON)
    assert b"ucwa+xml" not in json_batch
    response = client.post(
        f"{BASE}/batch",
        content=json_batch,
        headers={"Content-Type": BATCH_REQUEST_TYPE, "Accept": "multipart/batching"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == BATCH_RESPONSE_TYPE
    check_length(response)
    parts = split_batch(response.content, response.headers["content-type"])
    assert len(parts) == 2
    for number, part in enumerate(parts, 1):
        assert part.header("content-type") == f"{JSON}; charset=utf-8"
        same(part.body, (CORPUS / f"batch/post-xml-response.part{number}.xml").read_bytes())


def test_error_body_in_the_client_form(client: Any) -> None:
    response = client.get(f"{BASE}/conflict", headers={"Accept": "application/json"})
    assert response.status_code == 409
    # the application's precise type stays precise, whichever JSON type the client named
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(response)
    assert response.json()["code"] == "Conflict"
    assert response.json()["subcode"] == "AlreadyExists"


def test_non_ucwa_body_passes_through(client: Any) -> None:
    response = client.get(f"{BASE}/photo", headers={"Accept": JSON})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG
    check_length(response)


def test_malformed_request_is_400_in_the_client_form(client: Any) -> None:
    before = len(RECEIVED)
    response = client.post(
        "/ucwa/v1/applications",
        content=b'{"culture": "en-us",\n "endpointId": }',
        headers={"Content-Type": JSON, "Accept": JSON},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(response)
    error = response.json()
    assert error["code"] == "BadRequest"
    assert "(at line 2, column" in error["message"]
    assert len(RECEIVED) == before  # the application never saw it
    # the same for an XML client of a JSON application would be XML; here an XML client's
    # bad body reaches the XML application, which answers in XML
    response = client.post(
        "/ucwa/v1/applications", content=BROKEN, headers={"Content-Type": XML, "Accept": XML}
    )
    assert response.status_code == 400 and response.content == ERROR


def test_malformed_upstream_response_is_502(client: Any) -> None:
    response = client.get(f"{BASE}/broken", headers={"Accept": JSON})
    assert response.status_code == 502
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    check_length(response)
    error = response.json()
    assert error["code"] == "ServiceFailure"
    assert "(at line 3, column" in error["message"]
    response = client.get(f"{BASE}/broken", headers={"Accept": "application/xml"})
    assert response.status_code == 200 and response.content == BROKEN  # nothing to translate


def test_request_too_large_is_413(client: Any) -> None:
    body = b'{"culture": "' + b"x" * MAX_BODY + b'"}'
    response = client.post(
        "/ucwa/v1/applications", content=body, headers={"Content-Type": JSON, "Accept": JSON}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "EntityTooLarge"
    # the connection is still usable
    ok = client.get(f"{BASE}/onlineMeetings/myAssignedOnlineMeeting", headers={"Accept": JSON})
    assert ok.status_code == 200


# --- compression --------------------------------------------------------------------------------


def test_gzip_response_is_translated_and_compressed_again(client: Any) -> None:
    for path in (f"{BASE}/gzipped", f"{BASE}/gz/meeting"):
        response = client.get(path, headers={"Accept": JSON, "Accept-Encoding": "gzip"})
        assert response.status_code == 200, path
        assert response.headers["content-type"] == f"{JSON}; charset=utf-8", path
        assert response.headers["content-encoding"] == "gzip", path
        # httpx decoded the body: the JSON of the server's XML, compressed on the wire.
        assert response.content == xml_to_json(MEETING), path
        assert int(response.headers["content-length"]) < len(response.content)


def test_unknown_coding_passes_through_untranslated(client: Any) -> None:
    response = client.get(
        f"{BASE}/brotli", headers={"Accept": JSON, "Accept-Encoding": "identity"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == SERVER_XML
    assert response.headers["content-encoding"] == "br"


def test_gzip_request_body_reaches_the_app_decoded_and_translated(client: Any) -> None:
    response = client.post(
        "/ucwa/v1/applications",
        content=gzip.compress(APPLICATION_INPUT_JSON),
        headers={"Content-Type": JSON, "Content-Encoding": "gzip", "Accept": JSON},
    )
    assert response.status_code == 201, response.text
    _path, content_type, _accept, body = RECEIVED[-1]
    assert content_type is not None and content_type.startswith(XML)
    same(body, APPLICATION_INPUT_JSON)
    assert response.json()["rel"] == "application"


def test_a_form_refused_by_name_is_not_sent(client: Any) -> None:
    response = client.get(
        f"{BASE}/onlineMeetings/myAssignedOnlineMeeting", headers={"Accept": f"{JSON};q=0, */*"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(XML)
    assert response.content == MEETING
