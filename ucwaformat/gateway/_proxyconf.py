"""The proxy's defaults, apart from :mod:`.proxy` so that ``ucwaformat serve --help`` (in
:mod:`._serve`) shows them without importing httpx."""

from __future__ import annotations

from typing import Final

#: Where the proxy answers for itself (never forwarded).
HEALTH_PATH: Final = "/.ucwaformat/health"
#: Timeouts, in seconds. The read timeout bounds the wait for each piece of an upstream answer:
#: it must outlast the event channel's long poll (a UCWA server holds it up to its ``timeout``
#: parameter, 180 s by default).
CONNECT_TIMEOUT: Final = 10.0
READ_TIMEOUT: Final = 300.0
WRITE_TIMEOUT: Final = 60.0
#: Connections to the upstream at once.
MAX_CONNECTIONS: Final = 100
