#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Dualscope's one entry point for a fresh Debian 12 machine:
#   ./build.sh run    install what is missing, build, start the app (the GUI in
#                     the sandbox; on a machine without a display, the CLI sandbox)
#   ./build.sh test   install what is missing, build, run every test
#   ./build.sh sanitize   the core tests again under ASan + UBSan
#   ./build.sh fuzz [SECONDS]   each libFuzzer target for SECONDS (default 60), clang
#                     with ASan + UBSan; DUALSCOPE_FUZZ_RUNS=N stops each at N runs
#   ./build.sh deps | build
set -euo pipefail
cd "$(dirname "$0")"

# Debian 12 packages: build tools, Qt 6, librdkafka (with rdkafka_mock.h),
# hiredis, RapidJSON, and the peers the tests and benchmarks talk to.
PACKAGES=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qtkeychain-qt6-dev libgl-dev libqt6svg6
    librdkafka-dev libhiredis-dev rapidjson-dev prometheus-cpp-dev libjemalloc-dev libbloom-dev
    redis-server redis-tools kcat openssl prometheus
)
# Only for ./build.sh fuzz: clang and its libFuzzer and sanitizer runtimes.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)
BUILD_DIR=${DUALSCOPE_BUILD_DIR:-build}
JOBS=${DUALSCOPE_JOBS:-2}

log() { printf '==> %s\n' "$*" >&2; }

# apt-get with a few retries: a mirror that fails is not a build failure, and
# says so (exit 3, which .ci/fresh-root reports as the mirror's fault).
apt_get() {
    local attempt
    for attempt in 1 2 3; do
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 "$@" && return 0
        log "apt-get $1 failed (attempt $attempt of 3)"
        [ "$attempt" -lt 3 ] && sleep $((attempt * 10))
    done
    echo "build.sh: apt-get $1 failed 3 times: the Debian mirror is unreachable or failing" \
        "(a download problem, not a build error)" >&2
    exit 3
}

# install_packages PACKAGE... : installs the ones that are not installed yet.
install_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 2; }
        sudo=(sudo)
    fi
    apt_get update -q
    apt_get install -y -q --no-install-recommends "${missing[@]}"
}

install_deps() {
    install_packages "${PACKAGES[@]}"
}

# configure DIR [cmake args...]
build_in() {
    local dir=$1
    shift
    cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
}

build() {
    local werror=OFF
    [ -n "${CI:-}" ] && werror=ON
    build_in "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DDUALSCOPE_WERROR="$werror"
}

# CTest counts executables; each holds many Qt Test functions. Sum their
# "Totals:" lines from the log of the run that just ended.
count_test_functions() {
    awk '/^Totals: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
         END { printf "test functions: %d passed, %d failed\n", p, f }' \
        "$1/Testing/Temporary/LastTest.log"
}

case "${1:-}" in
deps)
    install_deps
    ;;
build)
    install_deps
    build
    ;;
run)
    shift
    install_deps
    build
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$BUILD_DIR/bin/dualscope" ]; then
        log "starting dualscope (in the sandbox unless DUALSCOPE_KAFKA and DUALSCOPE_REDIS are set)"
        exec "$BUILD_DIR/bin/dualscope" "$@"
    fi
    log "no display: starting the command-line sandbox instead (Ctrl+C stops it)"
    exec "$BUILD_DIR/bin/dualscope-cli" sandbox "$@"
    ;;
test)
    install_deps
    build
    log "running the tests"
    status=0
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 600 || status=$?
    count_test_functions "$BUILD_DIR"
    exit "$status"
    ;;
sanitize)
    install_deps
    # The core tests only (labels unit and integration): neither the GUI nor the
    # programs are built in this tree.
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDUALSCOPE_SANITIZE=ON \
        -DDUALSCOPE_WERROR=ON -DDUALSCOPE_BUILD_GUI=OFF >/dev/null
    mapfile -t core_tests < <(ctest --test-dir build-asan -N -L 'unit|integration' |
        sed -n 's/^ *Test *#[0-9]*: //p')
    cmake --build build-asan -j "$JOBS" --target "${core_tests[@]}"
    log "running the core tests under ASan + UBSan"
    status=0
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L 'unit|integration' --timeout 900 ||
        status=$?
    count_test_functions build-asan
    exit "$status"
    ;;
fuzz)
    seconds=${2:-60}
    install_deps
    install_packages "${FUZZ_PACKAGES[@]}"
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DDUALSCOPE_FUZZ=ON -DDUALSCOPE_WERROR=ON >/dev/null
    cmake --build build-fuzz -j "$JOBS" --target fuzzers
    status=0
    for binary in build-fuzz/fuzz/fuzz_*; do
        target=${binary##*/fuzz_}
        # New inputs go to the build tree's corpus; the seeds in tests/ stay as committed.
        mkdir -p "build-fuzz/corpus/$target" build-fuzz/crashes
        log "fuzzing $target for ${seconds} s"
        fuzz_log=build-fuzz/$target.log
        ASAN_OPTIONS=detect_leaks=1 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=tests/fuzz/ubsan.supp \
            "$binary" -max_total_time="$seconds" -print_final_stats=1 \
            ${DUALSCOPE_FUZZ_RUNS:+-runs=$DUALSCOPE_FUZZ_RUNS} -rss_limit_mb=2048 \
            -artifact_prefix="build-fuzz/crashes/$target-" \
            "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target" >"$fuzz_log" 2>&1 || {
            status=1
            log "$target FAILED: see $fuzz_log; the input is in build-fuzz/crashes/ (add it to tests/fuzz/corpus/$target/ as a regression)"
            tail -30 "$fuzz_log" >&2
        }
        awk -v t="$target" '/stat::number_of_executed_units/ { runs = $2 }
            / DONE | cov: / { for (i = 1; i <= NF; i++) if ($i == "cov:") cov = $(i + 1) }
            END { printf "%s: %d executions, coverage %d edges\n", t, runs, cov }' "$fuzz_log"
    done
    exit "$status"
    ;;
*)
    echo "usage: $0 run | test | sanitize | fuzz [SECONDS] | build | deps" >&2
    exit 2
    ;;
esac
