#!/usr/bin/env python3
"""Time from a refused connect() to its alert on `edgewatch run`'s stdout.

Usage (root): tests/bench/alert_latency.py [BUILD_DIR] [N]
Each connect goes to a different closed port on 127.0.0.1, so each makes a new edge and a new
alert; connects are spread over the window phase. Prints p50 / p90 / max in milliseconds.
EW_ARGS: extra flags of `edgewatch run`, default "--symptom-alerts" (the detection path alone;
root-cause alerts add --group-wait, e.g. EW_ARGS="--group-wait 3s").
"""
import json, os, random, select, socket, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
rules = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
rules.write("""business_system: bench
rules:
  - name: Refused
    signal: refused
    comparison: ">"
    threshold: 0
    severity: critical
    match: {side: client}
""")
rules.close()
extra = os.environ.get("EW_ARGS", "--symptom-alerts").split()
proc = subprocess.Popen([os.path.join(build, "cmd/edgewatch"), "run", "--rules", rules.name,
                         "--metrics-listen", "off", "--api-listen", "off"] + extra,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
line = proc.stderr.readline().decode()
assert "attached" in line, line
time.sleep(1.0)
lat = []
buf = b""
for i in range(n):
    port = 20000 + i
    time.sleep(random.uniform(0, 1))  # spread connects over the window phase
    s = socket.socket()
    t0 = time.monotonic()
    try:
        s.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        pass
    s.close()
    deadline = t0 + 30
    got = None
    while got is None and time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.05)
        if r:
            buf += os.read(proc.stdout.fileno(), 65536)
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                a = json.loads(raw)
                if a["edge"]["server"]["port"] == port and a["status"] == "firing":
                    got = time.monotonic()
    if got is None:
        print(f"port {port}: no alert within 10 s", file=sys.stderr)
        continue
    lat.append((got - t0) * 1000)
proc.terminate()
proc.wait(timeout=10)
os.unlink(rules.name)
lat.sort()
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"alerts {len(lat)}/{n}  p50 {pick(0.5):.0f} ms  p90 {pick(0.9):.0f} ms  max {lat[-1]:.0f} ms")
