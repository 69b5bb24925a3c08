#!/usr/bin/env bash
# The load harness: builds the million-user world with `rolehub gen` (once, kept under
# target/load/), starts one or three release servers on it, drives each endpoint with wrk (Debian's
# `wrk` package) and prints requests/s, p50 and p99 per endpoint, and the servers' resident memory.
#
#   bench/load.sh                          # SQLite, one server, 1,000,000 users, 10 s per endpoint
#   SERVERS=3 DB=postgres://USER@HOST:PORT/DB bench/load.sh
#   USERS=100000 DURATION=5s CONNECTIONS=32 bench/load.sh
#   ONLY=people bench/load.sh             # only the endpoints whose name contains "people"
#   BIN=/tmp/rolehub-before bench/load.sh  # another build of the server, to compare
#
# Besides wrk's figures it prints the servers' CPU time per request (user and system time of the
# server processes over the requests answered), which does not depend on how busy the machine is.
#
# The load generator runs on the same machine as the servers, so they share its cores; the
# figures in docs/performance.md say on which machine they were taken.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${DB:-sqlite}
SERVERS=${SERVERS:-1}
USERS=${USERS:-1000000}
ORGS=${ORGS:-10}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
# shellcheck source=bench/common.sh
. bench/common.sh

if [ "$DB" = sqlite ]; then
    url="sqlite://target/load/world-$USERS.db"
else
    url="$DB"
    # A database started in another session is another scheduling group: while the servers and
    # wrk keep the cores busy, its processes can wait up to a second to run (docs/performance.md).
    if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo 0)" = 1 ]; then
        echo "note: kernel.sched_autogroup_enabled is 1; a database on this machine may be starved" >&2
        echo "      for up to a second at a time. For figures about Rolehub, run" >&2
        echo "      sysctl kernel.sched_autogroup_enabled=0 first (docs/performance.md)." >&2
    fi
fi
per_org=$((USERS / ORGS))
org=gen-0005
world "$url" "$org" --orgs "$ORGS" --users-per-org "$per_org"
start_servers "$url" "$PORT" "$SERVERS"

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# The cursor of a page 90 % into the org's people (the key is the person id).
deep=$(hex "$org-$(printf '%07d' $((per_org * 9 / 10)))")
endpoints=(
    "healthz|/healthz"
    "authorize|/v1/authorize?orgId=$org&area=users&level=write"
    "people page|/v1/people?orgId=$org&max=100"
    "people page 90% in|/v1/people?orgId=$org&max=100&after=$deep"
    "role filter|/v1/people?orgId=$org&roles=full_admin"
    "admins export|/v1/admins/export?orgId=$org"
)

# wrk's latency in milliseconds.
ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.2f", v }'; }

# The servers' CPU time so far, in clock ticks (user + system).
ticks() {
    local sum=0
    for p in "${pids[@]}"; do
        sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
    done
    echo "$sum"
}
hz=$(getconf CLK_TCK)

echo
echo "| endpoint | requests/s | p50 (ms) | p99 (ms) | server CPU per request (µs) |"
echo "| --- | --- | --- | --- | --- |"
per=$(( CONNECTIONS / SERVERS > 0 ? CONNECTIONS / SERVERS : 1 ))
for e in "${endpoints[@]}"; do
    name=${e%%|*}
    path=${e#*|}
    case $name in *"${ONLY:-}"*) ;; *) continue ;; esac
    before=$(ticks)
    outs=()
    loads=()
    for i in $(seq 0 $((SERVERS - 1))); do
        out="target/load/wrk-$i.txt"
        outs+=("$out")
        # One wrk per server, all at once: together they are the load.
        wrk -t1 -c"$per" -d"$DURATION" --latency -H "Authorization: Bearer $token" \
            "http://127.0.0.1:$((PORT + i))$path" >"$out" &
        loads+=("$!")
    done
    for l in "${loads[@]}"; do wait "$l"; done
    cpu=$(($(ticks) - before))
    rps=0; p50=0; p99=0; requests=0
    for out in "${outs[@]}"; do
        r=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
        a=$(awk '$1 == "50%" { print $2 }' "$out" | ms)
        b=$(awk '$1 == "99%" { print $2 }' "$out" | ms)
        bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$out")
        [ -z "$bad" ] || echo "warning: $name answered $bad non-2xx responses" >&2
        n=$(awk '/requests in/ { print $1 }' "$out")
        requests=$((requests + n))
        rps=$(awk -v x="$rps" -v y="$r" 'BEGIN { printf "%.0f", x + y }')
        p50=$(awk -v x="$p50" -v y="$a" 'BEGIN { print (y > x ? y : x) }')
        p99=$(awk -v x="$p99" -v y="$b" 'BEGIN { print (y > x ? y : x) }')
    done
    per_request=$(awk -v t="$cpu" -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }')
    echo "| $name | $rps | $p50 | $p99 | $per_request |"
done
echo
for i in $(seq 0 $((SERVERS - 1))); do
    echo "server $i resident memory: $(( $(ps -o rss= -p "${pids[$i]}") / 1024 )) MiB"
done
