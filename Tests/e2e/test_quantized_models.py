"""Quantized weights end to end: a 7B-shaped model (2 of its 28 layers, real shapes and Q4_K_M type mix, random
weights) loads within its memory bound and answers a chat request over HTTP; a model that does not fit is refused
at load in one line."""
import json
import os
import re
import resource
import subprocess
import urllib.request

import pytest

from conftest import BINARY, MODEL, ROOT, free_port, wait_healthy


@pytest.fixture(scope="module")
def synthetic_model(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("synth") / "synth-7b-2layers.gguf")
    subprocess.run([os.path.join(ROOT, "scripts", "make-synthetic-model"), path, "--layers", "2"], check=True,
                   timeout=600, stdout=subprocess.DEVNULL)
    yield path
    os.remove(path)


def test_7b_shaped_model_loads_within_its_memory_bound_and_answers_a_chat(synthetic_model, tmp_path):
    port = free_port()
    log_path = tmp_path / "hearth.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([BINARY, "serve", "--model", synthetic_model, "--port", str(port),
                                 "--kv-cache-memory", "256MiB", "--log-format", "json"],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, timeout=300)
        with urllib.request.urlopen(base + "/v1/models", timeout=10) as r:
            model_id = json.load(r)["data"][0]["id"]
        body = json.dumps({"model": model_id, "messages": [{"role": "user", "content": "Hello"}],
                           "max_tokens": 6, "temperature": 0}).encode()
        req = urllib.request.Request(base + "/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            reply = json.load(r)
        assert reply["choices"][0]["finish_reason"] in ("stop", "length")
        assert 1 <= reply["usage"]["completion_tokens"] <= 6
        assert reply["usage"]["prompt_tokens"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    ready = [json.loads(l) for l in open(log_path) if '"model ready"' in l]
    assert ready, open(log_path).read()[-2000:]
    file_mb = os.path.getsize(synthetic_model) / 1e6
    # The bound: resident memory after load (the KV cache is mapped lazily, so not in it) at most
    # 1.25 x the file plus 100 MB; the packed weights alone stay within 1.1 x the file.
    assert ready[0]["rss_mb"] <= 1.25 * file_mb + 100, ready[0]
    assert ready[0]["weights_mb"] <= 1.1 * file_mb, ready[0]


def test_a_model_that_does_not_fit_is_refused_at_load_in_one_line():
    # A 1.5 GiB address-space cap: the model file maps, but weights plus a 4 GiB KV cache do not fit.
    def cap():
        limit = 1536 << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    proc = subprocess.run([BINARY, "serve", "--model", MODEL, "--port", str(free_port()), "--kv-cache-memory", "4GiB"],
                          preexec_fn=cap, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert re.search(r"not enough memory: the weights \(\d+ MiB\) and the KV cache \(\d+ MiB\) need \d+ MiB, "
                     r"this machine has \d+ MiB available \(ulimit -v\)", last), proc.stderr[-2000:]
    assert "Illegal instruction" not in proc.stderr and "Fatal error" not in proc.stderr
