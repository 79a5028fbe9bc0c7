"""Documents sampled at random under the grammar engine's token masks (grammar-bench --sample: every corpus schema
and three longer ones, 200 walks each) validate against their schemas with python-jsonschema, an independent
implementation, formats included."""
import json
import os
import subprocess

from jsonschema import Draft7Validator, Draft202012Validator

from conftest import ROOT

BENCH = os.environ.get("GRAMMAR_BENCH_BIN", os.path.join(ROOT, ".build", "release", "grammar-bench"))


def test_sampled_documents_validate_against_their_schemas(tmp_path):
    out = tmp_path / "samples.jsonl"
    run = subprocess.run([BENCH, "--sample", str(out)], capture_output=True, timeout=600)
    assert run.returncode == 0, run.stderr.decode()
    checked = 0
    failures = []
    # Documents may hold U+2028 and friends raw, which splitlines() would split on.
    for line in out.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        record = json.loads(line)
        schema = record["schema"]
        # The pre-2020 tuple form of "items" needs a draft 7 validator.
        cls = Draft7Validator if isinstance(schema, dict) and isinstance(schema.get("items"), list) else Draft202012Validator
        document = json.loads(record["document"])
        errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(document))
        if errors:
            failures.append((record["name"], record["document"], errors[0].message))
        checked += 1
    assert not failures, failures[:5]
    assert checked > 5000
