# Sourced by deploy/up and the fault scripts: how each of our own services is started, in one
# place, so that a service restarted after a fault is the same service as before. Needs $RUN
# and $PY.

start_broker_redis() {  # the broker must never evict a queued task
  redis-server --port 6392 --bind 127.0.0.1 --save "" --appendonly no --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$RUN/broker.pid" --logfile "$RUN/broker.log"
}

start_cache_redis() {  # the cache may evict: least recently used keys first
  redis-server --port 6393 --bind 127.0.0.1 --save "" --appendonly no --maxmemory 256mb \
    --maxmemory-policy allkeys-lru --daemonize yes --pidfile "$RUN/cache.pid" --logfile "$RUN/cache.log"
}

start_worker() {
  rm -f "$RUN/worker.pid"
  $PY -m celery -A scheduler worker --concurrency 1 --loglevel WARNING \
    --pidfile "$RUN/worker.pid" --logfile "$RUN/worker.log" --detach
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
