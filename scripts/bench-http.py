"""HTTP-layer overhead and single-client streaming speed of a running `hearth serve` (loopback only).

Usage: python3 scripts/bench-http.py PORT SERVER_LOG
  1. 40 tiny chat requests (max_tokens 1): client wall time minus the engine time the server logged per request.
  2. One streamed completion of 128 tokens (ignore_eos): decode tok/s between the first and last token.
"""
import http.client
import json
import re
import statistics
import sys
import time

port, log_path = int(sys.argv[1]), sys.argv[2]
PROMPT = "Write a long story about a lighthouse keeper who finds a message in a bottle."


def post(path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    return c, c.getresponse()


for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/health")
        if c.getresponse().status == 200:
            break
    except OSError:
        pass
    time.sleep(0.2)

walls = []
for i in range(40):
    t0 = time.perf_counter()
    c, r = post("/v1/chat/completions", {"model": "bench", "messages": [{"role": "user", "content": f"Hi {i}"}], "max_tokens": 1})
    r.read()
    walls.append((time.perf_counter() - t0) * 1000)
    c.close()
time.sleep(0.5)
lines = [l for l in open(log_path, encoding="utf-8") if "route=/v1/chat/completions" in l][-40:]
engine = [float(re.search(r"engine_ms=([\d.]+)", l).group(1)) for l in lines]
overhead = [w - e for w, e in zip(walls, engine)]
print(f"tiny request (max_tokens 1), 40 runs: client p50 {statistics.median(walls):.2f} ms, engine p50 "
      f"{statistics.median(engine):.2f} ms, HTTP+API overhead p50 {statistics.median(overhead):.2f} ms "
      f"(p90 {sorted(overhead)[int(0.9 * len(overhead))]:.2f} ms)")

c, r = post("/v1/completions", {"model": "bench", "prompt": PROMPT, "max_tokens": 128, "temperature": 0,
                                "ignore_eos": True, "stream": True})
times = []
buf = b""
while True:
    chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
    if not chunk:
        break
    buf += chunk
    while b"\n\n" in buf:
        event, buf = buf.split(b"\n\n", 1)
        if event.startswith(b"data: ") and event != b"data: [DONE]":
            obj = json.loads(event[6:])
            if obj.get("choices") and obj["choices"][0].get("text"):
                times.append(time.perf_counter())
print(f"single-client streaming, 128 tokens: {len(times)} text events, decode {(len(times) - 1) / (times[-1] - times[0]):.1f} tok/s")
