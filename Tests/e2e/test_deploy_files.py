"""The Dockerfile, the Kubernetes manifests and the nginx config pass their linters and schema checks
(hadolint, yamllint, kubernetes-validate, nginx -t, ShellCheck: scripts/validate-deploy), and say what the
server really reads."""
import os
import re
import subprocess

from conftest import ROOT


def test_validate_deploy_passes():
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "validate-deploy")], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    for tool in ("hadolint", "yamllint", "kubernetes-validate 1.29.0", "kubernetes-validate 1.37.0", "nginx -t", "shellcheck"):
        assert f"-- {tool}: ok" in out.stdout, out.stdout


def test_manifests_only_set_variables_the_server_reads():
    help_text = subprocess.run([os.environ.get("HEARTH_BIN", os.path.join(ROOT, ".build", "release", "hearth")),
                                "serve", "--help"], capture_output=True, text=True, timeout=20).stdout
    known = set(re.findall(r"HEARTH_[A-Z_]+", help_text))
    for path, setting in (("Dockerfile", r"\b(HEARTH_[A-Z_]+)="), ("deploy/kubernetes/deployment.yaml", r"name: (HEARTH_[A-Z_]+)")):
        text = open(os.path.join(ROOT, path)).read()
        used = set(re.findall(setting, text))
        assert used, path
        assert used <= known, f"{path} sets variables hearth does not read: {sorted(used - known)}"
