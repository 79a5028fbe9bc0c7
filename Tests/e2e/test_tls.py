"""HTTPS with a self-signed certificate made here: curl --cacert and the openai SDK talk to `hearth serve
--tls-cert/--tls-key`; old TLS versions and bad certificates are refused."""
import json
import os
import ssl
import subprocess

import pytest
from openai import DefaultHttpxClient, OpenAI

from conftest import BINARY, MODEL, Server

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}


def make_cert(directory, name="server"):
    key, cert = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tls"))
    cert, key = make_cert(d)
    s = Server(extra_args=["--tls-cert", cert, "--tls-key", key, "--model-id", "smollm2"], scheme="https", cafile=cert)
    s.cert = cert
    yield s
    s.stop()


def curl(*args):
    return subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, timeout=60)


def test_curl_with_cacert(tls_server):
    out = curl("--cacert", tls_server.cert, "--fail-with-body", tls_server.base + "/v1/chat/completions",
               "-H", "Content-Type: application/json",
               "-d", json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["choices"][0]["message"]["content"]

    stream = curl("--cacert", tls_server.cert, "-N", "--fail-with-body", tls_server.base + "/v1/chat/completions",
                  "-H", "Content-Type: application/json",
                  "-d", json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8, "stream": True}))
    assert stream.returncode == 0, stream.stderr
    assert stream.stdout.strip().endswith("data: [DONE]")


def test_curl_without_the_ca_is_refused_and_old_tls_too(tls_server):
    assert curl(tls_server.base + "/health").returncode == 60  # certificate problem: self-signed
    old = curl("--cacert", tls_server.cert, "--tlsv1.1", "--tls-max", "1.1", tls_server.base + "/health")
    assert old.returncode != 0, old.stdout
    plain = curl("http://127.0.0.1:%d/health" % tls_server.port)
    assert '"ok"' not in plain.stdout
    ok = curl("--cacert", tls_server.cert, "--tlsv1.2", "--tls-max", "1.2", tls_server.base + "/health")
    assert ok.returncode == 0 and '"ok"' in ok.stdout, ok.stderr


def test_openai_sdk_over_https(tls_server):
    client = OpenAI(base_url=tls_server.base + "/v1", api_key="unused",
                    http_client=DefaultHttpxClient(verify=ssl.create_default_context(cafile=tls_server.cert)))
    reply = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Hello!"}], max_tokens=8)
    assert reply.choices[0].message.content
    chunks = list(client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Hello!"}],
                                                  max_tokens=8, stream=True))
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_bad_certificate_is_a_clear_error_at_start(tmp_path):
    cert, key = make_cert(str(tmp_path))
    _, other_key = make_cert(str(tmp_path), "other")
    garbage = tmp_path / "garbage.crt"
    garbage.write_text("not a certificate\n")
    cases = [
        (["--tls-cert", str(garbage), "--tls-key", key], "garbage.crt"),
        (["--tls-cert", cert, "--tls-key", other_key], "other.key"),
        (["--tls-cert", str(tmp_path / "missing.crt"), "--tls-key", key], "missing.crt"),
    ]
    for args, needle in cases:
        out = subprocess.run([BINARY, "serve", "--model", MODEL, "--port", "0", *args], capture_output=True, text=True,
                             timeout=20, env=CLEAN_ENV)
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert needle in out.stderr, out.stderr
