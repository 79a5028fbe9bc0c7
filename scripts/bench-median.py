"""Reads loadgen JSON summary lines on stdin; prints the median run's figures on one line."""
import json
import sys

rows = sorted((json.loads(l) for l in sys.stdin if l.strip()), key=lambda r: r["output_tok_per_s"])
m = rows[len(rows) // 2]
runs = ", ".join("%.1f" % r["output_tok_per_s"] for r in rows)
print("concurrency %2d: %7.1f tok/s (runs: %s)  TTFT p50/p99 %s/%s ms  ITL p50/p99 %s/%s ms  ok %d/%d  mean out %s  finish %s" % (
    m["concurrency"], m["output_tok_per_s"], runs, m["ttft_ms_p50"], m["ttft_ms_p99"], m["itl_ms_p50"], m["itl_ms_p99"],
    m["ok"], m["requests"], m["mean_output_tokens"], json.dumps(m["finish_reasons"])))
