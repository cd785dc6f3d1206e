# Sourced by scripts/run and scripts/test: makes sure the Debian packages a
# build needs are present. As root it installs what is missing; otherwise it
# prints the exact apt-get line and stops, so nothing is changed behind the
# user's back.

grove_missing_packages() {
    local pkg missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    echo "${missing[@]}"
}

grove_ensure_packages() {
    local missing
    missing=$(grove_missing_packages "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "Grove needs these Debian packages. Install them with:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        exit 1
    fi
    echo "Installing: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086  # one word per package
    apt-get install -y -qq --no-install-recommends $missing >&2
}

# libjemalloc-dev: the default allocator (CMake's GROVE_ALLOCATOR; the
# README's Dependencies section says why). libssl-dev: TLS (GROVE_TLS);
# openssl, its command line, makes the TLS test's certificates.
GROVE_BUILD_PACKAGES=(gcc libc6-dev make cmake pkg-config libuv1-dev liblua5.1-0-dev lua-cjson-dev
                      lua-bitop-dev libjemalloc-dev libssl-dev openssl)
# nutcracker and redis-tools (redis-cli, redis-benchmark): the scale-out
# test (tests/scaleout/), which ctest runs only when they are installed.
GROVE_TEST_PACKAGES=(check libsubunit-dev libhiredis-dev nutcracker redis-tools)
# For scripts/test's fuzzing stage: clang, and its runtimes (libFuzzer,
# ASan, UBSan), which clang only recommends. Without them, and without root
# to install them, scripts/test skips fuzzing and says so.
GROVE_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
