"""The database: an SQLite file by default; DATABASE_URL=postgres://... switches to PostgreSQL,
DB_TRANSACTION_POOLING=true says it is reached through PgBouncer in transaction mode, and
DATABASE_REPLICA_URL adds a streaming replica for the reads that tolerate a little lag
(scheduler/db/replica.py says which)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ..env import env_bool, env_float, env_int, env_str

_SQLITE_FILE = Path(__file__).resolve().parents[3] / "db.sqlite3"
DB_TRANSACTION_POOLING = env_bool("DB_TRANSACTION_POOLING", False)
# A runaway query is cut after this long (0: never) and answered 503. Web processes set it;
# migrations, which build indexes over millions of rows, run without it.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 0)


def _postgres(url: str) -> dict:
    database = dj_database_url.parse(
        url,
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
    )
    options = database.setdefault("OPTIONS", {})
    options["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    database["DISABLE_SERVER_SIDE_CURSORS"] = DB_TRANSACTION_POOLING
    database["TRANSACTION_SETTINGS"] = {}
    if DB_TRANSACTION_POOLING:
        # The pooler refuses startup options and would hand a session's SETs to strangers:
        # the timeout goes with each transaction instead (scheduler/db/pooled), JIT is left
        # to the server's configuration, and a server-side cursor (which lives in the
        # session) is never opened.
        database["ENGINE"] = "scheduler.db.pooled"
        if DB_STATEMENT_TIMEOUT_MS:
            database["TRANSACTION_SETTINGS"] = {"statement_timeout": str(DB_STATEMENT_TIMEOUT_MS)}
        return database
    # JIT compilation pays off for long analytical queries, not for ours: it added 55 ms to a
    # 400 ms admin page whose cost estimate crossed jit_above_cost.
    options["options"] = "-c jit=off"
    if DB_STATEMENT_TIMEOUT_MS:
        options["options"] += f" -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
    return database


def _sqlite(url: str) -> dict:
    database = dj_database_url.parse(
        url,
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
    )
    # WAL lets the dev server read while seed_demo or a test writes; a busy timeout avoids
    # "database is locked" under the threaded runserver.
    database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    return database


def _database(url: str) -> dict:
    return _sqlite(url) if url.startswith("sqlite:") else _postgres(url)


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{_SQLITE_FILE}"))}

DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    # Tests create no database on the replica (it is read-only): it is a mirror of the
    # primary's test database. The deployment's checks test the real one (deploy/fault-replica).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["scheduler.db.replica.ReplicaRouter"]
# A replica further behind than this is skipped (its reads go to the primary) ...
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 2.0)
# ... as measured by each process at most this often ...
REPLICA_CHECK_SECONDS = env_float("REPLICA_CHECK_SECONDS", 1.0)
# ... and whoever wrote reads from the primary for this long after (on every app server).
READ_YOUR_WRITES_SECONDS = env_float("READ_YOUR_WRITES_SECONDS", 5.0)
# A replica is used only if it was at most REPLICA_MAX_LAG_SECONDS behind when measured, at
# most REPLICA_CHECK_SECONDS ago: a write older than both is on it. A shorter window could
# show someone the replica's copy from before their own write.
if DATABASE_REPLICA_URL and READ_YOUR_WRITES_SECONDS < (
    REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS
):
    raise ImproperlyConfigured(
        f"READ_YOUR_WRITES_SECONDS={READ_YOUR_WRITES_SECONDS:g} is shorter than "
        f"REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS "
        f"({REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS:g}): people could read the "
        "replica's copy from before their own write."
    )
