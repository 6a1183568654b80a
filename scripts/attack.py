"""Re-run issue 15's attacks 1, 2, 4, 6 and 7 against a running production-settings server.

Usage: python scripts/attack.py http://127.0.0.1:PORT   (the server started by scripts/attack)
Prints what each attack got; exits non-zero if any attack succeeded.
"""

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
DB = os.environ["ATTACK_DB"]
PASSWORD = os.environ["ATTACK_PASSWORD"]
failures = []
# One trusted proxy (NUM_PROXIES=1, as behind nginx): each attack comes from an address of its
# own, so one attack's throttling does not decide the next one's.
address = {"now": "203.0.113.1"}


def call(method, path, body=None, token=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Forwarded-For", address["now"])
    if token:
        request.add_header("Authorization", f"Token {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            payload = response.read()
            status, got_headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        payload, status, got_headers = error.read(), error.code, error.headers
    elapsed = time.perf_counter() - started
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = payload[:200]
    return status, parsed, got_headers, elapsed


def expect(what, ok, detail):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}: {detail}")
    if not ok:
        failures.append(what)


def login(username, password, token=None, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return call(
        "POST", "/api/auth/token/", {"username": username, "password": password}, token, headers
    )


def attack_1(users):
    print("1. Login throttle: one account guessing another's password")
    attacker_token = login(users["attacker"], users["password"])[1]["token"]
    statuses = [login(users["victim"], f"guess-{n}", token=attacker_token)[0] for n in range(30)]
    first_429 = statuses.index(429) + 1 if 429 in statuses else None
    expect(
        "with a valid token header",
        first_429 is not None and first_429 <= 21,
        f"{statuses.count(400)} x 400 then {statuses.count(429)} x 429 "
        f"(first at guess {first_429})",
    )
    spread = [
        login(users["victim2"], f"guess-{n}", forwarded=f"198.51.100.{n}")[0] for n in range(15)
    ]
    expect(
        "from 15 addresses, one username",
        429 in spread,
        f"{spread.count(400)} x 400 then {spread.count(429)} x 429",
    )
    status, body, headers, _ = login(
        users["victim2"], users["password"], forwarded="198.51.100.200"
    )
    expect(
        "the victim, locked out, is told when",
        status == 429 and headers.get("Retry-After"),
        f"{status}, Retry-After {headers.get('Retry-After')}, {(body or {}).get('detail')}",
    )
    form = call(
        "POST",
        "/api/auth/token/",
        raw=b"username=a&password=b",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": "203.0.113.99",
        },
    )
    expect("a form body", form[0] == 415, f"{form[0]}")


def attack_2(users, db_rows):
    print("2. Tokens: revocable, hashed, ended by a password change")
    phone = login(users["owner"], users["password"])[1]["token"]
    laptop = login(users["owner"], users["password"])[1]["token"]
    listed = call("GET", "/api/auth/tokens/", token=phone)
    mine = (
        listed[1]["results"]
        if isinstance(listed[1], dict) and "results" in listed[1]
        else listed[1]
    )
    expect(
        "my tokens are listed, never the key",
        listed[0] == 200 and phone not in json.dumps(mine),
        f"{listed[0]}, {len(mine)} tokens",
    )
    rows = db_rows()
    expect(
        "a copy of the database holds no token",
        phone not in rows and laptop not in rows and phone[:20] not in rows,
        f"{len(rows)} characters of accounts_authtoken searched",
    )
    out = call("POST", "/api/auth/logout/", token=phone)
    after = call("GET", "/api/users/me/", token=phone)
    expect(
        "logout ends this token",
        out[0] == 204 and after[0] == 401,
        f"logout {out[0]}, then {after[0]}",
    )
    still = call("GET", "/api/users/me/", token=laptop)
    expect("... and no other", still[0] == 200, f"{still[0]}")
    changed = call(
        "POST",
        "/api/auth/password/",
        {"old_password": users["password"], "new_password": "An0ther-long-passphrase!"},
        token=laptop,
    )
    fresh = changed[1].get("token") if isinstance(changed[1], dict) else None
    old = call("GET", "/api/users/me/", token=laptop)
    new = call("GET", "/api/users/me/", token=fresh)
    expect(
        "a password change ends every old token",
        changed[0] == 200 and old[0] == 401 and new[0] == 200,
        f"change {changed[0]}, old token {old[0]}, new token {new[0]}",
    )
    all_out = call("POST", "/api/auth/logout-all/", token=fresh)
    gone = call("GET", "/api/users/me/", token=fresh)
    expect("logout-all", all_out[0] == 204 and gone[0] == 401, f"{all_out[0]}, then {gone[0]}")


def attack_6(users, user_ids):
    print("6. Invitations as a spam channel")
    token = login(users["spammer"], users["password"])[1]["token"]
    many = list(range(1, 250_001))
    status, body, _, elapsed = call(
        "POST",
        "/api/meetings/",
        {
            "title": "Spam",
            "start_time": "2027-01-04T09:00Z",
            "end_time": "2027-01-04T10:00Z",
            "participant_ids": many,
        },
        token=token,
    )
    expect(
        "250,000 invitations in one meeting",
        status == 400,
        f"{status} in {elapsed:.2f} s: {str(body)[:120]}",
    )
    items = [
        {
            "title": f"Spam {n}",
            "start_time": "2027-01-05T09:00Z",
            "end_time": "2027-01-05T10:00Z",
            "participant_ids": user_ids[:500],
        }
        for n in range(500)
    ]
    status, body, _, elapsed = call("POST", "/api/meetings/bulk/", items, token=token)
    expect(
        "500 meetings x 500 people in one bulk",
        status == 400,
        f"{status} in {elapsed:.2f} s: {str(body)[:120]}",
    )
    statuses, retry, created = [], None, []
    for n in range(8):
        status, body, headers, _ = call(
            "POST",
            "/api/meetings/",
            {
                "title": f"All hands {n}",
                "start_time": f"2027-01-{11 + n}T09:00Z",
                "end_time": f"2027-01-{11 + n}T10:00Z",
                "participant_ids": user_ids[:500],
            },
            token=token,
        )
        statuses.append(status)
        retry = retry or headers.get("Retry-After")
        if status == 201:
            created.append(body["id"])
    expect(
        "all-hands of 500, eight times in an hour",
        statuses.count(201) == 6 and 429 in statuses,
        f"{statuses}, Retry-After {retry}",
    )
    toggles = [
        call("POST", "/api/meetings/bulk-status/", {"ids": created, "status": status}, token=token)
        for status in ("cancelled", "scheduled")
    ]
    expect(
        "cancel and take back six meetings of 500 by bulk-status",
        [t[0] for t in toggles] == [200, 429],
        f"{[t[0] for t in toggles]}: {str(toggles[-1][1])[:110]}",
    )


def attack_7(users):
    print("7. Huge lists and deep JSON")
    token = login(users["attacker"], users["password"])[1]["token"]
    raw = ('{"ids": [' + ",".join(["1"] * 5_900_000) + '], "status": "cancelled"}').encode()
    status, body, _, elapsed = call("POST", "/api/meetings/bulk-status/", raw=raw, token=token)
    expect(
        f"5.9 million ids ({len(raw) / 1e6:.1f} MB)",
        status == 400,
        f"{status} in {elapsed:.2f} s: {str(body)[:100]}",
    )
    deep = b"[" * 100_000
    for path, who in [
        ("/api/auth/token/", None),
        ("/api/meetings/", token),
        ("/api/meetings/bulk/", token),
        ("/api/users/me/", token),
    ]:
        method = "PATCH" if path.endswith("me/") else "POST"
        status, body, _, _ = call(method, path, raw=deep, token=who)
        expect(f"100,000 brackets to {method} {path}", status == 400, f"{status}: {str(body)[:80]}")


class Browser:
    """Cookies by hand: production marks them Secure, which urllib will not send over http."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers["X-Forwarded-Proto"] = "https"
        headers["X-Forwarded-For"] = address["now"]
        headers["Referer"] = BASE.replace("http://", "https://") + path
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            response = NO_REDIRECTS.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, response.read().decode("utf-8", "replace")

    def submit(self, path, **fields):
        _, page = self.request("GET", path)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        return self.request("POST", path, {"csrfmiddlewaretoken": csrf, **fields})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


def attack_4(users, silk_text):
    print("4. Silk and secrets")
    staff = Browser()
    staff.submit(
        "/admin/login/", username=users["staff"], password=users["password"], next="/admin/"
    )
    status, _ = staff.request("GET", "/silk/")
    expect("staff without 'can profile' open /silk/", status in (302, 403), f"{status}")
    secrets = {"password": users["password"]}
    login_status, body, _, _ = login(users["profiler"], users["password"])
    token = body["token"]
    secrets["API token"] = token
    call("GET", "/api/meetings/", token=token)
    feed = call("GET", "/api/users/me/feed/", token=token)[1]["url"]
    secrets["feed secret"] = re.search(r"/feeds/(.+)\.ics$", feed)[1]
    call("GET", urllib.parse.urlparse(feed).path)
    rotated = call("POST", "/api/users/me/feed/rotate/", token=token)[1]["url"]
    secrets["rotated feed secret"] = re.search(r"/feeds/(.+)\.ics$", rotated)[1]
    admin = Browser()
    admin.submit(
        "/admin/login/", username=users["profiler"], password=users["password"], next="/admin/"
    )
    secrets["session key"] = admin.cookies.get("sessionid")
    admin.request("GET", "/admin/meetings/meeting/")
    target = users["target_id"]
    admin.submit(
        f"/admin/accounts/user/{target}/password/",
        password1="Set-by-the-adm1n!",
        password2="Set-by-the-adm1n!",
    )
    secrets["password set in the admin"] = "Set-by-the-adm1n!"
    status, silk_page = admin.request("GET", "/silk/")
    expect("a superuser opens /silk/", status == 200, f"{status}")
    stored, hashes = silk_text()
    for label, value in [*secrets.items(), *(("password hash", h) for h in hashes)]:
        expect(
            f"{label} in no silk_* column",
            value and value not in stored,
            f"{len(stored):,} characters of Silk's tables searched",
        )


def psql(sql):
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DB, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def token_rows():
    return psql("SELECT * FROM accounts_authtoken")


def silk_text():
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", "-t", "silk_*", DB],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    decoded = []
    for chunk in re.findall(r"[A-Za-z0-9+/=]{16,}", dump):  # Silk keeps some bodies in base64
        with contextlib.suppress(ValueError):
            decoded.append(base64.b64decode(chunk, validate=True).decode("utf-8", "replace"))
    hashes = psql("SELECT password FROM accounts_user WHERE username LIKE 'attack-%'").split()
    return dump + "\n".join(decoded), hashes


def clear_of_the_hours_end():
    """The limits count in fixed windows (a minute per address, a clock hour per username and per
    organizer): an attack that straddled the hour would see its counts start again."""
    into_the_hour = time.time() % 3600
    if into_the_hour > 3600 - 90:
        time.sleep(3600 - into_the_hour + 1)


def main():
    clear_of_the_hours_end()
    users = {
        role: f"attack-{role}"
        for role in ("attacker", "victim", "victim2", "owner", "spammer", "staff", "profiler")
    }
    users["password"] = PASSWORD
    users["target_id"] = int(psql("SELECT id FROM accounts_user WHERE username = 'attack-victim'"))
    user_ids = [
        int(i)
        for i in psql(
            "SELECT id FROM accounts_user WHERE username NOT LIKE 'attack-%' ORDER BY id LIMIT 500"
        ).split()
    ]
    address["now"] = "203.0.113.1"
    attack_1(users)
    address["now"] = "203.0.113.2"
    attack_2(users, token_rows)
    address["now"] = "203.0.113.3"
    attack_4(users, silk_text)
    address["now"] = "203.0.113.4"
    attack_6(users, user_ids)
    address["now"] = "203.0.113.5"
    attack_7(users)
    print(f"\n{len(failures)} attack(s) got through" + (f": {failures}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
