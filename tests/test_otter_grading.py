"""The built autograder grades with plain ``otter run``: full marks for the solution, zero for blanks,
and a student who fills the notebook in sees every check pass and can export."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import notebooks
from conftest import ASSIGNMENT
from test_release import SEMINAR_QUESTIONS


def otter_run(autograder: Path, submission: Path, out: Path, questions: list[str] = SEMINAR_QUESTIONS) -> dict[str, dict]:
    """Grade one submission with ``otter run``; the per-question entries of its results.json."""
    out.mkdir(parents=True)
    completed = subprocess.run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder),
                                "-o", str(out), str(submission)], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: t for t in tests if t["name"] in questions}


@pytest.fixture(scope="module")
def student_run(release, tmp_path_factory):
    """A student's session: the filled-in notebook run top to bottom in the student folder, then exported."""
    folder = tmp_path_factory.mktemp("student") / "work"
    shutil.copytree(release.student_dir, folder)
    path = folder / f"{ASSIGNMENT}.ipynb"
    filled = notebooks.filled_in(notebooks.read(path), notebooks.read(release.solution_notebook))
    nbformat.write(filled, path)
    client = NotebookClient(filled, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute()
    nbformat.write(filled, path)
    return filled, folder


@pytest.fixture(scope="module")
def otter_results(release, student_run, tmp_path_factory):
    """otter run on the solution, the untouched student notebook and the student's exported zip, in parallel."""
    _, folder = student_run
    exports = sorted(folder.glob(f"{ASSIGNMENT}_*.zip"))
    assert len(exports) == 1, "the export cell should write one zip"
    out = tmp_path_factory.mktemp("otter-run")
    jobs = {"solution": release.solution_notebook, "untouched": release.student_notebook, "exported": exports[0]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(otter_run, release.autograder_zip, path, out / name) for name, path in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def test_solution_scores_full_marks(otter_results):
    results = otter_results["solution"]
    assert sorted(results) == sorted(SEMINAR_QUESTIONS)
    assert {q: r["score"] for q, r in results.items()} == {q: r["max_score"] for q, r in results.items()}
    assert sum(r["max_score"] for r in results.values()) == 9


def test_untouched_student_notebook_scores_zero_everywhere(otter_results):
    results = otter_results["untouched"]
    assert sorted(results) == sorted(SEMINAR_QUESTIONS)
    assert {q: r["score"] for q, r in results.items()} == {q: 0 for q in SEMINAR_QUESTIONS}


def test_blanks_get_a_message_that_says_to_fill_them_in(otter_results):
    output = otter_results["untouched"]["q2c"]["output"]
    assert "`correlation` is still `...`: replace the blank with your answer" in output


def test_filled_in_notebook_passes_every_check(student_run):
    filled, _ = student_run
    checks = notebooks.answer_cells(filled)
    for question in checks:
        index = next(i for i, c in enumerate(filled.cells) if c.source.strip() == f'grader.check("{question}")')
        text = notebooks.outputs_text(filled, index)
        assert "passed" in text and "failed" not in text.lower(), f"{question}: {text}"


def test_filled_in_notebook_runs_without_errors(student_run):
    filled, _ = student_run
    errors = [c.source[:60] for c in filled.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_exported_submission_scores_full_marks(otter_results):
    results = otter_results["exported"]
    assert {q: r["score"] for q, r in results.items()} == {q: r["max_score"] for q, r in results.items()}


@pytest.fixture(scope="module")
def slopes_otter_results(release, tmp_path_factory):
    """Plain ``otter run`` of the second seminar's autograder on its solution and its untouched notebook."""
    from conftest import SLOPES

    files = release.of(SLOPES)
    out = tmp_path_factory.mktemp("otter-run-slopes")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(otter_run, files.autograder_zip, path, out / name, SLOPES_QUESTIONS)
                   for name, path in (("solution", files.solution_notebook), ("untouched", files.student_notebook))}
        return {name: future.result() for name, future in futures.items()}


SLOPES_QUESTIONS = ["q1a", "q1b", "q2a", "q3a", "q4a", "q5a", "q5b", "q6a", "q7a"]


def test_second_seminar_solution_scores_full_marks_and_its_blank_nothing(slopes_otter_results):
    solution, untouched = slopes_otter_results["solution"], slopes_otter_results["untouched"]
    assert sorted(solution) == sorted(SLOPES_QUESTIONS)
    assert all(t["score"] == t["max_score"] == 1 for t in solution.values())
    assert all(t["score"] == 0 for t in untouched.values())


def test_the_export_cell_shows_no_note_from_the_checking_kernel(student_run):
    filled, _ = student_run
    index = next(i for i, c in enumerate(filled.cells) if c.cell_type == "code" and "grader.export(" in c.source)
    text = notebooks.outputs_text(filled, index)
    assert "All test cases passed" in text  # the export ran its checks
    assert "running over TCP" not in text and "IPKernelApp" not in text
