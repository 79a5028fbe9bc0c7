"""Starts a real `hearth serve` on the SmolLM2 test model for the end-to-end tests (loopback only)."""
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("HEARTH_BIN", os.path.join(ROOT, ".build", "release", "hearth"))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
API_KEY = "e2e-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base, proc, timeout=120, cafile=None):
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hearth exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2, context=context) as r:
                if r.status == 200 and json.load(r)["status"] == "ok":
                    return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError("hearth did not become healthy")


class Server:
    """`hearth serve` on a free loopback port. wait=False returns once the process is started (several
    replicas then load side by side); call wait_healthy() before sending requests."""

    def __init__(self, extra_args=(), env=None, kv_cache_memory="512MiB", wait=True, scheme="http", cafile=None):
        assert os.path.exists(BINARY), f"build hearth first: {BINARY}"
        assert os.path.exists(MODEL), "run scripts/fetch-models first"
        self.port = free_port()
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.cafile = cafile
        self.log_path = os.path.join(ROOT, ".build", f"e2e-hearth-{self.port}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--model", MODEL, "--port", str(self.port), "--kv-cache-memory", kv_cache_memory,
             *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout=120):
        try:
            wait_healthy(self.base, self.proc, timeout, self.cafile)
        except Exception:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def metric_value(base, name, timeout=5):
    """The sum of the samples named `name` (any labels) on `base`/metrics, or None if there are none."""
    with urllib.request.urlopen(base + "/metrics", timeout=timeout) as r:
        text = r.read().decode()
    values = []
    for line in text.splitlines():
        rest = line[len(name):] if line.startswith(name) else ""
        if rest.startswith("{"):
            rest = rest[rest.index("}") + 1:]
        if rest.startswith(" "):
            values.append(float(rest.split()[0]))  # `name{labels} value [timestamp]`
    return sum(values) if values else None


@pytest.fixture(scope="session")
def server():
    s = Server(extra_args=["--api-key", API_KEY, "--model-id", "smollm2"])
    yield s
    s.stop()


@pytest.fixture(scope="session")
def open_server():
    """A server as `make serve` starts it (default model id, no API keys), on its own port."""
    s = Server()
    yield s
    s.stop()
