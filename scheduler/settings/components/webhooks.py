"""Webhooks (the webhooks app): where deliveries may go, how long one may take, how often a
failing one is tried again."""

from ..env import env_bool, env_float, env_int, env_list

# Hosts (names or addresses) exempt from the address checks against server-side request
# forgery: a receiver on this machine in development and tests. Empty in production.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
# Plain http:// URLs; local.py and test.py turn them on, production keeps https only.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
# Seconds to connect, and then to wait for the answer: a receiver that hangs holds a worker no
# longer than this.
WEBHOOK_CONNECT_TIMEOUT = env_float("WEBHOOK_CONNECT_TIMEOUT", 2.0)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)
# Seconds to wait after each failed attempt (with +-10% jitter), Standard Webhooks' schedule:
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 28 hours in all. The last failure disables
# the subscription and tells its owner.
WEBHOOK_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]
WEBHOOKS_PER_USER = env_int("WEBHOOKS_PER_USER", 20)
# A webhook's delivery log keeps sent and failed deliveries this many days; beat deletes older
# ones nightly. A delivery still waiting to be sent is kept whatever its age.
WEBHOOK_LOG_DAYS = env_int("WEBHOOK_LOG_DAYS", 30)
