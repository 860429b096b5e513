"""Content negotiation and middleware for gateways between UCWA clients and servers.

:func:`transcode` turns one HTTP body into the form an ``Accept`` header asks for;
:class:`UcwaGatewayMiddleware` (ASGI) and :class:`UcwaGatewayWSGIMiddleware` (WSGI) put it in
front of an application that speaks one form (``app_form``) so that clients may speak either.

**Accept semantics.** Only the ranges that select a UCWA form count: the UCWA types (precise,
generic ``application/json`` / ``application/xml``, the ``vnd.microsoft.ucwa+xml``
misspelling), ``application/*`` and ``*/*``. Each form gets the quality of the most specific
range that matches one of its types (RFC 9110 §12.5.1); the form with the higher quality wins,
and at equal quality the one named by an exact type beats one reached through a wildcard (so
``application/json, */*`` asks for JSON). When neither form wins (both equal, both ``q=0``,
only wildcards, or no UCWA/JSON/XML range at all, e.g. ``multipart/batching`` or ``image/png``)
the body keeps its form, unless ``default_form=`` says otherwise. Ranges with a malformed ``q``
are ignored.

**Batches.** The parts of a ``multipart/batching`` body go to the form the ``Accept`` prefers
(:func:`~ucwaformat.convert_batch`, which also rewrites the parts' ``Content-Type`` and, in
request parts, ``Accept``). ``Accept: multipart/batching`` alone prefers no form, so the parts
are kept as they are, unless ``default_form=`` names one. The middlewares pass as
``default_form`` the form the client's own request parts used (their ``Accept``, else their
``Content-Type``), so a JSON client's batch comes back with JSON parts.

**Bodies.** UCWA bodies are read as UTF-8 unless the ``charset`` parameter names another
encoding; the output is always UTF-8, so a ``charset`` other than UTF-8 is rewritten to
``utf-8`` (one that says UTF-8 is kept as written). The precise or generic spelling and every
other parameter of the media type are kept (:func:`~ucwaformat.convert_media_type`). Bodies
that are not UCWA documents (images, SDP, HTML, text, anything without a UCWA or batch media
type) pass through byte for byte, and so does a body already in the target form. An empty body
only has its ``Content-Type`` switched.

**Middleware.** Request bodies that need translating are buffered (at most ``max_body_size``
bytes, else ``413``) and translated to ``app_form``; the ``Accept`` header the application sees
names ``app_form`` in place of each UCWA type. Responses that need translating are buffered
whole before anything is sent and translated to the form the client's ``Accept`` prefers (else
the form of the client's request body, else ``client_form``, else left alone); ``Content-Length``
is recomputed and ``Vary: Accept`` added to UCWA responses. Everything else streams through
untouched: non-UCWA bodies, bodies already in the wanted form, paths under ``exclude_paths``
(e.g. the OAuth token endpoint, whose JSON is not a UCWA document).

**Compression.** A body in ``gzip`` (``x-gzip``) or ``deflate`` is decoded (at most
``max_body_size`` bytes once decoded), translated, and a response is compressed again in the
coding it came in; a request reaches the application decoded, without ``Content-Encoding``.
So the gateway may sit on either side of compressing middleware. Other codings (``br``,
several at once) pass through untranslated, with a warning on the log.

**Entity tags.** A translated response's strong ``ETag`` is made weak (``W/"…"``): the other
form is an equivalent representation, not the same bytes (RFC 9110 §8.8.1). The tags in a
request's ``If-Match`` and ``If-None-Match`` reach the application without ``W/``, so its
conditional requests work as before.

**Losses.** What a translation cannot carry is logged on ``ucwaformat.gateway`` (INFO) and
given to ``on_loss(direction, loss)``; ``loss_header`` names a response header that carries
their count. ``strict=True`` (or ``"request"``, ``"response"``) makes a loss an error instead:
``400`` for a request, ``502`` for a response. A body that does not
translate gets a UCWA error ``reason`` in the client's form: ``400 BadRequest`` for a request,
``502 ServiceFailure`` for an application's response (``413 EntityTooLarge`` for a request
over the limit; a response over it is a ``502``); its message carries the
:class:`~ucwaformat.UcwaFormatError` position. Exceptions raised by the application itself are
re-raised unchanged, and since a translated response is sent only once complete, the server
can still answer ``500``. Translation runs synchronously, in the event loop for ASGI, so the
middleware needs no particular async library; UCWA bodies are small.

**Plain JSON.** A body of plain ``application/json`` is not taken for a UCWA document and
passes through, unless ``plain_json=True``: a UCWA server answers other JSON too (its OAuth
token endpoint), while UCWA clients and servers name their documents by the precise type.
``application/xml`` stays a UCWA type (no other XML is exchanged with a UCWA server), and so
do the generic types inside a batch and in ``Accept``. (:func:`transcode` is called for a body
its caller already takes for UCWA: it translates the generic types.)

**The proxy.** :mod:`ucwaformat.gateway.proxy` (the ``serve`` extra: uvicorn, httpx) is a
reverse proxy built on the ASGI middleware, run by ``ucwaformat serve --upstream URL``.
"""

from .._media import media_kind, preferred_form
from ._exchange import transcode
from .asgi import UcwaGatewayMiddleware
from .wsgi import UcwaGatewayWSGIMiddleware

__all__ = [
    "UcwaGatewayMiddleware",
    "UcwaGatewayWSGIMiddleware",
    "media_kind",
    "preferred_form",
    "transcode",
]
