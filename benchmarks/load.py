"""HTTP load test: gunicorn on PostgreSQL and Redis, driven by wrk with token authentication.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scheduler_1m \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python -m benchmarks.load [--seconds 10] [--connections 8]

Starts gunicorn (production settings, 2 cores: 4 sync workers) once per configuration, warms
up, and runs wrk against each endpoint for the same time. Two floors in the same run: a minimal
authenticated view that returns a constant (what the framework costs) and the list page built
by one raw SQL query with json_agg (what the database costs). Prints requests per second and
p50/p99 latency, and the ratios the targets ask for. Writes meetings (the create endpoint) to
the database it is given.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from testsupport.servers import free_port, wait_until  # noqa: E402

WORKERS = 4  # sync workers for 2 cores: requests wait on PostgreSQL and Redis half the time
TARGET_WORKERS = 2  # the targets compare like with like: 2 sync workers each, floors included


def token_and_ids() -> tuple[str, int, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "scheduler.settings", "SILK_ENABLED": "false"}
    script = """
import django, json
django.setup()
from django.db.models import Count
from accounts.models import User
from accounts.services import token_create
from meetings.models import Meeting, Participant
user_id = Participant.objects.values("user").annotate(n=Count("id")).order_by("-n")[0]["user"]
_, token = token_create(user=User.objects.get(pk=user_id), client="load test")
meeting = Meeting.objects.filter(participants__user_id=user_id).order_by("-start_time").first()
writer, _ = User.objects.get_or_create(username="load-test-writer")
_, writer_token = token_create(user=writer, client="load test")
print(json.dumps({"token": token, "meeting": meeting.pk, "writer": writer_token}))
"""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["token"], found["meeting"], found["writer"]


def remove_created() -> None:
    """The create endpoint's meetings go, so that reruns measure the same data."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "scheduler.settings", "SILK_ENABLED": "false"}
    script = """
import django
django.setup()
from meetings.models import Meeting
from notifications.models import Event
Meeting.objects.filter(created_by__username="load-test-writer").delete()
Event.objects.filter(payload__title="Load test").delete()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)  # noqa: S603


class Server:
    def __init__(self, *, app="scheduler.wsgi", workers=WORKERS, **env):
        self.port = free_port()
        full_env = {
            **os.environ,
            "DJANGO_ENV": "production",
            "SECRET_KEY": "load-test-" + "k" * 60,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "BENCHMARK_VIEWS": "true",
            "THROTTLE_USER": "1000000000/hour",
            "LOG_LEVEL": "WARNING",
            "SLOW_REQUEST_MS": "100000",
            **env,
        }
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
                "--timeout=60",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        health = "/constant/" if app.startswith("benchmarks.") else "/healthz/"
        wait_until(
            lambda: urllib.request.urlopen(self.url + health, timeout=2).status == 200,
            what="gunicorn",
            timeout=30,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User and system CPU time of gunicorn's master and workers so far. Unlike requests per
        second, hardly moved by what else runs on the machine."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name
            except OSError:  # a process that has ended meanwhile
                continue
            if self.process.pid in (int(stat.parent.name), int(fields[1])):  # it, or a child
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


LUA = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Token {token}"
wrk.headers["Content-Type"] = "application/json"
{body}
"""


def run_wrk(url: str, token: str, *, seconds: int, connections: int, method="GET", body=None):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            LUA.format(
                method=method, token=token, body=f"wrk.body = '{json.dumps(body)}'" if body else ""
            )
        )
    out = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


CREATE = {
    "title": "Load test",
    "start_time": "2030-01-07T09:00:00Z",
    "end_time": "2030-01-07T10:00:00Z",
}


def overhead(token, args):
    """The cached list on three servers side by side, alternated round by round: one without
    the request cost middleware and Silk, one with the middleware (Silk off, as production
    runs by default), one with both. Returns the summary of each, by those names."""
    servers = {
        "bare": Server(REQUEST_COST="false", SILK_ENABLED="false"),
        "middleware": Server(SILK_ENABLED="false"),
        "full": Server(
            SILK_ENABLED="true" if args.silk_percent else "false",
            SILK_SAMPLE_PERCENT=str(args.silk_percent),
        ),
    }
    totals = {name: [] for name in servers}
    try:
        for server in servers.values():
            run_wrk(server.url + "/api/meetings/", token, seconds=2, connections=args.connections)
        for _ in range(args.rounds):
            for name, server in servers.items():
                cpu = server.cpu_seconds()
                figures = run_wrk(
                    server.url + "/api/meetings/",
                    token,
                    seconds=args.seconds // 2 or 1,
                    connections=args.connections,
                )
                figures["cpu_s"] = server.cpu_seconds() - cpu
                totals[name].append(figures)
    finally:
        for server in servers.values():
            server.stop()

    def summary(runs):
        return {
            "rps": sum(r["rps"] for r in runs) / len(runs),
            "p50_ms": sorted(r["p50_ms"] for r in runs)[len(runs) // 2],
            "p99_ms": max(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "cpu_ms": 1000 * sum(r["cpu_s"] for r in runs) / sum(r["requests"] for r in runs),
        }

    return {name: summary(runs) for name, runs in totals.items()}


def overhead_line(found: dict, silk: str) -> str:
    """Throughput of each against the bare server, and Silk's alone (against Silk off); then
    the CPU time the servers spent per request."""
    bare, middleware, full = (found[name]["rps"] for name in ("bare", "middleware", "full"))
    cpu = {name: found[name]["cpu_ms"] for name in ("bare", "middleware", "full")}
    return (
        f"bare {bare:.0f} req/s; middleware, Silk off {middleware:.0f} req/s "
        f"({middleware / bare - 1:+.1%}); middleware + {silk} {full:.0f} req/s "
        f"({full / bare - 1:+.1%}, target at most 5% less; {silk} against Silk off: "
        f"{full / middleware - 1:+.1%}). CPU per request: bare {cpu['bare']:.2f} ms, "
        f"middleware {cpu['middleware']:.2f} ms, + {silk} {cpu['full']:.2f} ms "
        f"({cpu['full'] / cpu['middleware'] - 1:+.1%} against Silk off)"
    )


TARGETS = (
    # (label, server, path): each project figure is read against the floor named in RATIOS
    ("floor: bare WSGI list", "floor", "/list/"),
    ("list, uncached", "uncached", "/api/meetings/"),
    ("floor: bare WSGI constant", "floor", "/constant/"),
    ("list, cached", "cached", "/api/meetings/"),
)
RATIOS = (
    ("uncached list / bare list", "list, uncached", "floor: bare WSGI list", 0.40),
    ("cached list / bare constant", "list, cached", "floor: bare WSGI constant", 0.25),
)


def targets(token: str, args) -> dict:
    """Issue 19's targets: the project against bare WSGI floors (benchmarks.floors), each under
    gunicorn with the same sync workers, measured in turn round after round so that a busy
    moment of the machine falls on both sides of a ratio."""
    servers = {
        "floor": Server(app="benchmarks.floors:application", workers=TARGET_WORKERS),
        "uncached": Server(workers=TARGET_WORKERS, CACHE_BACKEND="dummy"),
        "cached": Server(workers=TARGET_WORKERS),
    }
    rounds: list[dict] = []
    try:
        for _label, name, path in TARGETS:  # warm up: connections, caches, the user's pages
            run_wrk(servers[name].url + path, token, seconds=2, connections=args.connections)
        print(
            f"wrk -t2 -c{args.connections} -d{args.seconds}s, gunicorn {TARGET_WORKERS} sync"
            " workers each\n"
        )
        print(
            "| round | "
            + " | ".join(label for label, _, _ in TARGETS)
            + " | "
            + " | ".join(name for name, *_ in RATIOS)
            + " |"
        )
        print("| --- " * (len(TARGETS) + len(RATIOS) + 1) + "|")
        for number in range(1, args.rounds + 1):
            figures = {
                label: run_wrk(
                    servers[name].url + path,
                    token,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                for label, name, path in TARGETS
            }
            rounds.append(figures)
            ratios = [figures[ours]["rps"] / figures[floor]["rps"] for _, ours, floor, _ in RATIOS]
            print(
                f"| {number} | "
                + " | ".join(f"{figures[label]['rps']:.0f} req/s" for label, _, _ in TARGETS)
                + " | "
                + " | ".join(f"{r:.0%}" for r in ratios)
                + " |",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.stop()
    print()
    for name, ours, floor, goal in RATIOS:
        shares = sorted(r[ours]["rps"] / r[floor]["rps"] for r in rounds)
        median = shares[len(shares) // 2]
        verdict = "met" if median >= goal else "missed"
        print(
            f"- {name}: median {median:.0%} (from {shares[0]:.0%} to {shares[-1]:.0%} over"
            f" {len(shares)} rounds), target at least {goal:.0%}: {verdict}"
        )
    errors = sum(figures["errors"] for r in rounds for figures in r.values())
    print(f"- non-2xx answers in all rounds: {errors}")
    return {"rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--json")
    parser.add_argument("--overhead-only", action="store_true")
    parser.add_argument("--silk-percent", type=int, default=10)
    parser.add_argument(
        "--targets", action="store_true", help="only the floors and the lists, in rounds"
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="of the alternation (--targets, the overhead)"
    )
    args = parser.parse_args()
    silk = f"Silk at {args.silk_percent}%"
    token, meeting_id, writer = token_and_ids()
    if args.targets:
        found = targets(token, args)
        if args.json:
            Path(args.json).write_text(json.dumps(found, indent=1))
        return
    plan = [
        # (configuration, its environment, [(label, path, method, body)])
        (
            "no cache",
            {"CACHE_BACKEND": "dummy"},
            [
                ("floor: constant", "/api/bench/constant/", "GET", None),
                ("floor: raw SQL list", "/api/bench/raw-list/", "GET", None),
                ("list, uncached", "/api/meetings/", "GET", None),
                ("detail, uncached", f"/api/meetings/{meeting_id}/", "GET", None),
                ("statistics, uncached", "/api/meetings/stats/", "GET", None),
                ("create", "/api/meetings/", "POST", CREATE),
            ],
        ),
        (
            "Redis cache",
            {},
            [
                ("list, cached", "/api/meetings/", "GET", None),
                ("detail, cached", f"/api/meetings/{meeting_id}/", "GET", None),
                ("statistics, cached", "/api/meetings/stats/", "GET", None),
            ],
        ),
    ]
    results = {}
    if args.overhead_only:
        plan = []
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, gunicorn {WORKERS} sync workers\n")
    print("| configuration | request | req/s | p50 ms | p99 ms | non-2xx |")
    print("| --- | --- | --- | --- | --- | --- |")
    for config, env, requests in plan:
        server = Server(**env)
        try:
            for label, path, method, body in requests:
                url = server.url + path
                who = writer if method == "POST" else token  # writes stay out of the reads
                run_wrk(
                    url, who, seconds=2, connections=args.connections, method=method, body=body
                )  # warm up
                figures = run_wrk(
                    url,
                    who,
                    seconds=args.seconds,
                    connections=args.connections,
                    method=method,
                    body=body,
                )
                results[label] = figures
                print(
                    f"| {config} | {label} | {figures['rps']:.0f} | {figures['p50_ms']:.1f} |"
                    f" {figures['p99_ms']:.1f} | {figures['errors']} |",
                    flush=True,
                )
        finally:
            server.stop()
            remove_created()
            time.sleep(1)
    if args.overhead_only:
        print(overhead_line(overhead(token, args), silk))
        return
    floor_sql, floor_constant = results["floor: raw SQL list"], results["floor: constant"]
    print("\nTargets:")
    print(
        f"- uncached list: {results['list, uncached']['rps'] / floor_sql['rps']:.0%} of the "
        "raw SQL floor (target at least 40%)"
    )
    print(
        f"- cached list: {results['list, cached']['rps'] / floor_constant['rps']:.0%} of the "
        "framework floor (target at least 60%)"
    )
    found = overhead(token, args)
    results["list, cached (bare)"], results["list, cached (+Silk)"] = found["bare"], found["full"]
    results["list, cached (middleware)"] = found["middleware"]
    print(f"- {overhead_line(found, silk)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
