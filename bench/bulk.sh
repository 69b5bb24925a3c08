#!/usr/bin/env bash
# The bulk harness: the administrators export of 100,000 administrators, and a CSV upload of
# 100,000 changed rows (its preview, then the job that applies it, with the progress the job
# reports), through the API of one release server.
#
#   bench/bulk.sh                                  # SQLite, 100,000 users and administrators
#   DB=postgres://USER@HOST:PORT/DB bench/bulk.sh  # PostgreSQL (an empty database)
#   USERS=20000 bench/bulk.sh
#   WORLD=million bench/bulk.sh                    # the load harness's million-user world instead
#                                                  # (10 orgs of 100,000 users, a few administrators each)
#
# It builds one org of USERS users, every one of them an administrator (`rolehub gen
# --admins-per-org`), once, kept under target/load/. Needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${DB:-sqlite}
USERS=${USERS:-100000}
PORT=${PORT:-18180}

# shellcheck source=bench/common.sh
. bench/common.sh
if [ "${WORLD:-}" = million ]; then
    USERS=100000
    [ "$DB" = sqlite ] && url="sqlite://target/load/world-1000000.db" || url="$DB"
    org=gen-0001
    world "$url" "$org" --orgs 10 --users-per-org "$USERS"
else
    [ "$DB" = sqlite ] && url="sqlite://target/load/admins-$USERS.db" || url="$DB"
    org=gen-0001
    world "$url" "$org" --orgs 1 --users-per-org "$USERS" --admins-per-org "$USERS"
fi
start_servers "$url" "$PORT" 1
server=${pids[0]}
api="http://127.0.0.1:$PORT"
auth=(-H "Authorization: Bearer $token")
now() { date +%s.%N; }
rss() { echo "$(($(ps -o rss= -p "$server") / 1024)) MiB"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

start=$(now)
curl -fsS "${auth[@]}" "$api/v1/admins/export?orgId=$org" -o target/load/admins.csv
echo "administrators export: $(($(wc -l <target/load/admins.csv) - 1)) administrators in $(since "$start") s (server: $(rss))"

# Every user's last name changed: USERS changed rows (new names on every run, so that a second
# run changes as many rows as the first).
python3 -c "
import sys, time
n, org, run = int(sys.argv[1]), sys.argv[2], int(time.time())
print('User ID/Email,Last Name')
for i in range(1, n + 1):
    print(f'u{i:07d}@{org}.example,Bulk{run}-{i}')
" "$USERS" "$org" >target/load/bulk.csv

start=$(now)
curl -fsS "${auth[@]}" -H 'Content-Type: text/csv' --data-binary @target/load/bulk.csv \
    "$api/v1/people/csv?orgId=$org&dryRun=true" -o target/load/preview.json
echo "preview of $USERS rows: $(since "$start") s ($(python3 -c "import json; d = json.load(open('target/load/preview.json')); print(d['rowsApplied'], 'rows would change,', d['rowsWithErrors'], 'with errors')")) (server: $(rss))"

start=$(now)
job=$(curl -fsS "${auth[@]}" -H 'Content-Type: text/csv' -H 'Prefer: respond-async' \
    --data-binary @target/load/bulk.csv "$api/v1/people/csv?orgId=$org" |
    python3 -c "import json, sys; print(json.load(sys.stdin)['id'])")
while :; do
    state=$(curl -fsS "${auth[@]}" "$api/v1/jobs/$job?orgId=$org")
    line=$(printf '%s' "$state" | python3 -c "
import json, sys
j = json.load(sys.stdin)
print(j['status'], j.get('phase') or '-', j['rowsDone'], j['rowsApplied'], j.get('started') or '-', j.get('finished') or '-')")
    read -r status phase done applied started finished <<<"$line"
    echo "  $(since "$start") s: $status, $phase, $done rows checked (server: $(rss))"
    case $status in succeeded | failed) break ;; esac
    sleep 0.5
done
echo "upload of $USERS rows applied by a job: $status, $applied rows applied, $(since "$start") s from upload to done (the job ran from $started to $finished)"
echo "server resident memory: $(($(ps -o rss= -p "$server") / 1024)) MiB now, at most $(($(awk '/^VmHWM/ { print $2 }' "/proc/$server/status") / 1024)) MiB during the run"
sleep 5
echo "server resident memory 5 s later: $(rss)"
