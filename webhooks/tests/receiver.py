"""A real HTTP server for webhook tests: it records what it is sent, answers as told (a
status per request, a delay), and can be killed and started again on the same port."""

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


class Receiver:
    def __init__(self, port: int = 0):
        self.received: list[dict] = []  # every request, verified or not, in arrival order
        self.statuses: deque[int] = deque()  # answers to give first; then 200
        self.delay = 0.0
        self.lock = threading.Lock()
        self.port = port
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.statuses.popleft() if receiver.statuses else 200
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": body, "status": status}
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up waiting (a timeout test)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kill(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def verified(self, secret: str) -> list[dict]:
        """The payloads of the requests answered 2xx, each verified by standardwebhooks (which
        raises on a bad signature), in arrival order, with their webhook-id."""
        webhook = Webhook(secret)
        payloads = []
        for request in self.received:
            payload = webhook.verify(request["body"], request["headers"])
            if 200 <= request["status"] < 300:
                payloads.append({**payload, "webhook_id": request["headers"]["webhook-id"]})
        return payloads

    def sequences(self, secret: str) -> list[int]:
        return [payload["data"]["sequence"] for payload in self.verified(secret)]


def decoded(request: dict) -> dict:
    return json.loads(request["body"])
