"""/metrics read by the real Prometheus text parser (prometheus_client): vLLM's names under `hearth:`, counters
that move under load, histograms, gauges back at 0 when idle, and the auth rule."""
import json
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from conftest import API_KEY, Server


def scrape(base, headers=None):
    req = urllib.request.Request(base + "/metrics", headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {}
    for f in families.values():
        for s in f.samples:
            key = s.name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items())) + "}" if s.labels else "")
            samples[key] = s.value
    return families, samples


def chat(base, stream=False, max_tokens=8):
    body = {"model": "smollm2", "messages": [{"role": "user", "content": "Name a fruit."}],
            "max_tokens": max_tokens, "temperature": 0, "ignore_eos": True, "stream": stream}
    req = urllib.request.Request(base + "/v1/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.status == 200
        r.read()


def wait_idle(base, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        _, s = scrape(base)
        if s["hearth:num_requests_running"] == 0 and s["hearth:num_requests_waiting"] == 0:
            return s
        time.sleep(0.1)
    raise AssertionError("server did not become idle")


def test_metrics_parse_and_move_under_load(server):
    families, _ = scrape(server.base)
    expected = {
        "hearth:num_requests_running": "gauge", "hearth:num_requests_waiting": "gauge",
        "hearth:kv_cache_usage_perc": "gauge",
        # The parser names counter families without the _total suffix.
        "hearth:prompt_tokens": "counter", "hearth:generation_tokens": "counter",
        "hearth:request_success": "counter", "hearth:num_preemptions": "counter",
        "hearth:prefix_cache_queries": "counter", "hearth:prefix_cache_hits": "counter",
        "hearth:time_to_first_token_seconds": "histogram", "hearth:inter_token_latency_seconds": "histogram",
        "hearth:e2e_request_latency_seconds": "histogram", "hearth:request_queue_time_seconds": "histogram",
        "hearth:http_requests": "counter",
    }
    for name, kind in expected.items():
        assert name in families, f"{name} missing from {sorted(families)}"
        assert families[name].type == kind, (name, families[name].type)

    before = wait_idle(server.base)
    n, max_tokens = 6, 8
    threads = [threading.Thread(target=chat, args=(server.base, i % 2 == 0, max_tokens)) for i in range(n)]
    for t in threads:
        t.start()
    # While the requests run, the running/waiting gauges see them at least once.
    seen_busy = False
    while any(t.is_alive() for t in threads):
        _, s = scrape(server.base)
        seen_busy |= s["hearth:num_requests_running"] + s["hearth:num_requests_waiting"] > 0
        time.sleep(0.02)
    for t in threads:
        t.join()
    after = wait_idle(server.base)

    def delta(key):
        return after.get(key, 0) - before.get(key, 0)

    assert seen_busy
    assert delta("hearth:generation_tokens_total") == n * max_tokens
    assert delta("hearth:prompt_tokens_total") >= n * 5
    assert delta('hearth:request_success_total{finish_reason="length"}') == n
    assert delta("hearth:time_to_first_token_seconds_count") == n
    assert delta("hearth:e2e_request_latency_seconds_count") == n
    assert delta("hearth:request_queue_time_seconds_count") == n
    assert delta("hearth:inter_token_latency_seconds_count") == n * (max_tokens - 1)
    assert delta("hearth:e2e_request_latency_seconds_sum") > 0
    assert after['hearth:time_to_first_token_seconds_bucket{le="+Inf"}'] == after["hearth:time_to_first_token_seconds_count"]
    assert delta('hearth:http_requests_total{status="200"}') >= n
    assert after["hearth:num_requests_running"] == 0
    assert after["hearth:num_requests_waiting"] == 0
    assert after["hearth:kv_cache_usage_perc"] == 0


def test_metrics_count_http_errors(server):
    _, before = scrape(server.base)
    req = urllib.request.Request(server.base + "/v1/chat/completions", data=b"{}", headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("expected 401")
    except urllib.error.HTTPError as e:
        assert e.code == 401
    _, after = scrape(server.base)
    assert after.get('hearth:http_requests_total{status="401"}', 0) - before.get('hearth:http_requests_total{status="401"}', 0) == 1


def test_metrics_exempt_from_auth_by_default_and_configurable(server):
    scrape(server.base)  # no key, like /health
    locked = Server(extra_args=["--api-key", API_KEY, "--metrics-require-auth"])
    try:
        try:
            urllib.request.urlopen(locked.base + "/metrics", timeout=10)
            raise AssertionError("expected 401")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        scrape(locked.base, {"Authorization": f"Bearer {API_KEY}"})
        with urllib.request.urlopen(locked.base + "/health", timeout=10) as r:
            assert r.status == 200
    finally:
        locked.stop()
