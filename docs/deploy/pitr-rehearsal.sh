#!/bin/bash
# A rehearsal of the point-in-time recovery of docs/deploy/national.md on a throw-away
# cluster: WAL archiving on, a tar base backup (pg_basebackup --format=tar --gzip
# --wal-method=fetch), rows written after it, then "the mistake"; the backup restored
# with restore_command, recovery_target_time just before the mistake and
# recovery_target_action = 'promote'. Prints the rows that came back: the two before
# the target, not the mistake. Run as the postgres user (Debian: PostgreSQL 15's
# binaries in /usr/lib/postgresql/15/bin):
#   runuser -u postgres -- docs/deploy/pitr-rehearsal.sh
set -euo pipefail
B=${PGBIN:-/usr/lib/postgresql/15/bin}
R=$(mktemp -d /tmp/pitr-rehearsal.XXXXXX)
trap '$B/pg_ctl -D $R/primary -m immediate stop >/dev/null 2>&1 || true; $B/pg_ctl -D $R/restored -m immediate stop >/dev/null 2>&1 || true; rm -rf $R' EXIT
mkdir -p $R/archive $R/base
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$B/initdb -D $R/primary -U postgres --auth=trust >/dev/null
cat >> $R/primary/postgresql.conf <<CONF
port = $P
listen_addresses = '127.0.0.1'
unix_socket_directories = '$R'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $R/archive/%f && cp %p $R/archive/%f'
archive_timeout = 60
CONF
echo "host replication all 127.0.0.1/32 trust" >> $R/primary/pg_hba.conf
$B/pg_ctl -D $R/primary -l $R/primary.log -w start >/dev/null
q() { psql -h 127.0.0.1 -p $P -U postgres -Atqc "$1" postgres; }
q "CREATE TABLE t (name text, at timestamptz default now())"
q "INSERT INTO t(name) VALUES ('before the backup')"
$B/pg_basebackup -h 127.0.0.1 -p $P -U postgres -D $R/base/day --format=tar --gzip --wal-method=fetch --checkpoint=fast
q "INSERT INTO t(name) VALUES ('after the backup')"
sleep 1.1
TARGET=$(q "SELECT now()")
sleep 1.1
q "INSERT INTO t(name) VALUES ('the mistake')"
q "SELECT pg_switch_wal()" >/dev/null
sleep 2
$B/pg_ctl -D $R/primary -m fast -w stop >/dev/null
# Restore as in national.md
install -d -m 0700 $R/restored
tar -xzf $R/base/day/base.tar.gz -C $R/restored
sed -i "s/^port = .*/port = $P/" $R/restored/postgresql.conf
cat >> $R/restored/postgresql.conf <<CONF
archive_mode = off
restore_command = 'cp $R/archive/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
CONF
touch $R/restored/recovery.signal
$B/pg_ctl -D $R/restored -l $R/restored.log -w -t 60 start >/dev/null
for _ in $(seq 30); do [ "$(q 'SELECT pg_is_in_recovery()')" = f ] && break; sleep 1; done
rows=$(q "SELECT string_agg(name, ', ' ORDER BY at) FROM t")
echo "in recovery: $(q 'SELECT pg_is_in_recovery()'); rows: $rows"
grep -E "recovery stopping|archive recovery complete|ready to accept" $R/restored.log | sed 's/^.*\(LOG\)/\1/'
$B/pg_ctl -D $R/restored -m fast -w stop >/dev/null
[ "$rows" = "before the backup, after the backup" ] || { echo "FAILED: not the rows before the target"; exit 1; }
echo "point-in-time recovery: OK"
