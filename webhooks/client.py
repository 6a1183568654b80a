"""One webhook POST: to the address the guard checked (no second resolution), TLS verified
against the URL's host name, no redirects followed, bounded in time and in what is read."""

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

import urllib3
from django.conf import settings

from .guard import Target, UrlRefused, resolve

USER_AGENT = "Scheduler-Webhooks/1.0"
MAX_BODY = 1024  # of the receiver's answer, for the log


@dataclass(frozen=True)
class Outcome:
    status: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Deadline:
    """Cuts the attempt off after `seconds` in all: urllib3's read timeout bounds each read
    from the socket, and a receiver that drips its answer a byte at a time would otherwise
    hold the worker (and outlive its lease on the subscription) as long as it liked."""

    seconds: float
    expired: bool = False
    sockets: list[socket.socket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once

    def __enter__(self) -> "Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watched(self, connection_class: type) -> type:
        deadline = self

        class Watched(connection_class):
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                deadline.sockets.append(sock)
                if deadline.expired:  # expired while connecting
                    deadline._expire()
                return sock

        return Watched


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    started = time.monotonic()
    try:
        target = resolve(url)
    except UrlRefused as refused:
        return Outcome(None, _since(started), f"Refused: {refused}")
    deadline = Deadline(settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        with deadline:
            status = _send(target, body, headers, deadline)
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        if deadline.expired:
            return Outcome(None, _since(started), "Timed out")
        if isinstance(error, urllib3.exceptions.HTTPError):
            return Outcome(None, _since(started), _describe(error))
        # ValueError: what http.client cannot encode
        return Outcome(None, _since(started), f"{type(error).__name__}: {error}"[:500])
    if deadline.expired:
        return Outcome(None, _since(started), "Timed out")
    return Outcome(status, _since(started), "" if 200 <= status < 300 else f"HTTP {status}")


def _send(target: Target, body: bytes, headers: dict[str, str], deadline: Deadline) -> int:
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,  # SNI
            assert_hostname=target.host,  # the certificate is the name's, not the address's
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, maxsize=1
        )
    pool.ConnectionCls = deadline.watched(pool.ConnectionCls)
    with pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Host": host_header,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            release_conn=False,
        )
        try:
            response.read(MAX_BODY)  # a little of the answer, never all of a huge one
        finally:
            response.close()
        return response.status


def _describe(error: Exception) -> str:
    # NewConnectionError is a ConnectTimeoutError too (urllib3's history): it goes first.
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return f"Could not connect: {error}"[:500]
    if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
        return "Timed out connecting"
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return "Timed out"
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"[:500]


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
