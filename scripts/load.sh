#!/usr/bin/env bash
# Load test: hookscope --headless against the fastest bare hyper server (HTTP/1 only), same
# load, same run, A B A B, for two traffic mixes: clean in-order WMS sessions, and a hostile mix
# (undocumented event names, sessions first seen far above 0, redeliveries, wrong MACs,
# malformed JSON, binary bodies; see scripts/make_bodies.py).
#
#   scripts/load.sh                 # both mixes, 2 rounds of 15 s each per server
#   DURATION=5s ROUNDS=1 scripts/load.sh
#   MIXES=clean scripts/load.sh     # one mix
#   UI=1 scripts/load.sh            # also hookscope with its interface open (in tmux, 120x40)
#   AUTO=1 scripts/load.sh          # also bare hyper through hyper-util's auto builder
#
# Prints requests/s, p50/p99 latency, CPU time per request, peak RSS growth and (for hookscope)
# that growth divided by the events buffered at the end, for each server, the
# ratios to bare hyper, and checks afterwards that hookscope's counters equal the requests
# answered and that its JSON Lines log holds every one of them.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-64}
SECRET=load-test-secret
BARE_PORT=${BARE_PORT:-18766}
HS_PORT=${HS_PORT:-18765}
UI=${UI:-0}
AUTO=${AUTO:-0}
MIXES=${MIXES:-clean hostile}
UI_SESSION=hookscope-load-$$
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "$UI" = 1 ]; then tmux kill-session -t "$UI_SESSION" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

install() { # package
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$1" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "$1" >/dev/null; fi
}
if [ "$UI" = 1 ] && ! command -v tmux >/dev/null; then
  echo "installing tmux…" >&2
  install tmux
fi
if ! command -v wrk >/dev/null; then
  echo "installing wrk…" >&2
  install wrk
fi
pin_server=() pin_load=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0) pin_load=(taskset -c 1)
fi

echo "building release binaries…" >&2
cargo build --release --quiet --bin hookscope --example bare_hyper
for mix in $MIXES; do
  python3 scripts/make_bodies.py "$SECRET" 1000 "$mix" > "$work/bodies-$mix.txt"
done

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; return 1
}

# cpu_ticks PID: utime + stime in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
to_ms() { # wrk latency like 1.23ms, 456.00us, 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

results="$work/results.tsv"
: > "$results"
hz=$(getconf CLK_TCK)

run_one() { # name round mix
  local name=$1 round=$2 mix=$3 port pid
  if [ "$name" = bare ] || [ "$name" = bare_auto ]; then
    port=$BARE_PORT
    local builder=http1
    [ "$name" = bare_auto ] && builder=auto
    "${pin_server[@]}" target/release/examples/bare_hyper "$port" "$builder" 2>/dev/null &
  elif [ "$name" = ui ]; then
    # The interface needs a terminal: a detached tmux window of 120x40 is one.
    port=$HS_PORT
    rm -f "$work/events.jsonl" "$work/ui.pid"
    tmux new-session -d -s "$UI_SESSION" -x 120 -y 40 \
      "echo \$\$ > '$work/ui.pid'; HOOKSCOPE_SECRET_WMS=$SECRET exec ${pin_server[*]} \
       target/release/hookscope --port $port --capacity 100000 --max-bytes 1GiB \
       --jsonl '$work/events.jsonl' 2>'$work/hookscope.err'"
    for _ in $(seq 1 100); do [ -s "$work/ui.pid" ] && break; sleep 0.05; done
  else
    port=$HS_PORT
    rm -f "$work/events.jsonl"
    HOOKSCOPE_SECRET_WMS=$SECRET "${pin_server[@]}" target/release/hookscope --headless \
      --port "$port" --capacity 100000 --max-bytes 1GiB --jsonl "$work/events.jsonl" \
      >/dev/null 2>"$work/hookscope.err" &
  fi
  if [ "$name" = ui ]; then pid=$(cat "$work/ui.pid"); else pid=$!; fi
  pids+=("$pid")
  wait_port "$port"
  local rss_start ticks_start
  rss_start=$(peak_rss_kb "$pid")
  ticks_start=$(cpu_ticks "$pid")
  "${pin_load[@]}" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/wms.lua \
    "http://127.0.0.1:$port" -- "$work/bodies-$mix.txt" > "$work/wrk.txt"
  local ticks_end rss_peak requests rps p50 p99 errors
  ticks_end=$(cpu_ticks "$pid")
  rss_peak=$(peak_rss_kb "$pid")
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.txt" | tr '\n' ' ')
  local cpu_us
  cpu_us=$(awk -v t=$((ticks_end - ticks_start)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  if [ "$name" = ui ]; then
    tmux send-keys -t "$UI_SESSION" q
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    tmux kill-session -t "$UI_SESSION" 2>/dev/null || true
  else
    kill -TERM "$pid"
    wait "$pid" || true
  fi
  local stored=0
  if [ "$name" = hookscope ] || [ "$name" = ui ]; then
    local counters received rejected lines
    counters=$(grep -o 'received [0-9]*, stored [0-9]*, evicted [0-9]*, rejected [0-9]*' "$work/hookscope.err")
    received=$(echo "$counters" | awk '{print $2+0}')
    stored=$(echo "$counters" | awk '{print $4+0}')
    rejected=$(echo "$counters" | awk '{print $8+0}')
    lines=$(wc -l < "$work/events.jsonl")
    # wrk counts the answers it read; requests cut off when it stops were still answered, or,
    # when wrk reset the connection before they were read, rejected (and not logged).
    if [ "$received" -lt "$requests" ] || [ "$lines" -ne $((received - rejected)) ]; then
      echo "LOSS: wrk saw $requests answers, hookscope $counters, log $lines lines" >&2
      exit 1
    fi
    echo "round $round ($mix): $name $counters; log $lines lines; wrk $requests answers ✓" >&2
    # The log is about a gigabyte: deleted now, its pages still waiting to be written are
    # dropped, so that writing them back does not slow the next server down.
    rm -f "$work/events.jsonl"
    sync
  fi
  [ -n "$errors" ] && echo "round $round ($mix) $name: $errors" >&2
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mix" "$name" "$round" "$rps" "$p50" "$p99" \
    "$cpu_us" "$(( (rss_peak - rss_start) ))" "$stored" >> "$results"
}

for mix in $MIXES; do
  for round in $(seq 1 "$ROUNDS"); do
    run_one bare "$round" "$mix"
    run_one hookscope "$round" "$mix"
    if [ "$UI" = 1 ]; then run_one ui "$round" "$mix"; fi
    if [ "$AUTO" = 1 ]; then run_one bare_auto "$round" "$mix"; fi
  done
done

python3 - "$results" "$DURATION" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().split("\n") if line]
by = {}
for mix, name, rnd, rps, p50, p99, cpu, rss, stored in rows:
    by.setdefault((mix, name), []).append(
        (float(rps), float(p50), float(p99), float(cpu), int(rss), int(stored)))
def med(key, i):
    return statistics.median(r[i] for r in by[key])
labels = {"bare": "bare hyper, HTTP/1 only", "bare_auto": "bare hyper, auto builder",
          "hookscope": "hookscope --headless --jsonl",
          "ui": "hookscope, interface open, --jsonl"}
for mix in dict.fromkeys(m for m, _ in by):
    rounds = len(by[(mix, "bare")])
    print(f"\n{mix} mix: wrk -t2 -c64 -d{sys.argv[2]}, 600-byte WMS bodies, {rounds} rounds, medians\n")
    print("| server | requests/s | × bare | p50 ms | p99 ms | × bare p99 | CPU µs/request "
          "| RSS growth | RSS per stored event |")
    print("|---|---|---|---|---|---|---|---|---|")
    bare = (mix, "bare")
    for name in ("bare", "hookscope", "ui", "bare_auto"):
        key = (mix, name)
        if key not in by:
            continue
        rps, p50, p99, cpu = (med(key, i) for i in range(4))
        rss = max(r[4] for r in by[key])
        # Peak RSS growth (kB) over the events buffered at the end, the worst round.
        per_event = [r[4] * 1024 / r[5] for r in by[key] if r[5] > 0]
        per_event = f"{max(per_event):,.0f} B" if per_event else "–"
        print(f"| {labels[name]} | {rps:,.0f} | {rps / med(bare, 0):.2f} | {p50:.2f} | {p99:.2f} | "
              f"{p99 / med(bare, 2):.2f} | {cpu:.1f} | {rss / 1024:.1f} MiB | {per_event} |")
EOF
