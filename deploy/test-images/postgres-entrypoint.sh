#!/bin/sh
# TEST ONLY: initialise the cluster in the volume on first start (like the official image), then run as postgres.
set -eu
install -d -o postgres -g postgres -m 0700 "$PGDATA"
install -d -o postgres -g postgres /run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s' "$POSTGRES_PASSWORD" > /tmp/pwfile
  chown postgres /tmp/pwfile
  # Like the official image: trust on the container's own socket, passwords over the network.
  runuser -u postgres -- initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # The set-up server listens on a private socket only: the health check (pg_isready on the usual socket) must not
  # see it and let migrate in before the real server is up.
  install -d -o postgres -g postgres /tmp/pginit
  runuser -u postgres -- pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp/pginit" \
    -w start >/dev/null
  runuser -u postgres -- createdb -h /tmp/pginit -U "$POSTGRES_USER" "$POSTGRES_DB"
  runuser -u postgres -- pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec runuser -u postgres -- "$@" -D "$PGDATA" -c listen_addresses='*'
