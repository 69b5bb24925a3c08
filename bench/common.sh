# The opening both harnesses share (sourced, not run): the release build (or BIN), a world made
# once with `rolehub gen` and kept, a token of its first user, and servers started on it, stopped
# when the harness ends.
#
#   world URL ORG GEN_ARGS...   makes the world at URL unless it is there; sets `token`
#   start_servers URL PORT N    starts N servers on ports PORT, PORT+1, …; sets `pids`

if [ -n "${BIN:-}" ]; then
    bin=$BIN
else
    cargo build --release -p rolehub --quiet
    bin=target/release/rolehub
fi
mkdir -p target/load

world() {
    local url=$1 org=$2
    shift 2
    local tokens="target/load/token-$org.json"
    if ! "$bin" --db "$url" token create --email "u0000001@$org.example" --ttl-days 1 --json >"$tokens" 2>/dev/null; then
        echo "generating a world into $url: gen $*"
        "$bin" --db "$url" gen "$@"
        "$bin" --db "$url" token create --email "u0000001@$org.example" --ttl-days 1 --json >"$tokens"
    fi
    token=$(sed -n 's/.*"token": *"\([A-Za-z0-9_]*\)".*/\1/p' "$tokens" | head -n 1)
    [ -n "$token" ] || { echo "no token in $tokens" >&2; exit 1; }
}

pids=()
stop_servers() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_servers EXIT

start_servers() {
    local url=$1 port=$2 n=$3 i
    for i in $(seq 0 $((n - 1))); do
        ROLEHUB_LOG=${ROLEHUB_LOG:-warn} "$bin" --db "$url" serve --listen "127.0.0.1:$((port + i))" \
            >"target/load/server-$((port + i)).log" 2>&1 &
        pids+=("$!")
    done
    for i in $(seq 0 $((n - 1))); do
        for _ in $(seq 1 100); do
            curl -fsS "http://127.0.0.1:$((port + i))/healthz" >/dev/null 2>&1 && break
            sleep 0.2
        done
    done
}
