"""Celery: a real broker from CELERY_BROKER_URL, otherwise tasks run eagerly in-process."""

from celery.schedules import crontab

from ..env import env_int, env_str

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"

# A task is acknowledged when it has run, not when it was received; a worker that dies
# mid-task gives it back. One task at a time per process, so a lost worker loses one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100

# Publishing must not hold up a request: short timeouts, no publish retries (the outbox sweep
# delivers whatever could not be queued).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 1.0,
    "socket_connect_timeout": 1.0,
    # Publishing connects once, without kombu's retry loop (which waits 2 s and more).
    "max_retries": 0,
    # Redis: an unacknowledged task goes back to the queue after this long. Longer than any
    # task may run (time limit 120 s), short enough to redeliver soon after a lost worker.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
}

CELERY_BEAT_SCHEDULE = {
    "send-due-reminders": {"task": "meetings.tasks.send_due_reminders", "schedule": 60.0},
    "sweep-outbox": {"task": "notifications.tasks.sweep_outbox", "schedule": 30.0},
    # Webhooks: changes into deliveries every few seconds, and a sweep for deliveries due
    # (retries, and whatever a broker outage kept from being queued).
    "webhooks-dispatch": {"task": "webhooks.tasks.dispatch_changes", "schedule": 2.0},
    "webhooks-sweep": {"task": "webhooks.tasks.sweep_deliveries", "schedule": 15.0},
    "silk-garbage-collect": {"task": "scheduler.tasks.silk_garbage_collect", "schedule": 600.0},
    "delete-expired-tokens": {
        "task": "accounts.tasks.delete_expired_tokens",
        "schedule": crontab(hour=3, minute=41),
    },
    "extend-series": {  # daily: a series holds occurrences years ahead, days of slack is fine
        "task": "meetings.tasks.extend_series",
        "schedule": crontab(hour=2, minute=53),
    },
    "delete-sync-tombstones": {
        "task": "meetings.tasks.delete_sync_tombstones",
        "schedule": crontab(hour=3, minute=29),
    },
    "delete-old-webhook-deliveries": {
        "task": "webhooks.tasks.delete_old_deliveries",
        "schedule": crontab(hour=3, minute=53),
    },
    "delete-old-notifications": {
        "task": "notifications.tasks.delete_old_notifications",
        "schedule": crontab(hour=3, minute=17),
    },
}

# On a lost broker connection, stop the tasks that can no longer be acknowledged: the broker
# gives them to a worker again, and delivery is idempotent (Celery 6's default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
