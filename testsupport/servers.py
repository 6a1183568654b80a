"""Private services and server processes for tests that must stop, stall or share them.

They run on free ports of their own: a test never stops the machine's shared Redis or
PostgreSQL.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float = 15.0, what: str = "service") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not come up in {timeout} s")


class PrivateRedis:
    """redis-server on a free port, which a test may pause, resume and kill."""

    def __init__(self):
        self.port = free_port()
        self.start()

    def start(self) -> None:
        """Start (again, after kill()) on the same port."""
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, what=f"redis on {self.port}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def private_redis():
    redis = PrivateRedis()
    try:
        yield redis
    finally:
        redis.kill()


@contextmanager
def server_process(env: dict):
    """Another app server (manage.py runserver, no reloader) with its own environment."""
    port = free_port()
    full_env = {**os.environ, **env}
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: urllib.request.urlopen(base + "/healthz/", timeout=1).status == 200,
            what="the second server",
        )
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def shared_environment(**extra) -> dict:
    """The environment under which another process shares this test's database (by URL) and
    cache key space; the test's data must be committed (transactional_db) to be seen there."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "TEST_CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        **extra,
    }


def post_login(base: str, username: str, password: str) -> int:
    """POST a JSON login to a server started by server_process(); its status code."""
    request = urllib.request.Request(
        base + "/api/auth/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def clear_of_the_window_edge(seconds: int, *, margin: int = 10) -> None:
    """Wait until a fixed throttle window of `seconds` has at least `margin` seconds left, so
    that a test's requests are all counted in one window."""
    if time.time() % seconds > seconds - margin:
        time.sleep(seconds - time.time() % seconds + 1)
