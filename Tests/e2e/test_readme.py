"""Runs the README's examples against a real server: every curl example, the Python SDK quickstart and the
curl load test, and checks what comes back."""
import json
import os
import re
import subprocess
import sys

from conftest import ROOT


def readme_blocks(lang):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return re.findall(r"```(?:%s)\n(.*?)```" % lang, text, flags=re.S)


def readme_curl_blocks():
    return [b for b in readme_blocks("sh|bash") if b.lstrip().startswith("curl ")]


def load_test_block():
    blocks = [b for b in readme_blocks("sh|bash") if "xargs -P 16" in b]
    assert len(blocks) == 1, blocks
    return blocks[0]


def test_readme_has_examples():
    assert len(readme_curl_blocks()) >= 3
    assert len(readme_blocks("python")) >= 1


def test_readme_curl_examples_work(open_server):
    for block in readme_curl_blocks():
        script = block.replace("http://127.0.0.1:8080", open_server.base)
        out = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"{block}\nstderr: {out.stderr}\nstdout: {out.stdout}"
        body = out.stdout.strip()
        if body.startswith("data: "):
            events = [line[6:] for line in body.splitlines() if line.startswith("data: ")]
            assert events[-1] == "[DONE]"
            for e in events[:-1]:
                assert "choices" in json.loads(e)
        else:
            obj = json.loads(body)
            assert "error" not in obj, body


def test_readme_python_quickstart_works(open_server):
    for block in readme_blocks("python"):
        script = block.replace("http://127.0.0.1:8080", open_server.base)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"{block}\nstderr: {out.stderr}"
        assert out.stdout.strip(), "the example prints the reply"


def test_readme_curl_load_test_works(open_server, tmp_path):
    script = load_test_block().replace("http://127.0.0.1:8080", open_server.base)
    out = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], capture_output=True, text=True,
                         timeout=300, cwd=str(tmp_path))
    assert out.returncode == 0, f"stderr: {out.stderr}\nstdout: {out.stdout}"
    rows = [line.split() for line in (tmp_path / "results.txt").read_text().splitlines()]
    assert len(rows) == 32
    for status, first_byte, total in rows:
        assert status == "200"
        assert 0 < float(first_byte) <= float(total)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "32 of 32 requests answered 200", out.stdout
    assert re.fullmatch(r"time to first byte: p50 [\d.]+ s, p90 [\d.]+ s", lines[1]), lines[1]
    assert re.fullmatch(r"total time: p50 [\d.]+ s, p90 [\d.]+ s, max [\d.]+ s", lines[2]), lines[2]
