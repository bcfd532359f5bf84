#!/bin/sh
# First start (an empty data folder): make the cluster with POSTGRES_USER as its superuser and POSTGRES_PASSWORD as
# its password, and POSTGRES_DB; then, every start, the server itself as PID 1, listening on the container's network
# with passwords required from it.
set -eu
user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "postgres: POSTGRES_PASSWORD is empty: set it (the database is made with it on first start)" >&2
        exit 1
    fi
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    initdb --username="$user" --pwfile="$password_file" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$password_file"
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    if [ "$database" != postgres ]; then
        echo "CREATE DATABASE \"$database\"" | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "postgres: made the database $database for user $user in $PGDATA"
fi

exec postgres -D "$PGDATA" -c listen_addresses='*'
