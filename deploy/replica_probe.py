"""Replica lag injected: nobody may see their own write missing, whatever the replica's lag.

With replay paused on the replica (its WAL still arrives, nothing of it is applied), one member
of staff renames a meeting through one app server (:8101) and at once looks for it in the
admin's list through the other (:8102), round after round; another member of staff, who
writes nothing, reads the same list. Then replay resumes.

Passes when the writer never saw an older title (they read from the primary: they wrote a
moment ago, on another app server), the reader saw older titles only while the replica was
less than REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS behind (and only from the replica),
and the reader is served by the replica again once it has caught up. Prints what each saw.

    python deploy/replica_probe.py --token KEY --writer-session S --reader-session S \
        --replica-dsn "host=127.0.0.1 port=5442 user=postgres dbname=..." [--seconds 12]
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg2

WRITE_TO, READ_FROM = "http://127.0.0.1:8101", "http://127.0.0.1:8102"


def call(base, method, path, *, token=None, session=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if session:
        headers["Cookie"] = f"sessionid={session}"
    request = urllib.request.Request(  # noqa: S310 (loopback, ours)
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, ""


def admin_list(session, marker):
    status, headers, body = call(
        READ_FROM, "GET", "/admin/meetings/meeting/?q=" + urllib.parse.quote(marker),
        session=session,
    )  # fmt: skip
    if status != 200:
        sys.exit(f"replica probe: the admin's list answered {status}")
    return headers.get("X-Read-From"), body


def replay(dsn, action):
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_wal_replay_{action}()")
    connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--writer-session", required=True)
    parser.add_argument("--reader-session", required=True)
    parser.add_argument("--replica-dsn", required=True)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--max-lag", type=float, default=2.0)
    parser.add_argument("--check", type=float, default=1.0)
    args = parser.parse_args()

    marker = f"lagprobe-{uuid.uuid4().hex[:8]}"
    status, _, body = call(
        WRITE_TO, "POST", "/api/meetings/", token=args.token,
        body={"title": f"{marker} v0", "start_time": "2036-03-02T09:00:00Z",
              "end_time": "2036-03-02T10:00:00Z", "participant_ids": []},
    )  # fmt: skip
    if status != 201:
        sys.exit(f"replica probe: could not create its meeting ({status})")
    path = f"/api/meetings/{json.loads(body)['id']}/"
    # The reader reads from the replica before the lag (the writer's pin has no part in it).
    deadline = time.monotonic() + 15
    while admin_list(args.reader_session, marker)[0] != "replica":
        if time.monotonic() > deadline:
            sys.exit("replica probe: the replica never served the reader before the lag")
        time.sleep(0.5)

    replay(args.replica_dsn, "pause")
    paused_at, rounds, writer_stale, writer_from = time.monotonic(), 0, 0, set()
    reader = []  # (seconds into the lag, read from, fresh)
    try:
        while time.monotonic() - paused_at < args.seconds:
            rounds += 1
            title = f"{marker} v{rounds}"
            status, _, _ = call(WRITE_TO, "PATCH", path, token=args.token, body={"title": title})
            if status != 200:
                sys.exit(f"replica probe: the rename answered {status}")
            source, page = admin_list(args.writer_session, marker)
            writer_from.add(source)
            writer_stale += title not in page
            source, page = admin_list(args.reader_session, marker)
            reader.append((time.monotonic() - paused_at, source, title in page))
            time.sleep(0.2)
    finally:
        replay(args.replica_dsn, "resume")
    resumed_at = time.monotonic()
    while admin_list(args.reader_session, marker)[0] != "replica":
        if time.monotonic() - resumed_at > 15:
            sys.exit("replica probe: the replica never came back for the reader")
        time.sleep(0.3)
    back_after = time.monotonic() - resumed_at
    call(WRITE_TO, "DELETE", path, token=args.token)

    allowed = args.max_lag + args.check + 0.5  # the lag is measured from the last replayed write
    stale = [(round(at, 1), source) for at, source, fresh in reader if not fresh]
    late_stale = [entry for entry in stale if entry[0] > allowed or entry[1] != "replica"]
    skipped_at = next((round(at, 1) for at, source, _ in reader if source == "primary"), None)
    print(
        f"Replica lag: replay paused {args.seconds:g} s, {rounds} rename-then-read rounds. "
        f"Writer: {writer_stale} stale reads, read from {sorted(writer_from)}. Reader: "
        f"{len(stale)} stale reads (all from the replica, within {allowed:g} s of the pause: "
        f"{not late_stale}), replica skipped from {skipped_at} s into the lag, served by "
        f"it again {back_after:.1f} s after replay resumed"
    )
    failed = writer_stale or writer_from != {"primary"} or late_stale or skipped_at is None
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
