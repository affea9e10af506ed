#!/usr/bin/env bash
# One command for the loopback load benchmark: builds the three servers in
# release and runs wrk against each in turn. Arguments go to run.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p shockwave-tokio --bin shockwave
cargo build --release -p shockwave-mio --example hello
cargo build --release -p shockwave-load --bin hyper-hello
exec python3 benches/load/run.py "$@"
