"""`hearth render-template` prints exactly what transformers renders, and fails cleanly on template errors."""
import json
import os
import subprocess

from conftest import BINARY, ROOT

FIXTURES = os.path.join(ROOT, "Tests", "JinjaTests", "Fixtures")


def records(name):
    cases = json.load(open(os.path.join(FIXTURES, "cases.json"), encoding="utf-8"))
    by_name = {c["name"]: c for c in cases["cases"]}
    for r in json.load(open(os.path.join(FIXTURES, "expected", name + ".json"), encoding="utf-8")):
        case = by_name[r["case"]]
        variables = dict(r.get("variables", {}))
        request = {"messages": case["messages"], "add_generation_prompt": r["add_generation_prompt"], "variables": variables}
        if case.get("tools") == "TOOLS":
            request["tools"] = cases["tools"]
        yield r, request


def render(template, request):
    return subprocess.run([BINARY, "render-template", "--chat-template", os.path.join(FIXTURES, template + ".jinja"),
                           "--now", "2024-07-26T12:00:00"],
                          input=json.dumps(request).encode("utf-8"), capture_output=True, timeout=30)


def test_outputs_match_byte_for_byte():
    checked = 0
    for template in ["qwen2.5-coder-0.5b-instruct", "llama-3.1-8b-instruct", "smollm2-135m-instruct"]:
        for r, request in records(template):
            if "output" not in r or "documents" in request["variables"]:
                continue
            out = render(template, request)
            assert out.returncode == 0, out.stderr.decode()
            assert out.stdout.decode("utf-8") == r["output"], (template, r["case"], r["variant"])
            checked += 1
    assert checked > 40


def test_template_error_exits_1_with_message():
    for r, request in records("gemma-2-2b-it"):
        if "error" in r and r["error"]["type"] == "TemplateError":
            out = render("gemma-2-2b-it", request)
            assert out.returncode == 1
            assert out.stdout == b""
            assert r["error"]["message"] in out.stderr.decode()
            return
    raise AssertionError("no TemplateError record in the fixture")
