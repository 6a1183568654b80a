"""A client that keeps a copy of one person's meetings: a sync, then webhooks, then a sync again
whenever a webhook shows a gap. Runnable as it is (it needs httpx and standardwebhooks):

    python docs/examples/consumer.py --api https://scheduler.example.com --token <api token> \
        --secret whsec_... --port 8765

Subscribe its address first (POST /api/webhooks/ {"url": "https://you.example.com:8765/",
"events": [...all five...]}) and give it the secret that answer shows once.
webhooks/tests/test_consumer_example.py runs this very file against a live server.
"""

import argparse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Mirror:
    """The meetings the API shows this person, by id, kept in step."""

    def __init__(self, *, api: str, token: str, secret: str):
        self.http = httpx.Client(
            base_url=api, headers={"Authorization": f"Token {token}"}, timeout=10
        )
        self.webhook = Webhook(secret)
        self.meetings: dict[int, dict] = {}
        self.sync_token: str | None = None
        self.last_sequence = 0  # the last webhook sequence number applied
        self.syncs = 0
        self.lock = threading.Lock()

    # -- sync: the source of truth ------------------------------------------------------------

    def sync(self) -> None:
        """Everything since the last sync (everything, the first time), page by page."""
        self.syncs += 1
        url = "/api/meetings/sync/"
        if self.sync_token:
            url += f"?sync_token={self.sync_token}"
        else:
            self.meetings.clear()
        while url:
            answer = self.http.get(url)
            if answer.status_code == 410:  # full_sync_required: start again
                self.sync_token = None
                return self.sync()
            answer.raise_for_status()
            body = answer.json()
            for item in body["results"]:
                if item["change"] == "deleted":
                    self.meetings.pop(item["id"], None)
                else:
                    self.meetings[item["id"]] = item["meeting"]
            url = body["next"]
            self.sync_token = body["next_sync_token"] or self.sync_token
        return None

    # -- webhooks: news as it happens ---------------------------------------------------------

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        """Handle one delivery; the HTTP status to answer (2xx acknowledges it)."""
        try:
            event = self.webhook.verify(body, headers)  # a forged or stale delivery raises
        except WebhookVerificationError:
            return 401
        with self.lock:
            sequence = event["data"]["sequence"]
            if sequence <= self.last_sequence:
                return 204  # a repeat (delivery is at least once): already applied
            missed = sequence > self.last_sequence + 1
            self.last_sequence = sequence
            if missed:
                self.sync()  # a delivery failed for good: sync catches up on everything
            else:
                self.apply(event)
        return 204

    def apply(self, event: dict) -> None:
        meeting_id = event["data"]["meeting_id"]
        if event["type"] == "meeting.deleted":
            self.meetings.pop(meeting_id, None)
            return
        answer = self.http.get(f"/api/meetings/{meeting_id}/")
        if answer.status_code == 404:  # taken off it: it is not ours to see any more
            self.meetings.pop(meeting_id, None)
            return
        answer.raise_for_status()
        self.meetings[meeting_id] = answer.json()


def serve(mirror: Mirror, *, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server that hands each POST to the mirror (TLS goes in front of it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            self.send_response(mirror.receive(body, headers))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    mirror = Mirror(api=args.api, token=args.token, secret=args.secret)
    mirror.sync()  # 1. everything, and a sync token
    print(f"{len(mirror.meetings)} meetings; listening for webhooks on port {args.port}")
    server = serve(mirror, host="0.0.0.0", port=args.port)  # noqa: S104 - a receiver
    try:
        # 2. webhooks as they come; 3. a sync after any gap, and every ten minutes anyway
        while not threading.Event().wait(600):
            with mirror.lock:
                mirror.sync()
            print(f"{len(mirror.meetings)} meetings after a periodic sync")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
