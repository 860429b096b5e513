"""``ucwaformat serve``: its options and how it runs (the proxy is :mod:`.proxy`).

Kept apart from :mod:`.proxy` so that the command's parser costs no import of uvicorn or httpx:
they are imported only when ``serve`` runs, and their absence is reported by naming the extra.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Final

from .._errors import UcwaFormatError, add_limit_arguments, limits_of
from .._schema import Schema
from ._exchange import DEFAULT_MAX_BODY_SIZE
from ._proxyconf import CONNECT_TIMEOUT, HEALTH_PATH, MAX_CONNECTIONS, READ_TIMEOUT

EPILOG = """\
What is translated: bodies whose Content-Type is a UCWA type (application/vnd.microsoft.com.
ucwa+xml or +json, application/xml) or multipart/batching, to the form the client's Accept
prefers (else the form the client sent, else --client-form); requests go to --upstream-form.
Plain application/json (an OAuth token response) passes through untouched unless
--plain-json. Everything else streams through as it comes, both ways: photos, excluded paths,
bodies already in the wanted form. A body that is translated is buffered as one document (at
most --max-body-size), so the event channel's long poll is answered as soon as its document is
complete. gzip and deflate bodies are decoded, translated and compressed again.

Headers: hop-by-hop headers (Connection and those it names, Keep-Alive, Transfer-Encoding, TE,
Upgrade, Proxy-*) are dropped both ways; Host names the upstream; X-Forwarded-For (extended),
X-Forwarded-Proto and X-Forwarded-Host tell the upstream about the client. A translated
response gets Vary: Accept and a weak ETag. Links in the bodies are not rewritten: an absolute
URL the upstream writes (autodiscover's) still names the upstream.

Errors: an upstream that cannot be reached is answered 502 ServiceFailure, one that does not
answer within --read-timeout 504 GatewayTimeout, a body that does not translate 400 (request)
or 502 (response), each as a UCWA error in the client's form. Losses of a translation are
logged (ucwaformat.gateway, INFO); --strict makes them errors.

Running: GET /.ucwaformat/health answers 200 {"status": "ok", ...} without asking the
upstream. Each exchange is logged on stderr (ucwaformat.gateway.access) unless
--no-access-log. SIGTERM or Ctrl-C stop accepting connections, let open exchanges finish for
up to --graceful-timeout seconds and close the upstream connections; the command then ends by
the signal it got, as uvicorn does (status 143 in a shell for SIGTERM).

Needs the serve extra: pip install 'ucwaformat[serve]' (uvicorn and httpx).

examples:
  ucwaformat serve --upstream https://lyncweb.contoso.com
      JSON (or XML) clients on http://127.0.0.1:8080, the UCWA server behind
  ucwaformat serve --upstream https://ucwa.test --ca-bundle corp-ca.pem --exclude /WebTicket/
      a server whose certificate a private CA signed; its OAuth token endpoint left alone
  ucwaformat serve --upstream http://127.0.0.1:9000 --upstream-form json --client-form xml
      XML clients (those whose Accept says nothing too) in front of a JSON server
  ucwaformat serve --upstream https://lyncweb.contoso.com --host 0.0.0.0 --port 8443 \\
      --certfile proxy.pem --keyfile proxy.key           listen on all interfaces, over TLS
  curl -H 'Accept: application/vnd.microsoft.com.ucwa+json' \\
      http://127.0.0.1:8080/autodiscover/autodiscoverservice.svc/root
"""


def _positive(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    return parse


def add_serve_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` command to the subparsers ``sub`` of the ``ucwaformat`` parser."""
    srv: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="run a reverse proxy that translates between a UCWA server and its clients",
        description=(
            "Run a reverse proxy in front of a UCWA server (--upstream): clients speak JSON or\n"
            "XML, as their Accept says, and the server the form it speaks (--upstream-form)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    srv.set_defaults(run=run_serve, parser=srv)
    srv.add_argument(
        "--upstream", required=True, metavar="URL", help="the UCWA server (http:// or https://)"
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    srv.add_argument(
        "--port", type=_positive(int), default=8080, help="port to listen on (default: %(default)s)"
    )

    forms = srv.add_argument_group("translation")
    forms.add_argument(
        "--upstream-form",
        choices=("xml", "json"),
        default="xml",
        help="the form the upstream reads and writes (default: %(default)s)",
    )
    forms.add_argument(
        "--client-form",
        choices=("accept", "json", "xml"),
        default="accept",
        help="the form for clients whose Accept prefers neither form; 'accept' (the default): "
        "the form of the client's own request body, else what the upstream sent",
    )
    forms.add_argument(
        "--plain-json",
        action="store_true",
        help="take plain application/json bodies for UCWA documents too (by default they pass "
        "through, like an OAuth token response)",
    )
    forms.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATH",
        help="leave requests whose path starts with PATH untouched (repeatable), e.g. /WebTicket/",
    )
    forms.add_argument(
        "--schema",
        action="append",
        default=[],
        metavar="FILE",
        help="a schema overlay (JSON, as 'ucwaformat learn' writes) applied over the bundled "
        "schema; repeatable, applied in order",
    )
    forms.add_argument(
        "--strict",
        choices=("request", "response", "both"),
        help="make a translation's loss an error: 400 for a request, 502 for a response",
    )
    forms.add_argument(
        "--loss-header",
        metavar="NAME",
        help="send the count of a translation's losses in this response header",
    )
    forms.add_argument(
        "--max-body-size",
        type=_positive(int),
        default=DEFAULT_MAX_BODY_SIZE,
        metavar="BYTES",
        help="largest body translated, decoded (413 for a request, 502 for a response; "
        "bodies streamed through are not limited; default: %(default)s)",
    )
    add_limit_arguments(forms, _positive(int))

    up = srv.add_argument_group("the upstream connection")
    verify = up.add_mutually_exclusive_group()
    verify.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="verify the https upstream's certificate with these CAs (PEM) instead of the system's",
    )
    verify.add_argument(
        "--insecure",
        action="store_true",
        help="do not verify the https upstream's certificate (test servers only)",
    )
    up.add_argument(
        "--connect-timeout",
        type=_positive(float),
        default=CONNECT_TIMEOUT,
        metavar="SECONDS",
        help="to connect to the upstream (default: %(default)s)",
    )
    up.add_argument(
        "--read-timeout",
        type=_positive(float),
        default=READ_TIMEOUT,
        metavar="SECONDS",
        help="to wait for each piece of the upstream's answer; must outlast the event "
        "channel's long poll (default: %(default)s)",
    )
    up.add_argument(
        "--max-connections",
        type=_positive(int),
        default=MAX_CONNECTIONS,
        metavar="N",
        help="connections to the upstream at once (default: %(default)s)",
    )

    run = srv.add_argument_group("the server")
    run.add_argument("--certfile", metavar="PEM", help="serve clients over TLS with this certificate")
    run.add_argument("--keyfile", metavar="PEM", help="the private key of --certfile")
    run.add_argument(
        "--health-path",
        default=HEALTH_PATH,
        metavar="PATH",
        help="answered by the proxy itself (default: %(default)s)",
    )
    run.add_argument(
        "--no-access-log", action="store_true", help="do not log each exchange on stderr"
    )
    run.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="info",
        help="what is logged on stderr (default: %(default)s)",
    )
    run.add_argument(
        "--graceful-timeout",
        type=_positive(float),
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM, how long open exchanges (long polls) may go on (default: %(default)s)",
    )
    return srv


#: How the command runs the proxy on uvicorn, whatever the options (tests run it so too).
UVICORN_OPTIONS: Final[dict[str, Any]] = {
    "lifespan": "on",  # the upstream connections are closed at shutdown
    "access_log": False,  # the proxy's own access log names the status the client got
    "proxy_headers": False,  # X-Forwarded-* from clients are not trusted, only extended
    "server_header": False,  # the upstream's Server and Date headers are passed on
    "date_header": False,
}


def run_serve(args: argparse.Namespace) -> int:
    """Run the proxy until SIGTERM or SIGINT; 2 for usage errors and a missing extra."""
    parser: argparse.ArgumentParser = args.parser
    try:
        import httpx  # noqa: F401
        import uvicorn
    except ImportError as exc:
        print(
            f"ucwaformat serve: needs {exc.name or 'uvicorn and httpx'}, from the serve extra: "
            "pip install 'ucwaformat[serve]'",
            file=sys.stderr,
        )
        return 2
    from .proxy import proxy_app

    if bool(args.certfile) != bool(args.keyfile):
        parser.error("--certfile and --keyfile go together")
    verify: bool | str = True
    if args.insecure:
        verify = False
    elif args.ca_bundle is not None:
        if not Path(args.ca_bundle).is_file():
            parser.error(f"--ca-bundle: no such file: {args.ca_bundle}")
        verify = args.ca_bundle
    for path in args.exclude:
        if not path.startswith("/"):
            parser.error(f"--exclude: a path starts with '/', not {path!r}")
    schema = None
    for overlay in args.schema:
        try:
            schema = (schema or Schema.bundled()).with_overlay(overlay)
        except UcwaFormatError as exc:
            parser.error(f"--schema: {exc}")
    level = getattr(logging, args.log_level.upper())
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx logs each request at INFO: the access log says it already
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    try:
        app = proxy_app(
            args.upstream,
            app_form=args.upstream_form,
            client_form=None if args.client_form == "accept" else args.client_form,
            plain_json=args.plain_json,
            schema=schema,
            exclude_paths=args.exclude,
            max_body_size=args.max_body_size,
            limits=limits_of(args),
            strict=True if args.strict == "both" else args.strict or False,
            loss_header=args.loss_header,
            verify=verify,
            connect_timeout=args.connect_timeout,
            read_timeout=args.read_timeout,
            max_connections=args.max_connections,
            health_path=args.health_path,
            access_log=not args.no_access_log,
        )
    except ValueError as exc:
        parser.error(str(exc))
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=level,
        log_config=None,  # the logging set up above
        timeout_graceful_shutdown=max(1, round(args.graceful_timeout)),
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        **UVICORN_OPTIONS,
    )
    scheme = "https" if args.certfile else "http"
    logging.getLogger("ucwaformat.gateway").info(
        "ucwaformat serve: %s://%s:%s -> %s (upstream speaks %s)",
        scheme,
        args.host,
        args.port,
        args.upstream,
        args.upstream_form.upper(),
    )
    server = uvicorn.Server(config)
    # uvicorn handles SIGTERM and SIGINT: a graceful shutdown, then it raises the signal again
    # (the process ends by it); without a signal (a failed startup) this returns
    server.run()
    return 0 if server.started else 1
