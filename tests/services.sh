#!/usr/bin/env bash
# Start the local PostgreSQL and Redis servers if they are installed but stopped; fail clearly if absent.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
    for _ in $(seq 1 30); do port_open "$1" && return 0; sleep 1; done
    return 1
}

if ! port_open 5432; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "Starting PostgreSQL…"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    fi
    wait_for_port 5432 || {
        echo "ERROR: no PostgreSQL server on 127.0.0.1:5432 and none installed to start." >&2
        echo "Install PostgreSQL (apt-get install postgresql) or set TEST_DATABASE_URL." >&2
        exit 1
    }
fi

if ! port_open 6379; then
    if command -v redis-server >/dev/null; then
        echo "Starting Redis…"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    fi
    wait_for_port 6379 || {
        echo "ERROR: no Redis server on 127.0.0.1:6379 and none installed to start." >&2
        echo "Install Redis (apt-get install redis-server) or set TEST_CELERY_BROKER_URL." >&2
        exit 1
    }
fi
