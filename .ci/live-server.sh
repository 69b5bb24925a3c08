# Shared by the checks that need a live server (.ci/schemathesis, .ci/webex-sdk): source it after
# `cd` to the repository. It builds the binary, gives a work folder that is removed on exit, and
# `start_server NAME DB` loads the demo world into DB, creates a write token of acme's first full
# administrator (in $TOKEN) and serves on a free port (in $PORT) until `stop_server`.

BIN=target/debug/rolehub
cargo build --quiet --locked --bin rolehub
WORK=$(mktemp -d -t rolehub-live.XXXXXX)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

start_server() {
    local name="$1" db="$2"
    "$BIN" --db "$db" demo >/dev/null
    TOKEN=$("$BIN" --db "$db" token create --email daan.meijer@acme.example --name "$name" | head -1)
    PORT=$(free_port)
    ROLEHUB_LOG=warn "$BIN" --db "$db" serve --listen "127.0.0.1:$PORT" >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz')" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "the server on $name did not start:" >&2
    cat "$WORK/$name.log" >&2
    return 1
}

stop_server() {
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

# A fresh PostgreSQL database of the cluster at $1 named $2; prints its URL.
fresh_pg_database() {
    psql "$1" -qc "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null
    echo "${1%/*}/$2"
}
