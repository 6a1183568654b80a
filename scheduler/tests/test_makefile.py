"""The Makefile's targets run what the README says they run."""

import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TASK_EVENTS = {"-E", "--task-events", "--events"}


def commands_of(target: str) -> list[list[str]]:
    """The commands `make target` would run, each split into its arguments."""
    result = subprocess.run(
        ["make", "-n", target],  # noqa: S607 - make from the PATH, as people run it
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return [shlex.split(line) for line in result.stdout.splitlines() if line.strip()]


def test_make_worker_sends_task_events_for_celery_events_and_flower():
    # given / when
    [worker] = [args for args in commands_of("worker") if "celery" in args[0]]

    # then: without task events `celery events` and Flower see no tasks at all
    assert worker[worker.index("-A") + 1 : worker.index("-A") + 3] == ["scheduler", "worker"]
    assert TASK_EVENTS & set(worker), shlex.join(worker)
