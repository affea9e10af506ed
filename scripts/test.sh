#!/usr/bin/env bash
# The project's test command. CI (.ci/run) runs exactly this, so a green run
# here is a green CI run.
#
#   ./scripts/test.sh           everything: fmt, clippy, no_std build, tests,
#                               docs, miri on the scalar paths, the aarch64
#                               NEON kernel under qemu
#   ./scripts/test.sh --quick   the same without miri and without installing
#                               targets or packages (for the edit-test loop)
#
# Needs rustup with a stable toolchain (rustfmt, clippy); uses cargo-nextest
# when installed (else `cargo test`), a nightly toolchain for miri, and
# qemu-user plus an aarch64 cross linker (apt-get) for the NEON step; the last
# two are skipped with a warning when they cannot be installed. Stops at the
# first failing step.
# All builds share one target directory: $CARGO_TARGET_DIR, default ./target.
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

QUICK=0
KEEP_GOING=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --keep-going) KEEP_GOING=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
if [ "${CI:-}" = "true" ]; then
    # Clean builds: incremental artifacts only cost time and disk.
    export CARGO_INCREMENTAL=0
    export CARGO_TERM_COLOR=never
    # Line tables keep backtraces readable at a fraction of full debug info's
    # disk and link time.
    export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
fi

NO_STD_TARGET=thumbv7em-none-eabihf
# Miri runs the lib tests of these modules: the scalar kernels and the parsers
# and codecs built on them. Proptest cases are cut down (miri is ~1000x slower).
MIRI_FILTERS=(simd:: h1::chunked:: h1::parse:: buf::)
MIRI_PROPTEST_CASES=4
# Too slow under miri as written (1 MiB inputs, ~190k kernel calls, or
# proptest case counts fixed with `with_cases`, which PROPTEST_CASES does not
# override); they run natively in step 4. Unskip each once its test cuts its
# size under cfg(miri).
MIRI_SKIP=(
    h1::chunked::tests::hostile_long_size_lines
    simd::tests::planted_bytes_at_every_position
    h1::parse::tests::prefix_errors_agree_with_full
    h1::parse::tests::prefixes_are_partial_and_suffixes_ignored
    simd::tests::kernels_agree_with_model
    simd::utf8::tests::pieces_planted_at_every_position
)
MIRI_TIMEOUT=900
# The NEON kernel (simd/neon.rs) runs under qemu-aarch64: the kernel tests and
# the parser tests, which compare every kernel. Built at opt-level 1: the
# planted-byte test alone takes minutes unoptimised under emulation.
AARCH64_TARGET=aarch64-unknown-linux-gnu
AARCH64_LINKER=aarch64-linux-gnu-gcc
AARCH64_SYSROOT=/usr/aarch64-linux-gnu
AARCH64_PACKAGES=(qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
AARCH64_FILTERS=(simd:: h1::parse::)
AARCH64_PROPTEST_CASES=32
AARCH64_TIMEOUT=300

STEP_NAMES=()
STEP_TIMES=()
FAILED=()
CURRENT=""
STARTED=$(date +%s)
LOG_DIR=$(mktemp -d)

# Prints a section header and starts the clock of a step.
step() {
    CURRENT="$1"
    STEP_START=$(date +%s)
    printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$CURRENT"
}

# Runs one step: `run_step NAME FUNCTION`. The function runs in a subshell
# with errexit, so its first failing command fails the step.
run_step() {
    step "$1"
    set +e
    (
        set -euo pipefail
        "$2"
    )
    local rc=$?
    set -e
    local took=$(($(date +%s) - STEP_START))
    STEP_NAMES+=("$CURRENT")
    if [ "$rc" = 0 ]; then
        STEP_TIMES+=("${took}s")
        printf '<== %s: ok (%ss)\n' "$CURRENT" "$took"
    else
        STEP_TIMES+=("FAILED (exit $rc) after ${took}s")
        FAILED+=("$CURRENT")
        printf '<== %s: FAILED (exit %s, %ss)\n' "$CURRENT" "$rc" "$took" >&2
    fi
    CURRENT=""
    if [ "$rc" != 0 ] && [ "$KEEP_GOING" = 0 ]; then
        exit "$rc"
    fi
}

warn() {
    echo "$1" >>"$LOG_DIR/warnings"
    printf 'WARNING: %s\n' "$1" >&2
}

summary() {
    local status=$?
    echo
    echo "==> summary (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    local i
    for i in "${!STEP_NAMES[@]}"; do
        printf '    %-60s %s\n' "${STEP_NAMES[$i]}" "${STEP_TIMES[$i]}"
    done
    if [ -s "$LOG_DIR/warnings" ]; then
        sed 's/^/    warning: /' "$LOG_DIR/warnings"
    fi
    printf '    total: %ss\n' "$(($(date +%s) - STARTED))"
    # The main test run's closing line, repeated so it is the last word.
    if [ -s "$LOG_DIR/tests.log" ]; then
        echo
        grep -E '^ *Summary \[|^test result:' "$LOG_DIR/tests.log" | tail -n 1 || true
    fi
    rm -rf "$LOG_DIR"
    if [ "${#FAILED[@]}" -gt 0 ]; then
        printf 'FAILED: %s\n' "${FAILED[@]}" >&2
        [ "$status" -ne 0 ] || status=1
    elif [ "$status" -ne 0 ]; then
        echo "FAILED: setup" >&2
    fi
    exit "$status"
}
trap summary EXIT

have_toolchain() { rustup toolchain list 2>/dev/null | grep -q "^$1"; }

have_aarch64_tools() {
    command -v qemu-aarch64 >/dev/null 2>&1 && command -v "$AARCH64_LINKER" >/dev/null 2>&1 \
        && [ -d "$AARCH64_SYSROOT/lib" ]
}

# Installs qemu-user and the cross toolchain with apt-get (as root or through
# sudo). Never fails the run: returns non-zero when it could not.
install_aarch64_tools() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${AARCH64_PACKAGES[@]}" >/dev/null || return 1
}

# Runs the kernel and parser lib tests for aarch64 under qemu-aarch64, so the
# NEON kernel is tested on every run although CI runs on x86_64. Skipped with a
# warning when the tools are missing and cannot be installed; a test failure
# fails the step, running past the timeout only warns (emulation speed varies).
step_aarch64() {
    if ! have_aarch64_tools; then
        if [ "$QUICK" = 1 ]; then
            warn "qemu-aarch64 or $AARCH64_LINKER missing (--quick installs nothing): NEON kernel not tested"
            return 0
        fi
        echo "installing ${AARCH64_PACKAGES[*]} with apt-get"
        if ! install_aarch64_tools || ! have_aarch64_tools; then
            warn "could not install ${AARCH64_PACKAGES[*]}: NEON kernel not tested"
            return 0
        fi
    fi
    if ! rustup target list --installed 2>/dev/null | grep -qx "$AARCH64_TARGET"; then
        if [ "$QUICK" = 1 ] || ! rustup target add "$AARCH64_TARGET"; then
            warn "target $AARCH64_TARGET not installed: NEON kernel not tested"
            return 0
        fi
    fi
    local rc=0
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="$AARCH64_LINKER" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $AARCH64_SYSROOT" \
        CARGO_PROFILE_DEV_OPT_LEVEL=1 PROPTEST_CASES=$AARCH64_PROPTEST_CASES \
        timeout "$AARCH64_TIMEOUT" \
        cargo test -p shockwave-proto --lib --target "$AARCH64_TARGET" -- "${AARCH64_FILTERS[@]}" \
        || rc=$?
    if [ "$rc" = 124 ]; then
        warn "aarch64 tests ran past ${AARCH64_TIMEOUT}s under qemu: stopped, not failed"
        return 0
    fi
    return "$rc"
}

step_toolchain() {
    rustup component add rustfmt clippy >/dev/null 2>&1 || warn "rustup could not add rustfmt/clippy (using what is installed)"
    cargo --version
    rustc --version
}

step_fmt() {
    cargo fmt --all -- --check
}

step_clippy() {
    cargo clippy --workspace --all-targets --all-features -- -D warnings
}

step_no_std() {
    local have_target=0
    if rustup target list --installed 2>/dev/null | grep -qx "$NO_STD_TARGET"; then
        have_target=1
    elif [ "$QUICK" = 0 ] && rustup target add "$NO_STD_TARGET"; then
        have_target=1
    fi
    if [ "$have_target" = 1 ]; then
        echo "building for $NO_STD_TARGET (no std library exists there, so a std import fails the build)"
        cargo build -p shockwave-proto --no-default-features --target "$NO_STD_TARGET"
    else
        warn "target $NO_STD_TARGET not installed: built shockwave-proto --no-default-features for the host only, which does not prove no_std"
        cargo build -p shockwave-proto --no-default-features
    fi
}

# The real peers the tests talk to on 127.0.0.1: Debian's curl and nghttp2
# tools (nghttp, h2load, nghttpd), and Python's h11, h2, hpack, wsproto and websockets
# (PyPI). With SHOCKWAVE_REQUIRE_PEERS set, a test whose peer is missing fails
# instead of skipping; CI sets it, so a missing peer cannot pass unnoticed.
APT_PEERS=(curl:curl nghttp:nghttp2-client h2load:nghttp2-client nghttpd:nghttp2-server)
PIP_PEERS=(h11 h2 hpack wsproto websockets kosoku)
step_peers() {
    local want=() entry tool
    for entry in "${APT_PEERS[@]}"; do
        tool=${entry%%:*}
        command -v "$tool" >/dev/null 2>&1 || want+=("${entry#*:}")
    done
    if [ "${#want[@]}" -gt 0 ]; then
        if [ "$QUICK" = 1 ]; then
            warn "missing ${want[*]} (--quick installs nothing): their tests skip"
        else
            apt_install $(printf '%s\n' "${want[@]}" | sort -u)
        fi
    fi
    local missing=() module
    for module in "${PIP_PEERS[@]}"; do
        python3 -c "import $module" >/dev/null 2>&1 || missing+=("$module")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$QUICK" = 1 ]; then
            warn "python3 ${missing[*]} missing (--quick installs nothing): their tests skip"
        else
            python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"
        fi
    fi
    command -v curl && curl --version | head -n 1
    command -v nghttp && nghttp --version
    python3 -c "import h11, h2, hpack; print('h11', h11.__version__, 'h2', h2.__version__, 'hpack', hpack.__version__)" || true
}

apt_install() {
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# The fuzz crate's integration test (fuzz/tests/corpus.rs) replays every stored
# corpus through its fuzz target here, on stable.
step_tests() {
    if command -v cargo-nextest >/dev/null 2>&1; then
        cargo nextest run --workspace --all-features --no-fail-fast 2>&1 | tee "$LOG_DIR/tests.log"
    else
        warn "cargo-nextest not installed: ran cargo test instead"
        cargo test --workspace --all-features --no-fail-fast --lib --bins --tests 2>&1 | tee "$LOG_DIR/tests.log"
    fi
}

step_doctests() {
    cargo test --workspace --doc --all-features 2>&1 | tee "$LOG_DIR/doctests.log"
}

step_docs() {
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
}

# The Autobahn TestSuite's 517 cases (kosoku, installed in step 4a) against
# the reference server's two echoes (/ws: borrowed messages, /ws/owned: owned
# ones), then against our client (the autobahn_client example), release
# builds; conformance/autobahn.py fails on any case not OK or INFORMATIONAL.
# All run even if one fails.
step_autobahn() {
    local rc=0
    python3 conformance/autobahn.py server --parallelism 4 || rc=1
    python3 conformance/autobahn.py server --path /ws/owned --parallelism 4 || rc=1
    python3 conformance/autobahn.py client --parallelism 4 || rc=1
    return "$rc"
}

step_miri() {
    if ! have_toolchain nightly; then
        warn "no nightly toolchain: miri skipped"
        return 0
    elif ! rustup component add miri rust-src --toolchain nightly; then
        warn "could not install miri on nightly: miri skipped"
        return 0
    elif ! cargo +nightly miri setup; then
        warn "cargo miri setup failed (sysroot build): miri skipped"
        return 0
    fi
    # A test failure here fails the run; so does running past the timeout,
    # which means the subset has grown too slow for miri. Isolation is off
    # because proptest reads the working directory for its regression files.
    local skips=() t
    for t in "${MIRI_SKIP[@]}"; do skips+=(--skip "$t"); done
    local rc=0
    MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}" PROPTEST_CASES=$MIRI_PROPTEST_CASES \
        timeout "$MIRI_TIMEOUT" \
        cargo +nightly miri test -p shockwave-proto --lib -- "${MIRI_FILTERS[@]}" "${skips[@]}" \
        || rc=$?
    [ "$rc" != 124 ] || echo "miri ran past ${MIRI_TIMEOUT}s" >&2
    return "$rc"
}

# A full run writes about 4 GiB under the target directory (debug, release,
# miri, two cross targets); say so up front when the disk cannot hold it, as
# the failure it causes later (a linker's bus error) does not name the cause.
FREE_GIB=$(df -Pk "$(dirname "$CARGO_TARGET_DIR")" | awk 'NR == 2 { print int($4 / 1048576) }')
echo "free disk beside $CARGO_TARGET_DIR: ${FREE_GIB} GiB"
[ "$FREE_GIB" -ge 6 ] || echo "warning: less than 6 GiB free; the builds below may fail for want of disk" >&2

run_step "toolchain: rustfmt and clippy" step_toolchain
run_step "1. format: cargo fmt --all -- --check" step_fmt
run_step "2. lint: cargo clippy --workspace --all-targets --all-features -- -D warnings" step_clippy
run_step "3. no_std: cargo build -p shockwave-proto --no-default-features --target $NO_STD_TARGET" step_no_std
run_step "4a. peers: curl, nghttp2 tools and the Python packages the tests talk to" step_peers
[ "$QUICK" = 1 ] || export SHOCKWAVE_REQUIRE_PEERS=1
run_step "4. tests: cargo nextest run --workspace --all-features (with the fuzz corpora)" step_tests
run_step "4b. doctests: cargo test --workspace --doc --all-features" step_doctests
run_step "5. docs: RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --all-features" step_docs
[ "$QUICK" = 1 ] || run_step "5b. autobahn: conformance/autobahn.py server (/ws, /ws/owned) and client (kosoku, 517 cases each)" step_autobahn
if [ "$QUICK" = 1 ]; then
    echo
    echo "(--quick: miri skipped)"
else
    run_step "6. miri: the scalar kernels, parsers and codecs (${MIRI_FILTERS[*]})" step_miri
fi
run_step "7. aarch64: the NEON kernel and the parser under qemu-aarch64 (${AARCH64_FILTERS[*]})" step_aarch64
