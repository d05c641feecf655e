#!/usr/bin/env bash
# Kernel-side cost of the sensor: throughput of workloads with and without
# `edgewatch sensor --output /dev/null --metrics-listen off` running, in alternating runs.
#
#   sudo tests/bench/kernel_overhead.sh [BUILD_DIR]        (default: build)
#   env: PAIRS=3 DURATION=5 WORKLOADS="churn http dd" DD_COUNT=2000000 BPF_STATS=0
#        QUIET_WAIT=300 PROBE=sensor SENSOR_ARGS=
#
# PROBE=sensor (default) runs `edgewatch sensor $SENSOR_ARGS` (e.g. SENSOR_ARGS=--no-http);
# PROBE=floor runs tests/bench/syscall_floor instead: no-op programs on sys_enter/sys_exit, the
# cost of enabling syscall tracepoints at all, which any syscall-based HTTP capture pays.
#
# Workloads, client and server in two network namespaces joined by a veth pair (created here,
# removed on exit), client pinned to CPU 0 and server to CPU 1; the sensor is not pinned:
#   churn  conn_churn_load: connect / 1-byte exchange / close loops (2 client threads)
#   http   http_load (32 keep-alive connections, one epoll loop) against nginx (1 worker)
#          serving `return 200 "ok\n"`
#   dd     dd if=/dev/zero of=/dev/null bs=4k (no sockets: the cost of the http probe's
#          read/write hooks on every process), on CPU 0 in the root namespace
# Each pair is one run without and one with the sensor, in alternating order (ABBA) so a
# drifting load on the machine does not favour one side. Prints each run, then per workload
# the median of the with/without throughput ratios and the sensor's CPU use while running.
# BPF programs of another edgewatch sensor (a test suite, say) slow both sides down and make the
# ratio meaningless: each run waits up to QUIET_WAIT seconds for them to go, and says so when
# they did not. BPF_STATS=1 adds one run per workload
# with the sensor and kernel.bpf_stats_enabled=1 and prints each program's runs and ns per run
# (the stats cost a little themselves, so those runs are not part of the ratios).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
PAIRS=${PAIRS:-3}
DURATION=${DURATION:-5}
WORKLOADS=${WORKLOADS:-churn http dd}
DD_COUNT=${DD_COUNT:-2000000}
BPF_STATS=${BPF_STATS:-0}
QUIET_WAIT=${QUIET_WAIT:-300}
PROBE=${PROBE:-sensor}
SENSOR_ARGS=${SENSOR_ARGS:-}
edgewatch=$build/cmd/edgewatch
churn=$build/tests/bench/conn_churn_load
httpload=$build/tests/bench/http_load
floor=$build/tests/bench/syscall_floor
case $PROBE in
  sensor) probe_cmd=("$edgewatch" sensor --output /dev/null --metrics-listen off $SENSOR_ARGS) ;;
  floor) probe_cmd=("$floor") ;;
  *) echo "PROBE must be sensor or floor, not '$PROBE'" >&2; exit 2 ;;
esac
for b in "$edgewatch" "$churn" "$httpload" "$floor"; do
  [[ -x $b ]] || { echo "missing $b: build it (ninja -C $build edgewatch conn_churn_load http_load syscall_floor)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "run as root (network namespaces, BPF)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/ew-kernel-overhead.XXXXXX)
cli=ewb-cli-$$
srv=ewb-srv-$$
cli_ip=10.231.0.1
srv_ip=10.231.0.2
pids=()

cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  ip netns del "$cli" 2>/dev/null
  ip netns del "$srv" 2>/dev/null
  [[ $BPF_STATS == 1 ]] && sysctl -qw kernel.bpf_stats_enabled=0
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$cli"
ip netns add "$srv"
ip link add ewb-c$$ netns "$cli" type veth peer name ewb-s$$ netns "$srv"
ip -n "$cli" addr add $cli_ip/24 dev ewb-c$$
ip -n "$srv" addr add $srv_ip/24 dev ewb-s$$
for ns in "$cli" "$srv"; do
  ip -n "$ns" link set lo up
done
ip -n "$cli" link set ewb-c$$ up
ip -n "$srv" link set ewb-s$$ up
ip netns exec "$cli" sysctl -qw net.ipv4.ip_local_port_range="10000 60999"

# --- servers --------------------------------------------------------------------------------
ip netns exec "$srv" taskset -c 1 "$churn" server --listen $srv_ip:9000 --threads 2 \
  2>"$tmp/churn-server.log" &
pids+=($!)

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
error_log $tmp/nginx/error.log;
pid $tmp/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen $srv_ip:8080;
    location = /ok { default_type text/plain; return 200 "ok\n"; }
  }
}
EOF
ip netns exec "$srv" taskset -c 1 /usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" \
  -e "$tmp/nginx/error.log" &
pids+=($!)
sleep 1

# --- sensor ---------------------------------------------------------------------------------
sensor_pid=
sensor_start() {
  "${probe_cmd[@]}" 2>"$tmp/sensor.log" &
  sensor_pid=$!
  pids+=("$sensor_pid")
  for _ in $(seq 100); do
    grep -q "attached" "$tmp/sensor.log" && { sleep 1; return; }
    kill -0 "$sensor_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "the sensor did not start:" >&2
  cat "$tmp/sensor.log" >&2
  exit 1
}
sensor_stop() {
  kill -INT "$sensor_pid"
  wait "$sensor_pid" || true
  sensor_pid=
}
# utime + stime of the sensor, in clock ticks
sensor_ticks() { awk '{ print $14 + $15 }' "/proc/$sensor_pid/stat"; }

# --- workloads: each prints its throughput (per second) -----------------------------------
run_churn() {
  ip netns exec "$cli" taskset -c 0 "$churn" client --connect $srv_ip:9000 --threads 2 \
    --duration "$DURATION" | awk '/^connections_per_s/ { print $2 }'
}
run_http() {
  ip netns exec "$cli" taskset -c 0 "$httpload" --connect $srv_ip:8080 --path /ok --conns 32 \
    --duration "$DURATION" | awk '/^requests_per_s/ { print $2 }'
}
run_dd() {
  # syscalls per second (one read and one write per block)
  local t0 t1
  t0=$(date +%s.%N)
  taskset -c 0 dd if=/dev/zero of=/dev/null bs=4k count="$DD_COUNT" status=none
  t1=$(date +%s.%N)
  awk -v n="$DD_COUNT" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", 2 * n / (b - a) }'
}

# BPF programs of edgewatch probes loaded now (ours while our sensor runs, else someone else's)
ew_progs() { bpftool prog show 2>/dev/null | grep -c ' name ew_' || true; }

# busy CPU of the whole machine in clock ticks: user, nice, system, irq, softirq (not idle,
# iowait or steal — time the hypervisor gave to other guests is not ours)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

hz=$(getconf CLK_TCK)
one_run() {  # workload with(1)/without(0) → prints rate cpu_us_per_op [sensor CPU %]
  local w=$1 with=$2 rate t0 t1 s0 s1 b0 b1 per_op foreign waited=0
  foreign=$(ew_progs)
  while ((foreign > 0 && waited < QUIET_WAIT)); do
    sleep 5
    waited=$((waited + 5))
    foreign=$(ew_progs)
  done
  ((waited == 0)) || echo "  (waited ${waited}s for another edgewatch sensor's BPF programs to go)" >&2
  ((foreign == 0)) || echo "  warning: $foreign BPF programs of another edgewatch sensor are loaded" >&2
  if [[ $with == 1 ]]; then
    sensor_start
    s0=$(sensor_ticks)
  fi
  b0=$(busy_ticks)
  t0=$(date +%s.%N)
  rate=$("run_$w")
  t1=$(date +%s.%N)
  b1=$(busy_ticks)
  # CPU time of everything (workload, kernel, BPF, sensor) per operation, in µs
  per_op=$(awk -v r="$rate" -v d=$((b1 - b0)) -v hz="$hz" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%.3f", 1e6 * d / hz / (r * (b - a)) }')
  if [[ $with == 1 ]]; then
    s1=$(sensor_ticks)
    sensor_stop
    awk -v r="$rate" -v p="$per_op" -v d=$((s1 - s0)) -v hz="$hz" -v a="$t0" -v b="$t1" \
      'BEGIN { printf "%s %s %.1f\n", r, p, 100 * d / hz / (b - a) }'
  else
    echo "$rate $per_op"
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "kernel_overhead: $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pairs=$PAIRS duration=${DURATION}s workloads=\"$WORKLOADS\""
echo "probe: ${probe_cmd[*]}"
summary=()
for w in $WORKLOADS; do
  ratios=()
  cost_ratios=()
  cpus=()
  for i in $(seq "$PAIRS"); do
    if ((i % 2)); then order="0 1"; else order="1 0"; fi
    for with in $order; do
      read -r rate per_op sensor_cpu <<<"$(one_run "$w" "$with")"
      if [[ $with == 1 ]]; then
        r_with=$rate
        c_with=$per_op
        cpus+=("$sensor_cpu")
        echo "  $w pair $i: with sensor    ${r_with}/s, ${c_with} µs CPU/op (sensor CPU ${sensor_cpu} %)"
      else
        r_without=$rate
        c_without=$per_op
        echo "  $w pair $i: without sensor ${r_without}/s, ${c_without} µs CPU/op"
      fi
    done
    ratios+=("$(awk -v a="$r_with" -v b="$r_without" 'BEGIN { printf "%.4f", a / b }')")
    cost_ratios+=("$(awk -v a="$c_with" -v b="$c_without" 'BEGIN { printf "%.4f", a / b }')")
    echo "  $w pair $i: throughput ratio ${ratios[-1]}, CPU/op ratio ${cost_ratios[-1]}"
  done
  m=$(printf '%s\n' "${ratios[@]}" | median)
  k=$(printf '%s\n' "${cost_ratios[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  summary+=("$(awk -v w="$w" -v m="$m" -v c="$c" -v r="${ratios[*]}" \
    'BEGIN { printf "%-6s throughput with/without median %.3f (loss %.1f %%), ratios %s, sensor CPU median %s %%", w, m, 100 * (1 - m), r, c }')")
  summary+=("$(awk -v w="$w" -v k="$k" -v r="${cost_ratios[*]}" \
    'BEGIN { printf "%-6s CPU per operation with/without median %.3f (+%.1f %%), ratios %s", w, k, 100 * (k - 1), r }')")
done
if [[ $BPF_STATS == 1 ]]; then
  echo "BPF program cost (kernel.bpf_stats_enabled, one run per workload with the sensor):"
  for w in $WORKLOADS; do
    bpftool prog show -j >"$tmp/foreign.json"  # programs that are not our sensor's
    sensor_start
    sysctl -qw kernel.bpf_stats_enabled=1
    bpftool prog show -j >"$tmp/stats0.json"
    rate=$("run_$w")
    bpftool prog show -j >"$tmp/stats1.json"
    sysctl -qw kernel.bpf_stats_enabled=0
    sensor_stop
    echo "  $w: ${rate}/s"
    python3 - "$tmp/stats0.json" "$tmp/stats1.json" "$tmp/foreign.json" <<'PY'
import json, sys
before = {p["id"]: p for p in json.load(open(sys.argv[1]))}
foreign = {p["id"] for p in json.load(open(sys.argv[3]))}
rows = []
for p in json.load(open(sys.argv[2])):
    if not p.get("name", "").startswith("ew_") or p["id"] in foreign:
        continue
    q = before.get(p["id"], {})
    ns = p.get("run_time_ns", 0) - q.get("run_time_ns", 0)
    runs = p.get("run_cnt", 0) - q.get("run_cnt", 0)
    if runs:
        rows.append((ns, runs, p["name"]))
total = sum(r[0] for r in rows)
for ns, runs, name in sorted(rows, reverse=True)[:8]:
    print(f"    {name:24s} {runs:10d} runs {ns / runs:7.0f} ns/run {ns / 1e6:8.1f} ms")
print(f"    all programs of the sensor: {total / 1e6:.1f} ms of CPU")
PY
  done
fi
echo "summary:"
printf '  %s\n' "${summary[@]}"
