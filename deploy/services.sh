# Sourced by deploy/up, the fault scripts and CI: how each of our own services is started, in
# one place, so that a service restarted after a fault is the same service as before. Needs
# $RUN and $PY (deploy/env.sh sets them).

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# The topology's own PostgreSQL, a primary and its streaming replica, never the machine's:
# outside the checkout (the postgres user must reach it), removed by deploy/down.
PG_ROOT=${DEPLOY_PG_ROOT:-/tmp/scheduler-deploy-pg}
PRIMARY_PORT=5441
REPLICA_PORT=5442
PGBOUNCER_PORT=6433
DEPLOY_DB=scheduler_deploy

as_postgres() {  # from /: postgres may not enter this checkout
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

start_broker_redis() {  # the broker must never evict a queued task
  redis-server --port 6392 --bind 127.0.0.1 --save "" --appendonly no --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$RUN/broker.pid" --logfile "$RUN/broker.log"
}

start_cache_redis() {  # the cache may evict: least recently used keys first
  redis-server --port 6393 --bind 127.0.0.1 --save "" --appendonly no --maxmemory 256mb \
    --maxmemory-policy allkeys-lru --daemonize yes --pidfile "$RUN/cache.pid" --logfile "$RUN/cache.log"
}

# The primary: created on first start. JIT is off here, not per connection: a connection
# through PgBouncer cannot carry startup options.
start_primary() {
  if [ ! -f "$PG_ROOT/primary/PG_VERSION" ]; then
    mkdir -p "$PG_ROOT/primary"
    [ "$(id -u)" = 0 ] && chown -R postgres "$PG_ROOT"
    as_postgres "$PG_BIN/initdb" -D "$PG_ROOT/primary" -U postgres --auth=trust >/dev/null
    cat >> "$PG_ROOT/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$PG_ROOT'
max_connections = 100
shared_buffers = 256MB
jit = off
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
log_min_duration_statement = -1
CONF
  fi
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_ROOT/primary" -l "$PG_ROOT/primary.log" -w start >/dev/null
}

stop_primary() {  # stop_primary [fast|immediate]
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_ROOT/primary" -m "${1:-fast}" -w stop >/dev/null
}

# The replica: a base backup of the primary that streams its WAL (pg_basebackup -R), on its
# own port. hot_standby_feedback keeps the primary from vacuuming rows a long admin list on the
# replica still reads (else the replica would cancel that query).
start_replica() {
  if [ ! -f "$PG_ROOT/replica/PG_VERSION" ]; then
    mkdir -p "$PG_ROOT/replica"
    [ "$(id -u)" = 0 ] && chown -R postgres "$PG_ROOT"
    chmod 700 "$PG_ROOT/replica"
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
      -D "$PG_ROOT/replica" -R -X stream -c fast
    cat >> "$PG_ROOT/replica/postgresql.conf" <<CONF
port = $REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
CONF
  fi
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_ROOT/replica" -l "$PG_ROOT/replica.log" -w start >/dev/null
}

stop_replica() {  # stop_replica [fast|immediate]
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_ROOT/replica" -m "${1:-fast}" -w stop >/dev/null
}

# PgBouncer in transaction mode: start_pgbouncer <dir> <port> <pool size> <database lines...>,
# each line "name = host=... port=... dbname=..." ("* = host=... port=..." passes every name
# through). It refuses to run as root: as root it runs as postgres, and <dir> becomes theirs.
start_pgbouncer() {
  local dir=$1 port=$2 pool=$3
  shift 3
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is taken: is another PgBouncer running there?" >&2
    return 1
  fi
  mkdir -p "$dir"
  printf '"postgres" ""\n"root" ""\n' > "$dir/userlist.txt"
  {
    echo "[databases]"
    printf '%s\n' "$@"
    cat <<INI
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
; the Unix socket serves the online restart (-R)
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 1000
; a server that is down is tried again after a second; a client waits at most 3 s for a
; server connection (then 503: the request would rather fail fast than pile up), and gets an error
; at once while none can be made
server_login_retry = 1
server_connect_timeout = 2
query_wait_timeout = 3
server_idle_timeout = 60
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  } > "$dir/pgbouncer.ini"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  as_postgres pgbouncer -d -q "$dir/pgbouncer.ini"
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "PgBouncer did not start on $port: $(tail -3 "$dir/pgbouncer.log")" >&2
  return 1
}

stop_pgbouncer() {  # stop_pgbouncer <dir> [signal]
  [ -f "$1/pgbouncer.pid" ] || return 0
  local pid
  pid=$(cat "$1/pgbouncer.pid")
  kill "-${2:-TERM}" "$pid" 2>/dev/null
  for _ in $(seq 1 100); do  # gone, or a zombie (which holds no socket) waiting to be reaped
    case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) break ;; esac
    sleep 0.05
  done
  rm -f "$1/pgbouncer.pid"
}

# PgBouncer's online restart (a new configuration, a new version): the new process takes the
# listening socket and every client and server connection over from the old one, through the
# Unix socket in <dir>. Nothing is dropped.
restart_pgbouncer_online() {  # restart_pgbouncer_online <dir>
  as_postgres pgbouncer -R -d -q "$1/pgbouncer.ini"
}

# The topology's PgBouncer: the primary as "scheduler", the replica as "scheduler_replica".
start_deploy_pgbouncer() {
  start_pgbouncer "$PG_ROOT/pgbouncer" "$PGBOUNCER_PORT" "${DEPLOY_POOL_SIZE:-8}" \
    "scheduler = host=127.0.0.1 port=$PRIMARY_PORT dbname=$DEPLOY_DB" \
    "scheduler_replica = host=127.0.0.1 port=$REPLICA_PORT dbname=$DEPLOY_DB"
}

start_app_servers() {
  for port in 8101 8102; do
    BIND=127.0.0.1:$port $PY -m gunicorn -c deploy/gunicorn.conf.py scheduler.wsgi \
      --pid "$RUN/gunicorn-$port.pid" --daemon --error-logfile "$RUN/gunicorn-$port.log" \
      --capture-output  # the app's own log lines (slow requests) land there too
  done
}

# Stop the process a pid file names and wait (10 s at most) until it has gone.
stop_pidfile() {  # stop_pidfile <file>
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

stop_app_servers() {
  for port in 8101 8102; do stop_pidfile "$RUN/gunicorn-$port.pid"; done
}

start_worker() {
  rm -f "$RUN/worker.pid"
  $PY -m celery -A scheduler worker --concurrency "${WORKER_CONCURRENCY:-1}" --loglevel WARNING \
    --pidfile "$RUN/worker.pid" --logfile "$RUN/worker.log" --detach
}

stop_worker() { stop_pidfile "$RUN/worker.pid"; }

start_beat() {
  $PY -m celery -A scheduler beat --loglevel WARNING --schedule "$RUN/beat-schedule" \
    --pidfile "$RUN/beat.pid" --logfile "$RUN/beat.log" --detach
}

stop_beat() { stop_pidfile "$RUN/beat.pid"; }

wait_healthy() {  # wait_healthy <url>: up to 30 s
  for _ in $(seq 1 60); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "$1 did not answer" >&2
  return 1
}

# Run the soak for SOAK_SECONDS, call "$1" (the fault) a quarter in and "$2" (the repair) at
# half-time; print the soak's report and return its status.
soak_with_fault() {
  SOAK_SECONDS=$SOAK_SECONDS ./deploy/soak > "$RUN/fault-soak.log" 2>&1 &
  local soak=$! status=0
  sleep $(( SOAK_SECONDS / 4 ))
  "$1"
  sleep $(( SOAK_SECONDS / 4 ))
  "$2"
  wait "$soak" || status=$?
  cat "$RUN/fault-soak.log"
  return "$status"
}
