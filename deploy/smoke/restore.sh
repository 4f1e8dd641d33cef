# TEST ONLY, sourced by scripts/smoke_stack: the backup-and-restore rehearsal in the compose stack, with the commands
# docs/operations.md gives an office ("In the compose stack"), run through podman-compose:
#   1. back up while the service runs: pg_dump --format=custom inside the db container (its client is the server's
#      own version; the app image has no PostgreSQL client) and a tarball of /data/media from the web container;
#   2. the bad day: `down -v` destroys every container and volume (database, Redis, evidence files);
#   3. a fresh stack: db comes up with an EMPTY database, pg_restore loads the dump into it, a one-off container
#      unpacks the files into the new, empty media volume; then migrate (a no-op), web, worker and beat;
#   4. compare: every table of the database (row count and an md5 of all its rows) and every file (SHA-256) must be
#      the same as before the backup, the key tables must not be empty, the office signs in with its old password
#      and the reporter's token downloads each attachment through the API with its recorded SHA-256.
# Any difference stops the smoke test (die) with what differs. Uses compose, container, client, step, wait_healthy
# and start_* from scripts/smoke_stack.

# Every table of the public schema: name, row count, md5 of all rows (sorted), one line each.
FINGERPRINT_SQL="
SELECT table_name || ' ' || (xpath('/row/n/text()', x))[1]::text || ' ' || (xpath('/row/d/text()', x))[1]::text
FROM (
  SELECT table_name, query_to_xml(format(
    'SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY t::text), '''')) AS d FROM public.%I t',
    table_name), false, true, '') AS x
  FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
) tables ORDER BY table_name;"

# The tables the issue names: each must hold rows before the backup, or the rehearsal would prove nothing.
KEY_TABLES="reforms_reform tracker_progressreport tracker_reporttransition tracker_attachment reminders_reminder"

db_fingerprint() {
  podman exec -i "$(container db)" psql -X -q -v ON_ERROR_STOP=1 -U rollout -d rollout -At <<<"$FINGERPRINT_SQL"
}

# SHA-256 of every evidence file, by path, from the web container (which mounts the media volume).
media_sums() {
  podman exec "$(container web)" sh -c 'cd /data/media && find . -type f -print0 | sort -z | xargs -0r sha256sum'
}

rows_of() { awk -v t="$1" '$1 == t { print $2 }' "$2"; }

rehearse_restore() {
  local office_password=$1 token=$2 backup="$RUN_DIR/backup" began=$SECONDS table rows audit tables
  mkdir -p "$backup"

  step "Backup: pg_dump in the db container, the media volume from the web container"
  db_fingerprint >"$backup/before.rows"
  media_sums >"$backup/before.files"
  podman exec "$(container db)" pg_dump -U rollout --format=custom rollout >"$backup/rollout.dump" ||
    die "pg_dump failed"
  podman exec "$(container web)" tar czf - -C /data/media . >"$backup/rollout-media.tar.gz" ||
    die "archiving /data/media failed"
  (cd "$backup" && sha256sum rollout.dump rollout-media.tar.gz >rollout.sha256)
  for table in $KEY_TABLES; do
    rows="$(rows_of "$table" "$backup/before.rows")"
    [ "${rows:-0}" -gt 0 ] || die "restore rehearsal: $table is empty before the backup; nothing to prove"
  done
  audit="$(awk '$1 ~ /^audit_/ { n += $2 } END { print n + 0 }' "$backup/before.rows")"
  [ "$audit" -gt 0 ] || die "restore rehearsal: no audit event before the backup"
  [ -s "$backup/before.files" ] || die "restore rehearsal: no evidence file in /data/media before the backup"
  say "backup: $(du -h "$backup/rollout.dump" | cut -f1) dump, $(du -h "$backup/rollout-media.tar.gz" | cut -f1) media" \
    "tarball, $(wc -l <"$backup/before.rows") tables, $(wc -l <"$backup/before.files") file(s)"

  step "The bad day: down -v removes every container and volume"
  compose down -v -t 5 >"$RUN_DIR/down.log" 2>&1 || { cat "$RUN_DIR/down.log"; die "compose down failed"; }
  [ -z "$(leftovers)" ] || die "containers left after down: $(leftovers)"

  start_backing_services
  step "Restore into the new, empty database and media volume"
  (cd "$backup" && sha256sum --check --quiet rollout.sha256) || die "restore rehearsal: the backup's checksums differ"
  tables="$(podman exec "$(container db)" psql -X -U rollout -d rollout -At \
    -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
  [ "$tables" = 0 ] || die "restore rehearsal: the new database is not empty ($tables tables)"
  podman exec -i "$(container db)" pg_restore -U rollout -d rollout --no-owner --no-privileges \
    --single-transaction --exit-on-error <"$backup/rollout.dump" || die "restore rehearsal: pg_restore failed"
  compose run --rm -T --no-deps migrate \
    sh -c 'test -z "$(ls -A /data/media)" || { echo "/data/media is not empty" >&2; exit 1; }; tar xzf - -C /data/media' \
    <"$backup/rollout-media.tar.gz" >>"$RUN_DIR/up.log" 2>&1 ||
    { tail -n 20 "$RUN_DIR/up.log"; die "restore rehearsal: unpacking the media tarball failed"; }

  step "Compare the restored database (before any service touches it) and files"
  db_fingerprint >"$backup/after.rows"
  if ! diff -u "$backup/before.rows" "$backup/after.rows" >"$backup/rows.diff"; then
    cat "$backup/rows.diff" >&2
    die "restore rehearsal: the restored database differs from the backed-up one (table, rows, md5 above)"
  fi
  start_application
  media_sums >"$backup/after.files"
  if ! diff -u "$backup/before.files" "$backup/after.files" >"$backup/files.diff"; then
    cat "$backup/files.diff" >&2
    die "restore rehearsal: the restored evidence files differ (SHA-256 above)"
  fi
  for table in $KEY_TABLES tracker_reportrevision; do
    printf '  %-28s %s rows\n' "$table" "$(rows_of "$table" "$backup/after.rows")"
  done
  printf '  %-28s %s rows\n' "audit_* (pghistory events)" "$audit"
  say "restored: $(wc -l <"$backup/after.rows") tables with the same rows (count and md5), $(wc -l <"$backup/after.files")" \
    "file(s) with the same SHA-256"
  client signin smoke_office "$office_password"
  client files "$token"
  say "backup and restore rehearsal: $((SECONDS - began)) s"
}
