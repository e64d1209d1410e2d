"""A grader needs nothing but the built release: grading, review and manual scores from any folder.

The folder here holds what a teaching assistant is given, the release as
``lmm-seminar release`` wrote it, and the class's hand-ins, one folder per
student; no source notebook, no checkout of this project.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from browser import browse, rendered
from conftest import ASSIGNMENT, Release, lmm_seminar
from lmm_seminar.written_parts import WRITTEN_PARTS_FILE, written_parts_from_json
from test_review import with_written

#: A grader's comment with what Markdown and HTML would each read as markup.
COMMENT = "GOOD-WORK: <b>really</b> *clear*, [see] the_slope & 1 < 2"


@dataclass(frozen=True)
class GraderFolder:
    root: Path
    review: Path
    out: Path
    grades: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def grader_folder(release: Release, tmp_path_factory: pytest.TempPathFactory) -> GraderFolder:
    """Review, mark ada's first written part, and grade with the manual scores, all from the folder."""
    root = tmp_path_factory.mktemp("teaching-assistant")
    shutil.copytree(release.assignment, root / "assignments" / ASSIGNMENT)
    solution = nbformat.read(release.solution_notebook, as_version=4)
    for student, nb in (("ada", with_written(solution, {"q1b_written": "The times are skewed to the right."})),
                        ("ben", nbformat.read(release.student_notebook, as_version=4))):
        (root / "submissions" / student).mkdir(parents=True)
        nbformat.write(nb, root / "submissions" / student / f"{ASSIGNMENT}.ipynb")

    reviewed = lmm_seminar("review", "submissions", "--autograder", "assignments", "--out", "review", cwd=root)
    assert reviewed.returncode == 0, reviewed.stderr
    scores = root / "review" / "manual-scores.csv"
    rows = list(csv.DictReader(scores.open(newline="", encoding="utf-8")))
    for row in rows:
        if row["submission"] == "ada":
            row.update({"q1b_written": "0.5", "q1b_written comment": COMMENT})
    with scores.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    # no --autograder: the release in the folder is found where `lmm-seminar release` puts it
    graded = lmm_seminar("grade", "submissions", "--manual-scores", str(scores), "--out", "out", "--no-progress",
                         cwd=root, timeout=600)
    assert graded.returncode == 0, graded.stderr
    grades = {row["submission"]: row for row in csv.DictReader((root / "out" / "grades.csv").open(newline="", encoding="utf-8"))}
    return GraderFolder(root, root / "review", root / "out", grades)


def test_the_folder_holds_only_the_release_and_the_submissions(grader_folder):
    assert sorted(p.name for p in grader_folder.root.iterdir()) == ["assignments", "out", "review", "submissions"]


def test_review_pages_come_from_the_release(grader_folder):
    assert (grader_folder.review / "q1b_written.html").is_file() and (grader_folder.review / "index.html").is_file()
    page = (grader_folder.review / "q1b_written.html").read_text(encoding="utf-8")
    assert "The times are skewed to the right." in page and "Rubric" in page


def test_students_are_named_after_their_folders(grader_folder):
    assert sorted(grader_folder.grades) == ["ada", "ben"]


def test_manual_scores_are_merged_out_of_twelve(grader_folder):
    ada = grader_folder.grades["ada"]
    assert (ada["max_score"], ada["score"], ada["q1b_written"]) == ("12", "9.5", "0.5")


def test_feedback_names_written_parts_as_students_see_them(grader_folder):
    page = (grader_folder.out / "feedback" / "ada.md").read_text(encoding="utf-8")
    assert "| 1b (written) | marked by hand | 0.5 / 0.5 |" in page and "### 1b (written): 0.5 / 0.5" in page
    assert "q1b_written" not in page


def test_the_html_feedback_page_shows_the_comment_as_typed(grader_folder):
    text, tags = rendered(grader_folder.out / "feedback" / "ada.html")
    assert COMMENT in text
    assert "b" not in tags and "a" not in tags  # the comment's markup stayed text
    assert "Score: 9.5 / 12" in text and "1b (written)" in text and "q1b_written" not in text


def test_the_html_feedback_page_is_drawn(grader_folder, tmp_path):
    import matplotlib.image as mpimg
    import numpy as np

    shot = tmp_path / "ada.png"
    browse(grader_folder.out / "feedback" / "ada.html", "--window-size=1000,900", f"--screenshot={shot}")
    pixels = mpimg.imread(shot)[:, :, :3]
    ink = (pixels < 0.5).all(axis=2)
    assert pixels.shape[:2] == (900, 1000) and ink.mean() > 0.003 and np.flatnonzero(ink.any(axis=1)).size > 150


def test_without_a_release_both_commands_say_where_they_looked_and_what_to_pass(tmp_path, release):
    shutil.copy(release.solution_notebook, tmp_path / "alice.ipynb")
    for command in ("grade", "review"):
        completed = lmm_seminar(command, "alice.ipynb", cwd=tmp_path)
        assert completed.returncode == 2
        assert "no release found" in completed.stderr and str(tmp_path) in completed.stderr
        assert "--autograder" in completed.stderr


def test_a_folder_with_several_zips_asks_which(tmp_path, release):
    for name in ("a", "b"):
        shutil.copy(release.autograder_zip, tmp_path / f"{name}-autograder.zip")
    completed = lmm_seminar("review", str(release.solution_notebook), "--autograder", str(tmp_path), cwd=tmp_path)
    assert completed.returncode == 2 and "holds 2 autograder zips" in completed.stderr


def test_the_written_parts_travel_in_the_autograder_zip_never_to_students(release):
    with zipfile.ZipFile(release.autograder_zip) as archive:
        parts = written_parts_from_json(archive.read(WRITTEN_PARTS_FILE).decode())
    assert [p.label for p in parts] == ["1b", "3b", "3c", "4c", "5b", "5c", "6b"]
    assert all(p.model_answer and p.rubric for p in parts)
    student_files = [p.read_text(encoding="utf-8", errors="replace") for p in release.student_dir.rglob("*") if p.is_file()]
    for part in parts:
        for secret in (part.model_answer[:60], part.rubric[:60]):
            assert not any(secret in text for text in student_files), part.name
    assert not list(release.student_dir.rglob(WRITTEN_PARTS_FILE))


def test_an_autograder_zip_without_written_parts_is_refused_with_a_reason(release, tmp_path):
    stripped = tmp_path / "old-autograder.zip"
    with zipfile.ZipFile(release.autograder_zip) as source, zipfile.ZipFile(stripped, "w") as out:
        for info in source.infolist():
            if info.filename != WRITTEN_PARTS_FILE:
                out.writestr(info, source.read(info))
    completed = lmm_seminar("review", str(release.solution_notebook), "--autograder", str(stripped), cwd=tmp_path)
    assert completed.returncode == 2 and "carries no written parts" in completed.stderr
    assert "Traceback" not in completed.stderr
