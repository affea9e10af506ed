#!/usr/bin/env bash
# One command for the HTTP/2 loopback load benchmark: builds the reference
# server and the hyper server in release, installs h2load and nghttpd if
# missing, and runs h2load against each in turn. Arguments go to run_h2.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v h2load >/dev/null || ! command -v nghttpd >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nghttp2-client nghttp2-server
fi
cargo build --release -p shockwave-tokio --bin shockwave
cargo build --release -p shockwave-load --bin hyper-hello
exec python3 benches/load/run_h2.py "$@"
