"""Read-your-writes probe for the soak: runs beside the load, through nginx.

Each round renames one meeting, then reads it back as a detail and inside a filtered list
(both cached per user, and nginx may send each request to either app server). A read that
shows an older title is a stale read. Prints one summary line; exits 1 on any error or
stale read (with --allow-503, a 503 is counted apart and is no error: a fault that no request
can ride out).

    python deploy/probe.py --seconds 60 --token KEY [--base http://127.0.0.1:8100] [--allow-503]
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

DAY_FROM, DAY_TO = "2035-01-07T00:00:00Z", "2035-01-08T00:00:00Z"


def call(base, token, method, path, body=None):
    request = urllib.request.Request(  # noqa: S310 (the base is ours: http on loopback)
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8100")
    parser.add_argument("--allow-503", action="store_true")
    args = parser.parse_args()
    base, token = args.base, args.token

    status, meeting = call(
        base, token, "POST", "/api/meetings/",
        {"title": "probe 0", "start_time": "2035-01-07T09:00:00Z",
         "end_time": "2035-01-07T10:00:00Z", "participant_ids": []},
    )  # fmt: skip
    if status != 201:
        sys.exit(f"probe: could not create its meeting ({status})")
    path = f"/api/meetings/{meeting['id']}/"
    list_path = f"/api/meetings/?from={DAY_FROM}&to={DAY_TO}"
    rounds = requests = errors = stale = unavailable = 0
    answered = {200, 503} if args.allow_503 else {200}
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        rounds += 1
        title = f"probe {rounds}"
        status, _ = call(base, token, "PATCH", path, {"title": title})
        requests += 1
        unavailable += status == 503
        if status != 200:
            errors += status not in answered
            continue
        status, detail = call(base, token, "GET", path)
        requests += 1
        unavailable += status == 503
        if status != 200:
            errors += status not in answered
        elif detail["title"] != title:
            stale += 1
        status, page = call(base, token, "GET", list_path)
        requests += 1
        unavailable += status == 503
        if status != 200:
            errors += status not in answered
        elif [m["title"] for m in page["results"] if m["id"] == meeting["id"]] != [title]:
            stale += 1
    call(base, token, "DELETE", path)
    print(f"Probe: {rounds} write-then-read rounds, {requests} requests, "
          f"{errors} errors, {unavailable} x 503, {stale} stale reads")  # fmt: skip
    sys.exit(1 if errors or stale else 0)


if __name__ == "__main__":
    main()
