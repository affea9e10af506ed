#!/usr/bin/env bash
# Runs h2spec (https://github.com/summerwind/h2spec) against the reference
# server: every case, over h2c prior knowledge on the plain port and over TLS
# (ALPN h2) on the TLS port. h2spec cannot be installed on the project's CI
# machines; our own tests cover its MUSTs (shockwave-proto/tests/h2_conformance*).
#
#   conformance/h2spec.sh [--h2spec PATH] [--strict] [-- extra h2spec args]
#
# Exits with h2spec's status: 0 when every case passed on both ports.
set -euo pipefail
cd "$(dirname "$0")/.."

H2SPEC="${H2SPEC:-h2spec}"
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --h2spec) H2SPEC="$2"; shift 2 ;;
        --strict) EXTRA+=(--strict); shift ;;
        --) shift; EXTRA+=("$@"); break ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if ! command -v "$H2SPEC" >/dev/null 2>&1; then
    echo "h2spec not found: install it (a Go binary from its releases) or pass --h2spec PATH" >&2
    exit 2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PLAIN=$(free_port)
TLS=$(free_port)
cargo build --release -q
./target/release/shockwave --listen "127.0.0.1:$PLAIN" --tls-listen "127.0.0.1:$TLS" --threads 1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PLAIN") 2>/dev/null && break
    sleep 0.1
done

status=0
echo "==> h2spec, h2c prior knowledge, 127.0.0.1:$PLAIN"
"$H2SPEC" -h 127.0.0.1 -p "$PLAIN" -o 5 "${EXTRA[@]}" || status=$?
echo "==> h2spec, TLS (ALPN h2), 127.0.0.1:$TLS"
"$H2SPEC" -h 127.0.0.1 -p "$TLS" -t -k -o 5 "${EXTRA[@]}" || status=$?
exit "$status"
