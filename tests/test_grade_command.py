"""``lmm-seminar grade`` grades a whole class: one row per hand-in, whatever was handed in."""

from __future__ import annotations

import shutil

import pytest

import corpus
import robust_submissions
from conftest import ASSIGNMENT, REPO, lmm_seminar, read_grade_run
from test_release import SEMINAR_QUESTIONS


def test_the_run_succeeds_and_says_what_it_wrote(graded_class):
    assert graded_class.completed.returncode == 0, graded_class.completed.stderr
    assert "grades.csv" in graded_class.completed.stdout


def test_every_submission_gets_exactly_one_row(graded_class):
    expected = set(robust_submissions.EXPECTED) | {v.name for v in corpus.VARIANTS}
    assert set(graded_class.rows) == expected


def test_grade_table_columns(graded_class):
    columns = list(next(iter(graded_class.rows.values())))
    assert columns == ["submission", "status", "score", "max_score", *SEMINAR_QUESTIONS, "message", "path"]


@pytest.mark.parametrize("submission", sorted(robust_submissions.EXPECTED))
def test_awkward_submission_gets_its_status_and_reason(graded_class, submission):
    status, reason = robust_submissions.EXPECTED[submission]
    row = graded_class.rows[submission]
    assert row["status"] == status
    assert reason in row["message"]
    if status != "graded":
        assert row["score"] == "" and row["max_score"] == "9"
        assert reason


def test_a_cell_that_raises_does_not_stop_the_rest_being_graded(graded_class):
    assert graded_class.rows["cell_raises"]["score"] == "9"


def test_a_cell_that_raises_is_numbered_as_the_notebook_counts_its_cells(graded_class, class_folder):
    import nbformat

    cells = nbformat.read(class_folder / "robust" / "cell_raises.ipynb", as_version=4).cells
    number = next(i for i, c in enumerate(cells, start=1) if "I was experimenting" in c.source)
    (error,) = graded_class.details["cell_raises"]["cell_errors"]
    assert (error["cell"], error["type"]) == (str(number), "ValueError")


def test_untouched_notebook_scores_zero_on_every_question(graded_class):
    row = graded_class.rows["untouched"]
    assert [row[q] for q in SEMINAR_QUESTIONS] == ["0"] * len(SEMINAR_QUESTIONS)


def test_exported_zip_is_graded_like_its_notebook(graded_class):
    assert graded_class.rows["exported"]["score"] == graded_class.rows["correct"]["score"] == "9"


def test_same_student_name_keeps_both_grades(graded_class):
    first, second = graded_class.rows["twin"], graded_class.rows["twin-2"]
    assert first["path"] != second["path"]
    assert sorted([first["score"], second["score"]]) == ["0", "9"]


def test_feedback_page_per_submission(graded_class):
    feedback = graded_class.out / "feedback"
    assert sorted(p.stem for p in feedback.glob("*.md")) == sorted(graded_class.rows)
    page = (feedback / "correlation_left_blank.md").read_text()
    assert "| q2c | not yet | 0 / 0.5 |" in page
    assert "`correlation` is still `...`" in page
    assert "| q1a | passed | 0.5 / 0.5 |" in page


def test_feedback_does_not_show_hidden_test_code(graded_class):
    page = (graded_class.out / "feedback" / "spearman_correlation.md").read_text()
    assert "Spearman" in page
    assert "check_number(" not in page and "sleepstudy_reference" not in page


def test_feedback_for_an_ungradable_notebook_says_why(graded_class):
    page = (graded_class.out / "feedback" / "invalid_json.md").read_text()
    assert "could not be graded (error)" in page and "not valid JSON" in page


def test_summary_counts_statuses_and_names_the_most_failed_questions(graded_class):
    statuses = [row["status"] for row in graded_class.rows.values()]
    summary = graded_class.completed.stdout
    for status in ("graded", "error", "timeout"):
        assert f"| {status} | {statuses.count(status)} |" in summary
    assert "Mean score of graded submissions" in summary and "most often failed" in summary
    isolation, table = (graded_class.out / "summary.md").read_text().split("\n\n", 1)
    assert isolation.startswith("Student code: ") and table.strip() in summary
    assert summary.count("Student code: ") == 1  # printed once, before grading began


def test_no_progress_bar_reaches_a_log(graded_class):
    # the class run's stderr is a pipe, as in CI: the command's own lines only
    assert "100%" not in graded_class.completed.stderr and "submission/s" not in graded_class.completed.stderr


@pytest.mark.parametrize("command", ["grade", "review"])
def test_a_progress_bar_is_drawn_on_a_terminal(release, tmp_path, command):
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    from conftest import COMMAND

    shutil.copy(release.solution_notebook, tmp_path / "ada.ipynb")
    controller, terminal = pty.openpty()
    # a terminal of 80 columns, as a person's is (one of no size gets no bar: tqdm has no room to draw it)
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        completed = subprocess.run([str(COMMAND), command, str(tmp_path / "ada.ipynb"), "--autograder",
                                    str(release.autograder_zip), "--out", str(tmp_path / "out")],
                                   stdout=subprocess.PIPE, stderr=terminal, stdin=subprocess.DEVNULL, timeout=600)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert completed.returncode == 0
    assert b"100%" in drawn and (b"submission" in drawn if command == "grade" else b"hand-in" in drawn)


# ---------------------------------------------------------------- the command itself

def test_missing_autograder_is_a_clear_error(tmp_path):
    notebook = tmp_path / "a.ipynb"
    notebook.write_text("{}")
    completed = lmm_seminar("grade", str(notebook), "--autograder", str(tmp_path / "none.zip"), "--out", str(tmp_path / "out"))
    assert completed.returncode == 2
    assert "no autograder zip" in completed.stderr


def test_missing_submission_path_is_a_clear_error(release, tmp_path):
    completed = lmm_seminar("grade", str(tmp_path / "nothing-here"), "--autograder", str(release.autograder_zip))
    assert completed.returncode == 2
    assert "no such file or folder" in completed.stderr


def test_folder_without_submissions_is_a_clear_error(release, tmp_path):
    completed = lmm_seminar("grade", str(tmp_path), "--autograder", str(release.autograder_zip))
    assert completed.returncode == 2
    assert "no submissions" in completed.stderr


@pytest.mark.parametrize("arguments", [["--jobs", "0"], ["--timeout", "-5"], []], ids=["zero_jobs", "negative_timeout", "no_path"])
def test_bad_arguments_are_refused(tmp_path, arguments):
    paths = [] if not arguments else [str(tmp_path)]
    completed = lmm_seminar("grade", *paths, *arguments)
    assert completed.returncode == 2
    assert "usage:" in completed.stderr


def test_without_autograder_the_release_is_built_and_used(release, tmp_path):
    work = tmp_path / "course"
    shutil.copytree(REPO / "source", work / "source")
    shutil.copy(release.solution_notebook, tmp_path / "alice.ipynb")
    completed = lmm_seminar("grade", str(tmp_path / "alice.ipynb"), "--out", str(tmp_path / "out"), "--no-progress", cwd=work)
    # the course has two assignments: alice's notebook is graded against its own, in its own folder
    run = read_grade_run(completed, tmp_path / "out" / ASSIGNMENT)
    assert completed.returncode == 0, completed.stderr
    assert "building it first" in completed.stderr
    assert (work / "assignments" / ASSIGNMENT / "autograder" / f"{ASSIGNMENT}-autograder.zip").is_file()
    assert run.rows["alice"]["score"] == "9"
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert gradebook[0] == f"student,{ASSIGNMENT},sleepstudy-slopes,total,max_total" and gradebook[1] == "alice,9,,9,18"


def test_machine_readable_result_per_submission(graded_class):
    import json

    result = json.loads((graded_class.out / "results" / "spearman_correlation.json").read_text())
    assert (result["status"], result["score"], result["max_score"]) == ("graded", 8.5, 9.0)
    assert [t["name"] for t in result["tests"]] == SEMINAR_QUESTIONS
    q2c = next(t for t in result["tests"] if t["name"] == "q2c")
    assert (q2c["status"], q2c["score"], q2c["max_score"]) == ("failed", 0.0, 0.5)
    assert "Spearman" in q2c["message"]
