#!/usr/bin/env bash
# Soak and robustness test: hookscope --headless under a long run of valid signed traffic with
# bad clients mixed in, then a check that nothing was lost or left inconsistent.
#
#   scripts/soak.sh             # 1,000,000 valid requests
#   scripts/soak.sh 100000
#
# Loopback only. The bulk is wrk (signed 600-byte WMS bodies, 2 threads, 64 connections);
# beside it scripts/soak_bad.py sends, round after round, truncated bodies, garbage bytes, heads
# that never finish, clients that disconnect mid-body, oversized bodies, invalid UTF-8, 100
# headers (the default allowance) and 101, and once holds 2,000 connections open at the same
# time. Afterwards it checks: the process is alive and answers; received = stored + evicted +
# rejected; the JSON Lines log has one parsable line per event; the export written on SIGTERM
# reads back (it is replayed, in part, into a second listener). Prints requests, rejected, peak
# RSS and duration. Then two memory cases, each on a listener of its own (scripts/soak_memory.py):
# header-heavy requests against a small --max-bytes, and 30 slow 9 MiB bodies at once against the
# default bound on bodies in flight; RSS must stay within the settings during each and come back
# down after the slow bodies are gone. And two cases of connections: idle h2c connections under a
# low `ulimit -n`, and a forward loop (refused at start; two instances relaying to each other).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${1:-1000000}
PORT=${PORT:-18775}
REPLAY_PORT=${REPLAY_PORT:-18776}
MEMORY_PORT=${MEMORY_PORT:-18780}
HOLD=${HOLD:-2000}
MAX_SECONDS=${MAX_SECONDS:-900} # bound on the bulk load
SECRET=soak-test-secret
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v wrk >/dev/null || fail "wrk is needed (apt-get install wrk)"
command -v curl >/dev/null || fail "curl is needed"
# Both processes need a descriptor per held connection, plus wrk's and the log's.
need=$((HOLD + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" ||
    fail "ulimit -n is $(ulimit -n); $need descriptors are needed"
fi

echo "building the release binary…" >&2
cargo build --release --quiet --bin hookscope
python3 scripts/make_bodies.py "$SECRET" 1000 > "$work/bodies.txt"

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  fail "nothing listens on port $1"
}
answers() { # port: does a new client get a 200?
  [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H 'content-type: application/json' \
    -d '{"alive":true}' "http://127.0.0.1:$1/alive")" = 200 ]
}
peak_rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# --- Case: idle h2c connections under a low `ulimit -n` ------------------------------------------
# hookscope with 256 descriptors and a 5 s idle timeout; 600 clients open an HTTP/2 connection
# with prior knowledge (preface and SETTINGS) and then say nothing. Checks: fresh clients are
# answered all along (idle connections make room when descriptors run out), the process does
# not spin while at the limit (CPU under half a core), and once the idle timeout has passed it
# holds no client connection any more. Prints what it saw.
IDLE_PORT=${IDLE_PORT:-18777}
soak_idle_h2c() {
  local bin=${SOAK_BIN:-target/release/hookscope} port=$IDLE_PORT clients=600 pid holder
  (ulimit -n 256 && exec "$bin" --headless --port "$port" --idle-timeout 5s) \
    >/dev/null 2>"$work/idle.err" &
  pid=$!
  pids+=("$pid")
  wait_port "$port"
  python3 - "$port" "$clients" "$work/idle.ready" "$work/idle.stop" <<'PY' &
import os, socket, sys, time
port, clients, ready, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
held = []
for _ in range(clients):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(preface)
    held.append(s)
open(ready, "w").close()
deadline = time.time() + 120
while not os.path.exists(stop) and time.time() < deadline:
    time.sleep(0.1)
PY
  holder=$!
  pids+=("$holder")
  for _ in $(seq 1 300); do [ -e "$work/idle.ready" ] && break; sleep 0.1; done
  [ -e "$work/idle.ready" ] || fail "idle h2c: the clients could not connect"
  local ticks_before ticks_after started elapsed answered=0
  ticks_before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  started=$(date +%s.%N)
  for _ in $(seq 1 10); do
    answers "$port" && answered=$((answered + 1))
    sleep 0.3
  done
  ticks_after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  [ "$answered" = 10 ] || fail "idle h2c: $answered of 10 fresh clients answered beside $clients idle ones"
  local cpu
  cpu=$(awk -v t=$((ticks_after - ticks_before)) -v e="$elapsed" \
    'BEGIN { printf "%.2f", t / 100 / e }')
  awk -v c="$cpu" 'BEGIN { exit !(c < 0.5) }' ||
    fail "idle h2c: $cpu of a core while out of descriptors: the accept loop spins"
  # Every idle connection, accepted or still waiting, is closed within a few idle timeouts.
  local open_fds=""
  for _ in $(seq 1 60); do
    open_fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' | wc -l)
    [ "$open_fds" -le 8 ] && break
    sleep 0.5
  done
  [ "$open_fds" -le 8 ] || fail "idle h2c: $open_fds sockets still open 30 s after the idle timeout"
  touch "$work/idle.stop"
  wait "$holder" || true
  kill -TERM "$pid"
  wait "$pid" || fail "idle h2c: hookscope exited with status $?: $(tail -3 "$work/idle.err")"
  echo "  idle h2c: $clients idle connections with 256 descriptors: 10 of 10 fresh clients answered," \
    "$cpu of a core meanwhile, $open_fds sockets left after the idle timeout"
}

# --- Case: a forward loop ----------------------------------------------------------------------
# A --forward-to of hookscope's own address must be refused at start (exit 2, one line); two
# instances forwarding to each other must stop a request at the first return (508) instead of
# multiplying it: 20 requests give exactly 40 events on the first and 20 on the second.
LOOP_PORT_A=${LOOP_PORT_A:-18778}
LOOP_PORT_B=${LOOP_PORT_B:-18779}
soak_forward_loop() {
  local bin=${SOAK_BIN:-target/release/hookscope} a b status out code
  set +e
  out=$(timeout 10 "$bin" --headless --port "$LOOP_PORT_A" \
    --forward-to "http://localhost:$LOOP_PORT_A/app" 2>&1 >/dev/null)
  code=$?
  set -e
  [ "$code" = 2 ] && echo "$out" | grep -q 'leads back to hookscope itself' ||
    fail "forward loop: forwarding to itself was not refused (exit $code): $out"
  "$bin" --headless --port "$LOOP_PORT_A" --forward-to "http://127.0.0.1:$LOOP_PORT_B" \
    >/dev/null 2>"$work/loop-a.err" &
  a=$!
  pids+=("$a")
  "$bin" --headless --port "$LOOP_PORT_B" --forward-to "http://127.0.0.1:$LOOP_PORT_A" \
    >/dev/null 2>"$work/loop-b.err" &
  b=$!
  pids+=("$b")
  wait_port "$LOOP_PORT_A"
  wait_port "$LOOP_PORT_B"
  for _ in $(seq 1 20); do
    status=$(curl -s -o /dev/null -m 10 -w '%{http_code}' "http://127.0.0.1:$LOOP_PORT_A/loop")
    [ "$status" = 508 ] || fail "forward loop: a request through both instances got $status, not 508"
  done
  local rss_a=$(( $(peak_rss_kb "$a") / 1024 ))
  kill -TERM "$a" "$b"
  wait "$a" || fail "forward loop: the first instance exited with status $?"
  wait "$b" || fail "forward loop: the second instance exited with status $?"
  grep -q 'received 40, stored 40' "$work/loop-a.err" ||
    fail "forward loop: first instance: $(grep -o 'received.*' "$work/loop-a.err")"
  grep -q 'received 20, stored 20' "$work/loop-b.err" ||
    fail "forward loop: second instance: $(grep -o 'received.*' "$work/loop-b.err")"
  echo "  forward loop: refused at start; 20 requests between two instances gave 508 each," \
    "40 + 20 events, peak RSS ${rss_a} MiB"
}

HOOKSCOPE_SECRET_WMS=$SECRET target/release/hookscope --headless --port "$PORT" \
  --capacity 100000 --max-bytes 1GiB --max-body 1MiB \
  --jsonl "$work/events.jsonl" --export-on-exit "$work/export.json" \
  >/dev/null 2>"$work/hookscope.err" &
hs=$!
pids+=("$hs")
wait_port "$PORT"
rss_start=$(peak_rss_kb "$hs")
started=$(date +%s.%N)

python3 scripts/soak_bad.py "$PORT" "$work/stop" "$work/bad.json" "$HOLD" \
  2>"$work/bad.err" &
bad=$!
pids+=("$bad")

threads=2
per_thread=$(( (REQUESTS + threads - 1) / threads ))
: > "$work/wrk.done"
wrk -t"$threads" -c64 -d"${MAX_SECONDS}s" -s scripts/soak.lua "http://127.0.0.1:$PORT" \
  -- "$work/bodies.txt" "$per_thread" "$work/wrk.done" > "$work/wrk.txt" &
load=$!
pids+=("$load")
# wrk runs for its whole -d even when every thread has stopped: end it (SIGINT makes it print
# its summary) once each thread has sent its share.
while kill -0 "$load" 2>/dev/null && [ "$(wc -l < "$work/wrk.done")" -lt "$threads" ]; do
  sleep 0.2
done
kill -INT "$load" 2>/dev/null || true
wait "$load" || fail "wrk failed: $(cat "$work/wrk.txt")"
touch "$work/stop"
# The bad clients finish their round (bounded by their own timeouts) and write a summary.
for _ in $(seq 1 1500); do kill -0 "$bad" 2>/dev/null || break; sleep 0.1; done
kill -0 "$bad" 2>/dev/null && fail "the bad clients did not finish"
wait "$bad" || fail "the bad clients failed: $(tail -5 "$work/bad.err")"
duration=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

kill -0 "$hs" 2>/dev/null || fail "hookscope died: $(tail -5 "$work/hookscope.err")"
answers "$PORT" || fail "hookscope no longer answers"
rss_peak=$(peak_rss_kb "$hs")
kill -TERM "$hs"
for _ in $(seq 1 300); do kill -0 "$hs" 2>/dev/null || break; sleep 0.1; done
kill -0 "$hs" 2>/dev/null && fail "hookscope did not stop within 30 s of SIGTERM"
wait "$hs" || fail "hookscope exited with status $?: $(tail -5 "$work/hookscope.err")"

wrk_answers=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
wrk_errors=$(awk '/Non-2xx|Socket errors/' "$work/wrk.txt" | tr '\n' ' ')
counters=$(grep -o 'received [0-9]*, stored [0-9]*, evicted [0-9]*, rejected [0-9]*' \
  "$work/hookscope.err") || fail "no counters in hookscope's output"
read -r received stored evicted rejected < <(echo "$counters" | tr -d ',' | awk '{print $2, $4, $6, $8}')

# Every line of the log parses; the export reads back as hookscope's format.
python3 - "$work" "$received" "$stored" "$evicted" "$rejected" "$wrk_answers" <<'PY' || exit 1
import json, sys
work = sys.argv[1]
received, stored, evicted, rejected, wrk_answers = map(int, sys.argv[2:7])
bad = json.load(open(f"{work}/bad.json"))
problems = []
lines = 0
with open(f"{work}/events.jsonl", "rb") as log:
    for number, line in enumerate(log, 1):
        try:
            json.loads(line)
        except ValueError as e:
            problems.append(f"log line {number} does not parse: {e}")
            break
        lines += 1
events = stored + evicted
if received != stored + evicted + rejected:
    problems.append(f"received {received} != stored {stored} + evicted {evicted} + rejected {rejected}")
if lines != events:
    problems.append(f"the log has {lines} lines for {events} events")
answered_events = wrk_answers + sum(
    n for kind in bad["event_kinds"] for status, n in bad.get(kind, {"outcomes": {}})["outcomes"].items()
    if status.isdigit())
if events < answered_events:
    problems.append(f"{answered_events} requests were answered but only {events} events recorded")
must_reject = sum(bad.get(kind, {"sent": 0})["sent"] for kind in bad["rejected_kinds"])
if rejected < must_reject:
    problems.append(f"{must_reject} broken requests were sent but only {rejected} rejected")
export = json.load(open(f"{work}/export.json"))
if (export.get("format"), export.get("version")) != ("hookscope", 1):
    problems.append("the export is not a hookscope version 1 document")
if len(export["events"]) != stored:
    problems.append(f"the export holds {len(export['events'])} events, the store {stored}")
bad_sent = sum(v["sent"] for k, v in bad.items() if isinstance(v, dict))
report = {
    "valid requests answered (wrk)": wrk_answers,
    "other requests and connections": bad_sent,
    "events (log lines)": lines,
    "held open at once": bad.get("held_open_at_once"),
    "bad-client rounds": bad.get("rounds"),
}
for key, value in report.items():
    print(f"  {key}: {value}")
for kind in list(bad["event_kinds"]) + list(bad["rejected_kinds"]):
    if kind in bad:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(bad[kind]["outcomes"].items()))
        print(f"    {kind}: sent {bad[kind]['sent']} → {outcomes}")
for p in problems:
    print(f"FAIL: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# The export reads back through hookscope's own importer: replay one session of it.
target/release/hookscope --headless --port "$REPLAY_PORT" --capacity 100000 \
  >/dev/null 2>"$work/replay-listener.err" &
replay_listener=$!
pids+=("$replay_listener")
wait_port "$REPLAY_PORT"
timeout 120 target/release/hookscope replay "$work/export.json" \
  --to "http://127.0.0.1:$REPLAY_PORT" --filter 'session:load-session-0007-*' \
  >"$work/replay.out" 2>&1 || fail "replaying the export failed: $(tail -3 "$work/replay.out")"
kill -TERM "$replay_listener"
wait "$replay_listener" || true
replayed=$(grep -o 'received [0-9]*' "$work/replay-listener.err" | awk '{print $2}')
[ "${replayed:-0}" -gt 0 ] || fail "the replay of the export delivered nothing"

# Memory cases: a fresh listener each, with the given flags; the client runs, then RSS is read at
# its peak and three seconds after the client is done (memory left by a burst is given back a
# second after it). Bounds are in MiB over the RSS at start.
memory_case() { # name, client case, client count, peak bound, after bound, hookscope flags…
  local name=$1 case=$2 count=$3 peak_bound=$4 after_bound=$5
  shift 5
  target/release/hookscope --headless --port "$MEMORY_PORT" "$@" \
    >/dev/null 2>"$work/memory-$name.err" &
  local listener=$!
  pids+=("$listener")
  wait_port "$MEMORY_PORT"
  local start
  start=$(rss_kb "$listener")
  python3 scripts/soak_memory.py "$case" "$MEMORY_PORT" "$count" "$work/memory-$name.json" \
    2>"$work/memory-$name.client.err" ||
    fail "$name: the client failed: $(tail -3 "$work/memory-$name.client.err")"
  kill -0 "$listener" 2>/dev/null || fail "$name: hookscope died: $(tail -5 "$work/memory-$name.err")"
  answers "$MEMORY_PORT" || fail "$name: hookscope no longer answers"
  sleep 3
  local peak after
  peak=$(peak_rss_kb "$listener")
  after=$(rss_kb "$listener")
  kill -TERM "$listener"
  wait "$listener" || fail "$name: hookscope exited with status $?"
  local counters received stored evicted rejected
  counters=$(grep -o 'received [0-9]*, stored [0-9]*, evicted [0-9]*, rejected [0-9]*' \
    "$work/memory-$name.err") || fail "$name: no counters in hookscope's output"
  read -r received stored evicted rejected < <(echo "$counters" | tr -d ',' | awk '{print $2, $4, $6, $8}')
  [ "$received" -eq $((stored + evicted + rejected)) ] || fail "$name: counters do not balance: $counters"
  local grown=$(((peak - start) / 1024)) left=$(((after - start) / 1024))
  memory_report+=("  $name: peak RSS +$grown MiB (bound $peak_bound), +$left MiB after (bound $after_bound); $counters; answers $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outcomes"])' "$work/memory-$name.json")")
  [ "$grown" -le "$peak_bound" ] || fail "$name: peak RSS grew by $grown MiB, over $peak_bound MiB"
  [ "$left" -le "$after_bound" ] || fail "$name: RSS stayed $left MiB above its start, over $after_bound MiB"
}
memory_report=()
# 2,000 requests of 368 KiB of headers each (720 MiB in all) into a 16 MiB buffer.
memory_case headers-heavy headers 2000 64 64 --capacity 100000 --max-bytes 16MiB --max-body 1MiB
# 30 senders of 9 MiB of a 10 MiB body at once: 64 MiB may be read at once, the rest get 503.
memory_case slow-bodies slow 30 128 32

echo
echo "soak: $REQUESTS valid requests requested, ${duration} s"
echo "  hookscope: $counters"
echo "  peak RSS: $((rss_peak / 1024)) MiB (at start $((rss_start / 1024)) MiB), capacity 100,000 events"
echo "  export on SIGTERM: read back, $replayed events of one session replayed into a second listener"
printf '%s\n' "${memory_report[@]}"
[ -n "$wrk_errors" ] && echo "  wrk: $wrk_errors"
soak_idle_h2c
soak_forward_loop
echo "  all checks passed"
