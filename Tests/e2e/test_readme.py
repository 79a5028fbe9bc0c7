"""Runs every curl example in the README against a real server and checks what comes back."""
import json
import os
import re
import subprocess

from conftest import ROOT


def readme_curl_blocks():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", text, flags=re.S)
    return [b for b in blocks if b.lstrip().startswith("curl ")]


def test_readme_has_curl_examples():
    assert len(readme_curl_blocks()) >= 3


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
