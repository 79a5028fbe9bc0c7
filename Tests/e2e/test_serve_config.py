"""`hearth serve` configuration as a user meets it: the YAML file, HEARTH_* variables and flags in that order of
precedence, one-line errors with exit status 2, --help documenting every key, and load progress when stderr is
not a terminal."""
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import BINARY, MODEL, ROOT, free_port, wait_healthy

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}


def serve(args, env=None, cwd=ROOT, timeout=20):
    """Runs `hearth serve` expecting it to fail at start; returns (exit code, stderr)."""
    out = subprocess.run([BINARY, "serve", *args], capture_output=True, text=True, timeout=timeout,
                         env={**CLEAN_ENV, **(env or {})}, cwd=cwd)
    return out.returncode, out.stderr


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("yaml_text, key", [
    ("server:\n  prot: 8080\n", "server.prot"),
    ("model:\n  path: %(model)s\n  aliasses: [a]\n", "model.aliasses"),
    ("surver:\n  port: 1\n", "surver"),
    ("server:\n  port: eighty\n", "server.port"),
    ("engine:\n  max_sequences: [1, 2]\n", "engine.max_sequences"),
    ("engine:\n  kv_cache_memory: lots\n", "engine.kv_cache_memory"),
    ("limits:\n  header_timeout: soon\n", "limits.header_timeout"),
    ("log:\n  format: xml\n", "log.format"),
    ("log:\n  content: maybe\n", "log.content"),
    ("model:\n  path: /nonexistent/model.gguf\n", "model.path"),
    ("server: [1, 2]\n", "server"),
])
def test_invalid_config_file_is_one_line_naming_the_key_and_exit_2(tmp_path, yaml_text, key):
    cfg = write(tmp_path, "hearth.yaml", yaml_text % {"model": MODEL})
    args = ["--config", cfg] + ([] if "path:" in yaml_text else ["--model", MODEL])
    code, err = serve(args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert key in lines[0], err
    assert cfg in lines[0] or "hearth.yaml" in lines[0], err


@pytest.mark.parametrize("args, env, needle", [
    (["--port", "abc"], {}, "--port"),
    (["--port", "70000"], {}, "server.port"),
    (["--threads", "0"], {}, "engine.threads"),
    ([], {"HEARTH_PORT": "x"}, "HEARTH_PORT"),
    ([], {"HEARTH_LOG_CONTENT": "sometimes"}, "HEARTH_LOG_CONTENT"),
    (["--tls-cert", MODEL], {}, "tls"),
])
def test_invalid_flag_or_environment_names_its_source(args, env, needle):
    code, err = serve(["--model", MODEL, *args], env)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err, err


def test_missing_model_and_missing_config_file(tmp_path):
    code, err = serve([], cwd=str(tmp_path))  # no config/hearth.yaml here, no --model
    assert code == 2 and "model.path" in err and "--model" in err, err
    code, err = serve(["--model", str(tmp_path / "absent.gguf")])
    assert code == 2 and "model.path" in err and "absent.gguf" in err, err
    code, err = serve(["--config", str(tmp_path / "absent.yaml"), "--model", MODEL])
    assert code == 2 and "absent.yaml" in err, err


def test_help_documents_every_key():
    out = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0
    shipped = open(os.path.join(ROOT, "config", "hearth.yaml")).read()
    section = None
    keys = []
    for line in shipped.splitlines():
        m = re.match(r"^#?\s?([a-z_]+):\s*(#.*)?$", line)
        if m and not line.startswith((" ", "# ")):
            section = m.group(1)
            continue
        m = re.match(r"^#?\s{2,}#?\s*([a-z_]+):", line)
        if m and section:
            keys.append(f"{section}.{m.group(1)}")
    assert len(keys) >= 25, keys
    for key in keys:
        assert key in out.stdout, f"{key} not in --help"


def test_precedence_flag_over_env_over_file_over_default(tmp_path):
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    cfg = write(tmp_path, "hearth.yaml", f"""
server:
  port: {file_port}
model:
  path: {MODEL}
  id: file-id
  aliases: [file-alias]
engine:
  kv_cache_memory: 256MiB
log:
  format: json
""")
    log_path = tmp_path / "serve.log"
    env = {**CLEAN_ENV, "HEARTH_CONFIG": cfg, "HEARTH_PORT": str(env_port), "HEARTH_MODEL_ID": "env-id"}

    def start(extra):
        log = open(log_path, "w")
        proc = subprocess.Popen([BINARY, "serve", *extra], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path))
        return proc, log

    # Flag beats env for the port; env beats the file for the id; the file beats the default for aliases and format.
    proc, log = start(["--port", str(flag_port)])
    try:
        wait_healthy(f"http://127.0.0.1:{flag_port}", proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{flag_port}/v1/models", timeout=10) as r:
            ids = [m["id"] for m in json.load(r)["data"]]
        assert ids == ["env-id", "file-alias"], ids
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        log.close()
    lines = [json.loads(l) for l in log_path.read_text().splitlines() if l.startswith("{")]
    assert any(l["message"] == "listening" and str(flag_port) in l["url"] for l in lines), lines

    # Without the flag, the environment's port wins over the file's.
    proc, log = start([])
    try:
        wait_healthy(f"http://127.0.0.1:{env_port}", proc)
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        log.close()


def test_load_progress_lines_when_not_a_tty(tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([BINARY, "serve", "--model", MODEL, "--port", str(port), "--kv-cache-memory", "256MiB"],
                                stdout=log, stderr=subprocess.STDOUT, env=CLEAN_ENV, cwd=str(tmp_path))
        try:
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log_path.read_text()
    assert "\r" not in text and "\x1b" not in text, "no terminal redraws in a file"
    progress = [l for l in text.splitlines() if "loading weights" in l]
    assert progress, text
    assert re.search(r"percent=100 tensors=(\d+)/\1 bytes=[\d.]+MB/[\d.]+MB rate=[\d.]+MB/s eta=", progress[-1]), progress[-1]
    ready = [l for l in text.splitlines() if "model ready" in l]
    assert ready and re.search(r"load_s=[\d.]+ .*rss_mb=\d+", ready[0]), text


def test_signal_while_loading_stops_at_once(tmp_path):
    # The larger test model takes seconds to load, a window in which SIGTERM must not wait for it.
    qwen = os.path.join(ROOT, "models", "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf")
    port = free_port()
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen([BINARY, "serve", "--model", qwen, "--port", str(port), "--kv-cache-memory", "256MiB"],
                                stdout=log, stderr=subprocess.STDOUT, env=CLEAN_ENV, cwd=str(tmp_path))
        deadline = time.time() + 20
        loading = False
        while time.time() < deadline and not loading:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break  # already loaded: the window was missed
            except urllib.error.HTTPError as e:
                loading = e.code == 503
            except OSError:
                time.sleep(0.01)
        assert loading, "saw /health answer 503 while loading"
        sent = time.time()
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        assert time.time() - sent < 1.5
    text = (tmp_path / "serve.log").read_text()
    assert "stopping at once" in text and "model ready" not in text, text
