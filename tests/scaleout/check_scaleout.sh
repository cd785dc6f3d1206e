#!/usr/bin/env bash
# The scale-out deployment (three Groves behind twemproxy, started by
# scripts/scaleout, which runs this script) from a client's side:
#   - keys written through the proxy spread over all three backends;
#   - MGET through the proxy returns keys held by different backends, in
#     order (twemproxy splits it and reassembles the reply);
#   - keys sharing a {hash tag} land on one backend;
#   - redis-benchmark through the proxy: every request reaches a backend
#     and succeeds (counted on the backends, not timed);
#   - a backend killed with SIGKILL is ejected after server_failure_limit
#     failures (docker/nutcracker.yml): the keys of the other two stay
#     readable throughout, and the dead one's keys are writable again on
#     the survivors once it is out of the ring.
# Waits poll a condition with a deadline; nothing depends on speed.
set -euo pipefail
: "${GROVE_PROXY_PORT:?run me through scripts/scaleout}"
read -r -a ports <<<"$GROVE_BACKEND_PORTS"
read -r -a pids <<<"$GROVE_BACKEND_PIDS"
proxy() { redis-cli -p "$GROVE_PROXY_PORT" "$@"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() { echo "ok: $*"; }

# The index (0-2) of the backend holding key $1, or -1.
backend_of() {
    local i
    for i in 0 1 2; do
        [ "$(redis-cli -p "${ports[$i]}" exists "$1")" = 1 ] && { echo "$i"; return; }
    done
    echo -1
}

# The sum over live backends of INFO commandstats' calls for command $1.
calls() {
    local total=0 p n
    for p in "${ports[@]}"; do
        n=$(redis-cli -p "$p" info commandstats 2>/dev/null | tr -d '\r' |
            sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p")
        total=$((total + ${n:-0}))
    done
    echo "$total"
}

# ---- spread ---------------------------------------------------------------------
keys=300
for i in $(seq "$keys"); do echo "SET key:$i v$i"; done | proxy >/dev/null
total=0
for i in 0 1 2; do
    n=$(redis-cli -p "${ports[$i]}" dbsize)
    [ "$n" -gt 0 ] || fail "backend grove$((i + 1)) holds no key"
    total=$((total + n))
done
[ "$total" = "$keys" ] || fail "backends hold $total keys, $keys written"
ok "$keys keys spread over the three backends ($(for p in "${ports[@]}"; do redis-cli -p "$p" dbsize; done | paste -sd/ -))"

# ---- MGET across backends ---------------------------------------------------------
mget=$(proxy mget key:1 key:2 key:3 key:4 key:5 key:6 key:7 key:8 key:9 key:10 nokey | paste -sd' ' -)
[ "$mget" = "v1 v2 v3 v4 v5 v6 v7 v8 v9 v10 " ] || fail "MGET through the proxy: '$mget'"
held=$(for i in $(seq 10); do backend_of "key:$i"; done | sort -u | wc -l)
[ "$held" -ge 2 ] || fail "the MGET's keys all sit on one backend: nothing was checked"
ok "MGET of 10 keys held by $held backends, in order, with a missing key as nil"

# ---- hash tags ---------------------------------------------------------------------
for i in $(seq 20); do
    proxy mset "{user:$i}:name" "n$i" "{user:$i}:email" "e$i" "{user:$i}:plan" "p$i" >/dev/null
done
tagged_backends=""
for i in $(seq 20); do
    b=$(backend_of "{user:$i}:name")
    [ "$(redis-cli -p "${ports[$b]}" exists "{user:$i}:name" "{user:$i}:email" "{user:$i}:plan")" = 3 ] ||
        fail "{user:$i}'s keys are not on one backend"
    tagged_backends+="$b"$'\n'
done
[ "$(echo -n "$tagged_backends" | sort -u | wc -l)" -ge 2 ] || fail "all tags on one backend"
ok "keys sharing a {hash tag} share a backend (20 tags over $(echo -n "$tagged_backends" | sort -u | wc -l) backends)"

# ---- redis-benchmark through the proxy ----------------------------------------------
sets=$(calls set)
gets=$(calls get)
requests=3000
# -q still draws progress with \r; twemproxy has no CONFIG, which
# redis-benchmark only warns about.
bench=$(redis-benchmark -p "$GROVE_PROXY_PORT" -n "$requests" -c 10 -t set,get -q 2>&1 | tr '\r' '\n')
# A here-string, not echo | grep -q: grep leaving at its first match made
# echo die of SIGPIPE, which pipefail turned into a failure.
grep -q '^SET: ' <<<"$bench" || fail "redis-benchmark: $bench"
grep -q '^GET: ' <<<"$bench" || fail "redis-benchmark: $bench"
[ $(($(calls set) - sets)) -eq "$requests" ] || fail "$requests SETs sent, $(($(calls set) - sets)) reached the backends"
[ $(($(calls get) - gets)) -eq "$requests" ] || fail "$requests GETs sent, $(($(calls get) - gets)) reached the backends"
[ "$(proxy strlen key:__rand_int__)" = 3 ] || fail "redis-benchmark's 3-byte value is not stored"
ok "redis-benchmark: $requests SETs and $requests GETs through the proxy, each counted on a backend"

# ---- a backend killed and ejected --------------------------------------------------------
# Each key checked in one pipeline: all of it runs well within the 30 s
# after which the proxy would try the dead backend again.
victim=1
mapfile -t lost < <(redis-cli -p "${ports[$victim]}" keys 'key:[0-9]*' | sort)
mapfile -t survivors < <(for i in 0 1 2; do
    [ "$i" = "$victim" ] || redis-cli -p "${ports[$i]}" keys 'key:[0-9]*'
done | sort)
[ $((${#lost[@]} + ${#survivors[@]})) = "$keys" ] || fail "keys moved before the kill"
kill -KILL "${pids[$victim]}"
ejected=""
for _ in $(seq 200); do
    # Writes to a dead backend's key fail until the proxy ejects it.
    if [ "$(proxy set "${lost[0]}" again 2>&1)" = OK ]; then
        ejected=yes
        break
    fi
    sleep 0.05
done
[ -n "$ejected" ] || fail "grove$((victim + 1)) was never ejected: ${lost[0]} still fails"
served=$(for k in "${survivors[@]}"; do echo "GET $k"; done | proxy | paste -sd' ' -)
[ "$served" = "$(for k in "${survivors[@]}"; do echo "v${k#key:}"; done | paste -sd' ' -)" ] ||
    fail "keys on the live backends are not all served after the ejection"
written=$(for k in "${lost[@]}"; do echo "SET $k again"; done | proxy | grep -c '^OK$' || true)
[ "$written" = "${#lost[@]}" ] || fail "$written of the ${#lost[@]} lost keys writable after the ejection"
read_back=$(for k in "${lost[@]}"; do echo "GET $k"; done | proxy | grep -c '^again$' || true)
[ "$read_back" = "${#lost[@]}" ] || fail "$read_back of the ${#lost[@]} rewritten keys readable"
ok "grove$((victim + 1)) killed: ejected; ${#survivors[@]} keys of the other two still served, its ${#lost[@]} keys writable on them"
