#!/bin/sh
# TEST ONLY: like the official image, serve the network (protected mode off: the bridge network is private) and
# keep data in /data; the compose file's `redis-server --appendonly yes` passes its options through.
set -eu
chown redis:redis /data
if [ "${1:-}" = "redis-server" ]; then
  shift
  exec runuser -u redis -- redis-server --protected-mode no --bind 0.0.0.0 --dir /data "$@"
fi
exec "$@"
