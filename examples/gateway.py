"""A gateway: an application that speaks UCWA XML, and clients that may speak JSON.

``UcwaGatewayMiddleware`` wraps any ASGI application (here a tiny one, no framework) and
translates bodies to the form each side wants. Serve it with ``uvicorn examples.gateway:app``;
``python examples/gateway.py`` sends it two requests in-process and prints the answers.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from ucwaformat.gateway import UcwaGatewayMiddleware

XML = "application/vnd.microsoft.com.ucwa+xml"
JSON = "application/vnd.microsoft.com.ucwa+json"
MEETING = (Path(__file__).parent / "myAssignedOnlineMeeting.xml").read_bytes()


async def xml_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The application: answers every GET with a meeting in XML, echoes the subject of a PUT."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["method"] == "PUT":
        # The gateway has turned the client's JSON into the XML this application reads.
        assert body.startswith(b"<"), body
        answer = body
    else:
        answer = MEETING
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", XML.encode())]}
    )
    await send({"type": "http.response.body", "body": answer})


losses: list[tuple[str, Any]] = []
app = UcwaGatewayMiddleware(
    xml_app,
    app_form="xml",
    on_loss=lambda direction, loss: losses.append((direction, loss)),
    loss_header="X-UCWA-Losses",
)


async def request(
    method: str, accept: str, body: bytes = b"", content_type: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP exchange with ``app``, without a server (what an ASGI server does)."""
    headers = [(b"accept", accept.encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    scope = {"type": "http", "method": method, "path": "/ucwa/v1/meeting", "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    answer = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, answer


async def main() -> None:
    status, headers, body = await request("GET", JSON)
    meeting = json.loads(body)
    print(f"GET -> {status} {headers['content-type']}")
    print(f"  rel={meeting['rel']} subject={meeting['subject']!r}")
    # XML dates carry 100 ns ticks and an offset, JSON's /Date(ms)/ neither: reported, not silent.
    print(f"  losses: {headers.get('x-ucwa-losses', '0')}")
    for direction, loss in losses:
        print(f"    {direction}: {loss.kind} at {loss.path}")

    put = json.dumps({"subject": "Moved to Friday"}).encode()
    status, headers, body = await request("PUT", JSON, put, JSON)
    print(f"PUT -> {status} {headers['content-type']}: {body.decode()}")


if __name__ == "__main__":
    asyncio.run(main())
