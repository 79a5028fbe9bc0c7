"""Scale-out: two hearth replicas behind nginx configured by the shipped deploy/nginx/hearth.conf.

a. load is spread over both replicas and every request completes;
b. one replica is killed (SIGKILL) with requests in flight: nothing fails before its first byte (nginx
   moves those requests to the survivor), only streams that had already started on the dead replica
   may be cut, and requests sent after the kill all succeed;
c. SIGTERM on a replica with streams in flight: it stops accepting at once, finishes every stream
   (finish_reason and [DONE]) and exits 0 within the drain timeout.

Everything listens on 127.0.0.1; nginx runs as the current user with its own prefix, config and ports.
Run with -s to see the counts.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, Server, free_port, metric_value

NGINX_CONF = os.path.join(ROOT, "deploy", "nginx", "hearth.conf")
MODEL_ID = "SmolLM2-135M-Instruct.Q4_1"
DRAIN_TIMEOUT = 30
PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about bread.",
    "Name three colors.",
    "Explain what a CPU does in one sentence.",
    "Give me a tip for learning to cook.",
    "What is 12 times 12?",
    "Describe the sea.",
    "Why is the sky blue?",
]


# ---------------------------------------------------------------------------------------------------
# nginx

def find_nginx():
    path = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None)
    assert path, "nginx is not installed: run scripts/install-deps"
    return path


def render_hearth_conf(upstream_ports, listen_port):
    """deploy/nginx/hearth.conf with its replica list and listen address pointed at this machine; the
    rest of the file (balancing, timeouts, retries, SSE settings) is used exactly as shipped."""
    text = open(NGINX_CONF, encoding="utf-8").read()
    block = re.search(r"([ \t]*# BEGIN hearth-replicas\n)(.*?)([ \t]*# END hearth-replicas)", text, re.S)
    assert block, "deploy/nginx/hearth.conf lost its '# BEGIN/END hearth-replicas' markers"
    shipped = re.search(r"^([ \t]*)server\s+\S+(.*)$", block.group(2), re.M)
    assert shipped, "no `server` line between the hearth-replicas markers"
    indent, params = shipped.group(1), shipped.group(2)  # e.g. " max_fails=3 fail_timeout=10s;"
    servers = "".join(f"{indent}server 127.0.0.1:{p}{params}\n" for p in upstream_ports)
    text = text[:block.start(2)] + servers + text[block.end(2):]
    text, n = re.subn(r"^([ \t]*)listen\s+[^;]+;", rf"\g<1>listen 127.0.0.1:{listen_port};", text, flags=re.M)
    assert n == 1, f"expected one `listen` line in deploy/nginx/hearth.conf, found {n}"
    return text


class Nginx:
    def __init__(self, directory, upstream_ports):
        self.dir = str(directory)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = os.path.join(self.dir, "access.log")
        self.error_log = os.path.join(self.dir, "error.log")
        with open(os.path.join(self.dir, "hearth.conf"), "w") as f:
            f.write(render_hearth_conf(upstream_ports, self.port))
        d = self.dir
        # As root, nginx would switch its workers to `nobody`, who cannot write into this private temp
        # dir; as any other user the `user` directive does not apply.
        user = "user root;\n" if os.geteuid() == 0 else ""
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(f"""{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log notice;
events {{ worker_connections 512; }}
http {{
    log_format upstreams '$status "$upstream_addr" "$upstream_status" $request_time $request_uri';
    access_log {d}/access.log upstreams;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/hearth.conf;
}}
""")
        self.proc = subprocess.Popen([find_nginx(), "-p", d, "-c", os.path.join(d, "nginx.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "stderr.log"), "w"))
        deadline = time.time() + 15
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {self.errors()}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"nginx did not proxy /health: {self.errors()}")
            time.sleep(0.1)

    def errors(self):
        out = []
        for name in ("stderr.log", "error.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                out.append(open(path).read()[-3000:])
        return "\n".join(out)

    def upstream_log(self):
        """(status, [upstream addresses tried]) for every request nginx has logged so far."""
        entries = []
        if os.path.exists(self.access_log):
            for line in open(self.access_log):
                m = re.match(r'(\d+) "([^"]*)"', line)
                if m:
                    entries.append((int(m.group(1)), [a.strip() for a in m.group(2).split(",")]))
        return entries

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # fast shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------------------------------------
# One request, and what the client saw of it

COMPLETED, CUT_AFTER_START, FAILED_BEFORE_RESPONSE = "completed", "cut after the response started", \
    "failed before any response byte"


def chat(base, index, stream, max_tokens, timeout=60, on_first_token=None, prompt=None):
    """Sends one chat completion with http.client and classifies the outcome:
    COMPLETED (200, a finish_reason, and [DONE] for streams), CUT_AFTER_START (a 200 status line arrived,
    then the response broke off), or FAILED_BEFORE_RESPONSE (no status line, or an error status)."""
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps({"model": MODEL_ID, "messages": [{"role": "user", "content": prompt or PROMPTS[index % len(PROMPTS)]}],
                       "max_tokens": max_tokens, "temperature": 0, "stream": stream})
    result = {"index": index, "stream": stream, "start": time.time(), "outcome": None, "detail": "",
              "tokens": 0, "finish_reason": None}
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        try:
            conn.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
        except Exception as e:
            result.update(outcome=FAILED_BEFORE_RESPONSE, detail=repr(e))
            return result
        if resp.status != 200:
            result.update(outcome=FAILED_BEFORE_RESPONSE, detail=f"HTTP {resp.status}: {resp.read()[:300]!r}")
            return result
        try:
            if not stream:
                reply = json.loads(resp.read())
                result["finish_reason"] = reply["choices"][0]["finish_reason"]
                result["tokens"] = reply["usage"]["completion_tokens"]
                done = result["finish_reason"] is not None
            else:
                done = False
                while True:
                    line = resp.readline()
                    if not line:
                        break
                    line = line.strip()
                    if not line.startswith(b"data: "):
                        continue
                    data = line[6:]
                    if data == b"[DONE]":
                        done = True
                        break
                    choice = json.loads(data)["choices"][0]
                    if choice.get("delta", {}).get("content"):
                        result["tokens"] += 1
                        if result["tokens"] == 1 and on_first_token:
                            on_first_token()
                    if choice.get("finish_reason"):
                        result["finish_reason"] = choice["finish_reason"]
                done = done and result["finish_reason"] is not None
        except Exception as e:
            result.update(outcome=CUT_AFTER_START, detail=repr(e))
            return result
        result["outcome"] = COMPLETED if done else CUT_AFTER_START
        if not done:
            result["detail"] = f"ended without finish_reason/[DONE] after {result['tokens']} tokens"
        return result
    finally:
        result["end"] = time.time()
        conn.close()


def run_batch(base, count, workers=8, first_index=0, during=None):
    """`count` requests, alternately streaming and not, max_tokens 16/24/32, `workers` at a time.
    `during(done_counter)` runs beside them (the fault injection)."""
    done = [0]
    lock = threading.Lock()

    def one(i):
        r = chat(base, i, stream=(i % 2 == 0), max_tokens=(16, 24, 32)[i % 3])
        with lock:
            done[0] += 1
        return r

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, first_index + i) for i in range(count)]
        extra = during(done) if during else None
        results = [f.result() for f in futures]
    return results, extra


def tally(results):
    counts = {COMPLETED: 0, CUT_AFTER_START: 0, FAILED_BEFORE_RESPONSE: 0}
    for r in results:
        counts[r["outcome"]] += 1
    return counts


def failures(results, outcome):
    return [f"#{r['index']} ({'stream' if r['stream'] else 'plain'}): {r['detail']}"
            for r in results if r["outcome"] == outcome]


# ---------------------------------------------------------------------------------------------------
# Fixture: two replicas and nginx, for the whole module

@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # One compute thread each: two replicas share this machine's cores.
    replicas = [Server(extra_args=["--threads", "1", "--drain-timeout", str(DRAIN_TIMEOUT)],
                       kv_cache_memory="256MiB", wait=False) for _ in range(2)]
    nginx = None
    try:
        for r in replicas:
            r.wait_healthy()
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), [r.port for r in replicas])
        yield {"replicas": replicas, "nginx": nginx}
    finally:
        if nginx:
            nginx.stop()
        for r in replicas:
            r.stop()


def live(replicas):
    return [r for r in replicas if r.proc.poll() is None]


def generated_tokens(replica):
    return metric_value(replica.base, "hearth:generation_tokens_total") or 0.0


# ---------------------------------------------------------------------------------------------------
# a. both replicas serve, everything completes

def test_load_is_spread_over_both_replicas(cluster):
    replicas, nginx = cluster["replicas"], cluster["nginx"]
    assert len(live(replicas)) == 2
    before = [generated_tokens(r) for r in replicas]
    logged_before = len(nginx.upstream_log())
    t0 = time.time()
    results, _ = run_batch(nginx.base, 40)
    elapsed = time.time() - t0
    served = [generated_tokens(r) - b for r, b in zip(replicas, before)]
    by_upstream = {}
    for status, addrs in nginx.upstream_log()[logged_before:]:
        by_upstream[addrs[-1]] = by_upstream.get(addrs[-1], 0) + 1
    counts = tally(results)
    summary = (f"40 requests through nginx in {elapsed:.1f} s: {counts}; generated tokens per replica "
               f"{[int(s) for s in served]}; requests per upstream (nginx log) {by_upstream}")
    print("\n[scale-out a] " + summary)
    assert counts[COMPLETED] == 40, summary + "\n" + "\n".join(
        failures(results, CUT_AFTER_START) + failures(results, FAILED_BEFORE_RESPONSE))
    assert all(s > 0 for s in served), "a replica served nothing: " + summary
    assert all(r["tokens"] > 0 for r in results), summary


# ---------------------------------------------------------------------------------------------------
# b. SIGKILL one replica under load

def test_killing_a_replica_fails_nothing_that_had_not_started(cluster):
    replicas, nginx = cluster["replicas"], cluster["nginx"]
    assert len(live(replicas)) == 2, "needs both replicas"
    victim, survivor = replicas[1], replicas[0]
    victim_addr = f"127.0.0.1:{victim.port}"
    logged_before = len(nginx.upstream_log())

    def kill_when_busy(done):
        # Kill once a few requests have finished and the victim has several generations running, so
        # both kinds of in-flight request (streams already answering, requests not answered yet) die.
        deadline = time.time() + 20
        running = 0.0
        while time.time() < deadline:
            try:
                running = metric_value(victim.base, "hearth:num_requests_running", timeout=1) or 0.0
            except Exception:
                running = 0.0
            if done[0] >= 4 and running >= 2:
                break
            time.sleep(0.02)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        return {"time": time.time(), "running": running, "done": done[0]}

    results, kill = run_batch(nginx.base, 40, first_index=100, during=kill_when_busy)
    after, _ = run_batch(nginx.base, 8, first_index=200)

    counts = tally(results)
    sent_after_kill = [r for r in results if r["start"] > kill["time"]] + after
    after_counts = tally(sent_after_kill)
    log = nginx.upstream_log()[logged_before:]
    retried = sum(1 for _, addrs in log if len(addrs) > 1)
    answered_by_victim = sum(1 for _, addrs in log if addrs[-1] == victim_addr)
    summary = (f"killed replica :{victim.port} with {int(kill['running'])} generations running, after "
               f"{kill['done']} of 40 requests had finished. Of the 40: {counts[COMPLETED]} completed, "
               f"{counts[CUT_AFTER_START]} cut after the response started (streams the dead replica had begun), "
               f"{counts[FAILED_BEFORE_RESPONSE]} failed before any response byte. "
               f"Sent after the kill ({len(sent_after_kill)}, incl. 8 more afterwards): {after_counts}. "
               f"nginx log: {retried} requests moved to the other replica after an error on the first, "
               f"{answered_by_victim} answered (in full, or cut) by the killed replica")
    print("\n[scale-out b] " + summary)
    for line in failures(results, CUT_AFTER_START):
        print("    cut: " + line)
    assert counts[FAILED_BEFORE_RESPONSE] == 0, summary + "\n" + "\n".join(failures(results, FAILED_BEFORE_RESPONSE))
    # Only streams can be cut: a plain request's answer is one piece written at the end.
    assert all(r["stream"] for r in results if r["outcome"] == CUT_AFTER_START), summary
    assert after_counts[COMPLETED] == len(sent_after_kill), summary + "\n" + "\n".join(
        failures(sent_after_kill, CUT_AFTER_START) + failures(sent_after_kill, FAILED_BEFORE_RESPONSE))
    assert survivor.proc.poll() is None


# ---------------------------------------------------------------------------------------------------
# c. SIGTERM drains in-flight streams, then exits 0

def test_sigterm_drains_streams_then_exits_zero(cluster):
    replica = live(cluster["replicas"])[0]
    prompts = ["Tell me a long story about a dragon.", "Write a long essay about the ocean.",
               "Tell me a long story about a lighthouse keeper."]  # long answers: still running at SIGTERM
    first_tokens = [threading.Event() for _ in prompts]
    results = [None] * len(prompts)

    def stream(i):
        results[i] = chat(replica.base, 300 + i, stream=True, max_tokens=200, timeout=90,
                          on_first_token=first_tokens[i].set, prompt=prompts[i])
        first_tokens[i].set()  # (also when it failed early: the asserts below report it)

    threads = [threading.Thread(target=stream, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for e in first_tokens:
        e.wait(timeout=60)
    t_term = time.time()
    replica.proc.send_signal(signal.SIGTERM)

    # New connections are refused (or the process is already gone) shortly after.
    refused_after, active_when_refused = None, None
    while time.time() - t_term < 5:
        try:
            socket.create_connection(("127.0.0.1", replica.port), timeout=1).close()
        except ConnectionRefusedError:
            refused_after = time.time() - t_term
            active_when_refused = sum(1 for t in threads if t.is_alive())
            break
        time.sleep(0.05)

    for t in threads:
        t.join(timeout=DRAIN_TIMEOUT + 15)
    try:
        code = replica.proc.wait(timeout=max(1.0, DRAIN_TIMEOUT + 5 - (time.time() - t_term)))
    except subprocess.TimeoutExpired:
        code = None
    exited_after = time.time() - t_term
    summary = (f"SIGTERM with {len(prompts)} streams in flight: new connections refused after "
               f"{refused_after if refused_after is None else round(refused_after, 2)} s with "
               f"{active_when_refused} streams still running; streams "
               f"{[(r['outcome'], r['tokens'], r['finish_reason']) if r else None for r in results]}; "
               f"exit code {code} after {exited_after:.1f} s (drain timeout {DRAIN_TIMEOUT} s)")
    print("\n[scale-out c] " + summary)
    assert refused_after is not None, summary
    assert active_when_refused and active_when_refused >= 1, "the streams ended before the drain began: " + summary
    assert all(r and r["outcome"] == COMPLETED and r["finish_reason"] for r in results), summary
    assert code == 0, summary
    assert exited_after <= DRAIN_TIMEOUT + 2, summary
