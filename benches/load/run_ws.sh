#!/usr/bin/env bash
# One command for the WebSocket echo load benchmark: builds the reference
# server, the tokio-tungstenite and fastwebsockets echo servers and the load
# client in release, and runs them in turn. Arguments go to run_ws.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p shockwave-tokio --bin shockwave
cargo build --release -p shockwave-load --bin tungstenite-echo --bin fastws-echo --bin ws-load
exec python3 benches/load/run_ws.py "$@"
