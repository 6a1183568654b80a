"""gunicorn for one app server: `gunicorn -c deploy/gunicorn.conf.py scheduler.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: a request waits on PostgreSQL and Redis about half its time, so twice the
# cores (4 on the 2-core machines this runs on) keeps the CPU busy without queueing in memory.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# No request may hold a worker longer than this: the database cuts statements before it
# (DB_STATEMENT_TIMEOUT_MS), so a worker killed here is a worker that hung elsewhere.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: whatever a long-lived process accumulates stays bounded.
max_requests = 5000
max_requests_jitter = 500
accesslog = None  # the request cost middleware writes one structured line per request
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = "127.0.0.1"  # nginx, on the same machine
