"""A course of two seminars: one folder of hand-ins, each graded against its own assignment's tests."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import ASSIGNMENT, SLOPES, lmm_seminar, read_grade_run


@pytest.fixture(scope="module")
def hand_ins(release, tmp_path_factory) -> Path:
    """alice handed in both seminars' solutions, bob the first seminar untouched and the second's solution
    under another name, and carol a notebook of some other course."""
    folder = tmp_path_factory.mktemp("course-hand-ins")
    for student in ("alice", "bob", "carol"):
        (folder / student).mkdir()
    shutil.copy(release.solution_notebook, folder / "alice" / f"{ASSIGNMENT}.ipynb")
    shutil.copy(release.of(SLOPES).solution_notebook, folder / "alice" / f"{SLOPES}.ipynb")
    shutil.copy(release.student_notebook, folder / "bob" / f"{ASSIGNMENT}.ipynb")
    shutil.copy(release.of(SLOPES).solution_notebook, folder / "bob" / "my-final-version.ipynb")
    other = nbformat.read(release.student_notebook, as_version=4)
    other.metadata["otter"]["assignment_name"] = "another-course-week-3"
    nbformat.write(other, folder / "carol" / "week3.ipynb")
    return folder


@pytest.fixture(scope="module")
def course_run(release, hand_ins, tmp_path_factory):
    out = tmp_path_factory.mktemp("course-out")
    completed = lmm_seminar("grade", str(hand_ins), "--autograder", str(release.root), "--out", str(out), "--no-progress",
                            "--jobs", "2")
    return completed, out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_each_hand_in_is_graded_against_its_own_assignment(course_run):
    completed, out = course_run
    assert completed.returncode == 0, completed.stderr
    first = {r["submission"]: r for r in _csv(out / ASSIGNMENT / "grades.csv")}
    second = {r["submission"]: r for r in _csv(out / SLOPES / "grades.csv")}
    assert {k: v["score"] for k, v in first.items()} == {"alice": "9", "bob": "0"}
    assert {k: v["score"] for k, v in second.items()} == {"alice": "9", "my-final-version": "9"}


def test_the_gradebook_has_a_row_per_student_and_a_column_per_assignment(course_run):
    rows = _csv(course_run[1] / "gradebook.csv")
    assert list(rows[0]) == ["student", ASSIGNMENT, SLOPES, "total", "max_total"]
    assert {r["student"]: (r[ASSIGNMENT], r[SLOPES], r["total"]) for r in rows} == {
        "alice": ("9", "9", "18"), "bob": ("0", "", "0"), "my-final-version": ("", "9", "9")}


def test_a_notebook_of_no_assignment_of_the_release_is_a_row_with_the_reason(course_run):
    (row,) = _csv(course_run[1] / "unmatched.csv")
    assert row["submission"] == "week3" and "another-course-week-3" in row["reason"] and "not in this release" in row["reason"]


def test_one_assignment_of_the_release_grades_the_others_as_rows_of_another_assignment(release, hand_ins, tmp_path):
    completed = lmm_seminar("grade", str(hand_ins), "--autograder", str(release.root), "--assignment", SLOPES,
                            "--out", str(tmp_path), "--no-progress")
    run = read_grade_run(completed, tmp_path)
    assert completed.returncode == 0, completed.stderr
    graded = {k: v for k, v in run.rows.items() if v["status"] == "graded"}
    refused = {k: v for k, v in run.rows.items() if v["status"] == "error"}
    assert {k: v["score"] for k, v in graded.items()} == {"alice": "9", "my-final-version": "9"}
    assert sorted(refused) == ["alice-2", "bob", "week3"]  # alice's first seminar: an id of its own
    assert all("this notebook is for assignment" in v["message"] for v in refused.values())


def test_review_of_a_course_writes_each_assignments_pages_and_an_index(release, hand_ins, tmp_path):
    completed = lmm_seminar("review", str(hand_ins), "--autograder", str(release.root), "--out", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / ASSIGNMENT / "manual-scores.csv").is_file() and (tmp_path / SLOPES / "q6b_written.html").is_file()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'href="{SLOPES}/index.html"' in index and "week3" in index and "another-course-week-3" in index
