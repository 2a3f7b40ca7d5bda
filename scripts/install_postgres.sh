#!/usr/bin/env bash
# Install PostgreSQL from Debian for Airflow's metadata database (tests/scheduler, docs/operations.md).
# Idempotent: does nothing when a pg_ctl binary is already installed. Needs root (or sudo) and apt.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null; then
    echo "PostgreSQL already installed: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
        echo "install_postgres.sh: need root (or sudo) to apt-get install postgresql" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null; then
    echo "install_postgres.sh: apt-get not found; install PostgreSQL (>= 13) yourself" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Debian's package starts a default cluster via its maintainer scripts when a service manager runs;
# the harness never uses that cluster, it creates its own under a temporary directory.
if ! $SUDO apt-get install -y --no-install-recommends postgresql; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends postgresql
fi
echo "PostgreSQL installed: $(ls -d /usr/lib/postgresql/*/bin | tail -n1)"
