#!/usr/bin/env bash
# User-space instructions per echoed WebSocket message, ours against
# tokio-tungstenite, under callgrind (needs valgrind). Arguments go to
# ws_instructions.py (--size, --inflight, --duration).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p shockwave-tokio --bin shockwave
cargo build --release -p shockwave-load --bin tungstenite-echo --bin ws-load
exec python3 benches/load/ws_instructions.py "$@"
