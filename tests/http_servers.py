"""What the HTTP tests of the gateway and of the proxy share: the documents their UCWA
application serves, a uvicorn server on a free port, and the checks they make of a response.

(Imported only by test modules that have made sure uvicorn is installed.)
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from data_paths import CORPUS

from ucwaformat._diff import diff

MEETING = (CORPUS / "myAssignedOnlineMeeting/get-xml-response.xml").read_bytes()
APPLICATION = (CORPUS / "applications/post-xml-response.xml").read_bytes()
APPLICATION_INPUT_JSON = (CORPUS / "applications/post-json-request.json").read_bytes()
EVENTS = (CORPUS / "_concepts/EventChannelDetails/02-xml.xml").read_bytes()
ERROR = (CORPUS / "_concepts/ErrorsAndInformationalMessages/02-xml.xml").read_bytes()
BATCH_REQUEST = (CORPUS / "batch/post-xml-request.mime").read_bytes()
BATCH_REQUEST_TYPE = 'multipart/batching;boundary="EA370946"'
BATCH_RESPONSE = (CORPUS / "batch/post-xml-response.mime").read_bytes()
BATCH_RESPONSE_TYPE = 'multipart/batching; boundary="0cac9abd"'
#: The body limit both servers under test are given.
MAX_BODY = 64 * 1024


def same(a: bytes, b: bytes) -> None:
    """``a`` and ``b`` are the same document (in either form)."""
    assert diff(a, b) == []


def check_length(response: Any) -> None:
    assert response.headers["content-length"] == str(len(response.content))


@contextlib.contextmanager
def serving(app: Any, **options: Any) -> Iterator[int]:
    """``app`` on uvicorn in a thread on 127.0.0.1, on a free port (yielded); stopped after."""
    import uvicorn

    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on the connections (else each
    # response whose head and body are written apart waits out a delayed ACK, 40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, **{"log_level": "warning", "access_log": False, **options})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"
