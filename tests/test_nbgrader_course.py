"""The nbgrader course the release writes works with nbgrader's own commands and agrees with lmm-seminar grade.

The course is copied to a throwaway folder (its own gradebook database), released
with ``nbgrader generate_assignment``, and a class of hand-ins is autograded with
``nbgrader autograde``: the solution, the untouched release, every correct corpus
variant and a sample of wrong ones. The class is split over two copies of the
course graded side by side, one per core. Points per question are read from
nbgrader's gradebook and compared with ``lmm-seminar grade``'s for the same answers.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from conftest import SLOPES, Release
from corpus import CORRECT, WRONG
from corpus_slopes import CORRECT_SLOPES, Q, WRONG_SLOPES
from test_corpus import FULL_MARKS, verdict

#: Grades a whole corpus: minutes. `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


ASSIGNMENT = "sleepstudy-lmm"
BIN = Path(sys.executable).parent
#: Wrong variants graded by nbgrader too: one or more per autograded question, carry-overs included.
WRONG_SAMPLE = ["shape_as_columns_rows", "histogram_of_days", "drop_invalid_only_drops_missing", "scatter_axes_swapped",
                "spearman_correlation", "ols_coefficients_swapped", "subjects_off_by_one", "polyfit_unpacked_backwards",
                "maximum_likelihood_fit", "drop_invalid_forgets_to_return"]
# nbgrader tests each part in place, so where a part is judged (deleted checks, final cells) is no question there
SAMPLE = [v for v in CORRECT if not v.final_cells and not v.without_checks] + [v for v in WRONG if v.name in WRONG_SAMPLE]


def nbgrader(*args: str, cwd: Path, wait: bool = True):
    # nbgrader runs `alembic` and the kernel by name: this interpreter's folder goes first on PATH
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(BIN / "nbgrader"), *args]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)


def filled_in(release_nb: nbformat.NotebookNode, source_nb: nbformat.NotebookNode, answers: dict[str, str],
              extra_cells: dict[str, str], edits: dict[str, tuple[tuple[str, str], ...]] | None = None) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled: the solution (with the variant's edits), or the
    variant's own answer."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: re.search(r"### BEGIN SOLUTION\n(.*)\n### END SOLUTION", c.source, re.S).group(1)
                 for c in source_nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(release_nb)
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        question = grade_id.removesuffix("_answer")
        if grade_id in solutions:
            cell.source = answers.get(question, solutions[grade_id])
            for old, new in (edits or {}).get(question, ()):
                assert old in cell.source, (question, old)
                cell.source = cell.source.replace(old, new)
        cells.append(cell)
        if grade_id in solutions and question in extra_cells:
            cells.append(nbformat.v4.new_code_cell(extra_cells[question]))
    nb.cells = cells
    return nb


@dataclass(frozen=True)
class Course:
    copies: list[Path]
    assignment: str = ASSIGNMENT

    def points(self, student: str) -> dict[str, float]:
        """Autograded points per question from the gradebook of the copy that graded ``student``."""
        from nbgrader.api import Gradebook

        for copy in self.copies:
            if (copy / "autograded" / student).is_dir():
                with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
                    notebook = gb.find_submission_notebook(self.assignment, self.assignment, student)
                    points: dict[str, float] = {}
                    for grade in notebook.grades:
                        if grade.cell.name.startswith("test_"):
                            question = grade.cell.name.split("_")[1]
                            points[question] = points.get(question, 0.0) + float(grade.score)
                    return points
        raise AssertionError(f"{student} was not autograded")


def autograded_course(release: Release, tmp_path_factory: pytest.TempPathFactory, assignment: str, sample) -> Course:
    """Two copies of the release's course: ``assignment`` generated, and the solution, the untouched release
    and each variant of ``sample`` handed in (split between the copies) and autograded by nbgrader."""
    copies = []
    for number in (1, 2):
        copy = tmp_path_factory.mktemp(f"{assignment}-course{number}") / "course"
        shutil.copytree(release.root / "nbgrader", copy)
        copies.append(copy)
    started = [nbgrader("generate_assignment", assignment, cwd=copy, wait=False) for copy in copies]
    for process in started:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output
    release_nb = nbformat.read(copies[0] / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    source_nb = nbformat.read(copies[0] / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    hand_ins = [("solution", filled_in(release_nb, source_nb, {}, {})), ("untouched", release_nb)]
    hand_ins += [(v.name, filled_in(release_nb, source_nb, v.answers, v.extra_cells, v.edits)) for v in sample]
    for index, (student, nb) in enumerate(hand_ins):
        folder = copies[index % 2] / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    started = [nbgrader("autograde", assignment, cwd=copy, wait=False) for copy in copies]
    for process in started:
        output, _ = process.communicate(timeout=1500)
        assert process.returncode == 0, output[-3000:]
    return Course(copies, assignment)


@pytest.fixture(scope="session")
def course(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Course:
    return autograded_course(release, tmp_path_factory, ASSIGNMENT, SAMPLE)


#: The second seminar's variants nbgrader grades too: correct routes and one mistake per part.
SLOPES_SAMPLE = [v for v in CORRECT_SLOPES if v.name in ("array_api_fits", "mixture_p_value", "fitted_values_by_hand")] + [
    v for v in WRONG_SLOPES if v.name in ("polyfit_intercepts_for_slopes", "rmse_of_predict", "random_intercept_where_slope_only",
                                          "covariance_for_correlation", "random_effects_without_the_fixed_effects",
                                          "no_ols_line", "reml_likelihoods_compared", "adaptation_days_not_recounted")]


@pytest.fixture(scope="session")
def slopes_course(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Course:
    return autograded_course(release, tmp_path_factory, SLOPES, SLOPES_SAMPLE)


def test_the_course_holds_config_source_and_grading_modules(release):
    course = release.root / "nbgrader"
    assert (course / "nbgrader_config.py").is_file()
    assert sorted(p.name for p in (course / "source" / ASSIGNMENT).rglob("*") if p.is_file()) == [f"{ASSIGNMENT}.ipynb", "sleepstudy.csv"]
    assert {p.relative_to(course / "grading").as_posix() for p in (course / "grading").rglob("*.py")} >= {
        f"{ASSIGNMENT}/sleepstudy_reference.py", "answer_checks.py", f"{SLOPES}/slopes_reference.py"}


def test_source_notebook_has_autograded_and_written_points_as_otter_does(release):
    nb = nbformat.read(release.root / "nbgrader" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cells = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    tests = [c for c in cells if c["grade"] and not c["solution"]]
    written = [c for c in cells if c["grade"] and c["solution"]]
    assert sum(c["points"] for c in tests) == pytest.approx(9) and sum(c["points"] for c in written) == pytest.approx(3)
    assert len({c["grade_id"] for c in cells}) == len(cells)
    # every test worth points is hidden; the visible ones are the students' own checks
    assert all("### BEGIN HIDDEN TESTS" in c.source for c in nb.cells if c.cell_type == "code"
               and c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("points"))


def test_release_keeps_hidden_tests_solutions_and_the_reference_out(course):
    released = course.copies[0] / "release" / ASSIGNMENT
    assert sorted(p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()) == [
        "data/sleepstudy.csv", f"{ASSIGNMENT}.ipynb"]
    text = (released / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    for secret in ["BEGIN HIDDEN TESTS", "sleepstudy_reference", "answer_checks", 'pd.read_csv("data/sleepstudy.csv")',
                   "Rubric"]:
        assert secret not in text


def test_solution_gets_every_autograded_point(course):
    assert course.points("solution") == pytest.approx(FULL_MARKS)


def test_untouched_release_gets_no_autograded_point(course):
    assert course.points("untouched") == {q: 0.0 for q in FULL_MARKS}


@pytest.mark.parametrize("variant", SAMPLE, ids=lambda v: v.name)
def test_nbgrader_gives_the_points_lmm_seminar_grade_gives(course, graded_class, variant):
    # every part is judged where it is answered, as nbgrader tests each part right after it
    expected = verdict(graded_class, variant.name)
    assert course.points(variant.name) == pytest.approx(expected)


def test_second_seminar_solution_gets_every_point_and_the_release_none(slopes_course):
    assert slopes_course.points("solution") == pytest.approx(Q)
    assert slopes_course.points("untouched") == {q: 0.0 for q in Q}


@pytest.mark.parametrize("variant", SLOPES_SAMPLE, ids=lambda v: v.name)
def test_nbgrader_gives_the_second_seminars_points_lmm_seminar_grade_gives(slopes_course, graded_slopes, variant):
    from test_corpus_slopes import verdict as slopes_verdict

    assert slopes_course.points(variant.name) == pytest.approx(slopes_verdict(graded_slopes, variant.name))


def test_feedback_quotes_no_hidden_test_code(course):
    # feedback is made from the autograded notebook: its errors show the message, never the test's code
    path = course.copies[1] / "autograded" / "untouched" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    tracebacks = _tracebacks(path.read_text(encoding="utf-8"))
    assert any("is not defined: run the cell that sets it" in tb for tb in tracebacks)
    for secret in ["answer_checks", "sleepstudy_reference", "def test_q", "_sys.path"]:
        assert not any(secret in tb for tb in tracebacks), secret


def _tracebacks(notebook_text: str) -> list[str]:
    import json

    nb = json.loads(notebook_text)
    return ["".join(out.get("traceback", [])) for cell in nb["cells"] for out in cell.get("outputs", [])
            if out.get("output_type") == "error"]


def test_feedback_and_export_come_from_nbgrader(course, tmp_path):
    rows = {}
    for number, copy in enumerate(course.copies):
        completed = nbgrader("generate_feedback", ASSIGNMENT, "--student", "solution" if number == 0 else "untouched", cwd=copy)
        assert completed.returncode == 0, completed.stderr
        out = tmp_path / f"grades-{number}.csv"
        completed = nbgrader("export", "--to", str(out), cwd=copy)
        assert completed.returncode == 0, completed.stderr
        rows.update({row["student_id"]: row for row in csv.DictReader(out.open(newline=""))})
    page = (course.copies[0] / "feedback" / "solution" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "Score: 9.0 / 12.0" in page
    for student, copy in (("solution", course.copies[0]), ("untouched", course.copies[1])):
        page = (copy / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
        for secret in ("BEGIN HIDDEN TESTS", "sleepstudy_reference", "answer_checks", "check_random"):
            assert secret not in page, (student, secret)
    assert (rows["solution"]["score"], rows["solution"]["max_score"]) == ("9.0", "12.0")
    assert (rows["untouched"]["score"], rows["untouched"]["max_score"]) == ("0.0", "12.0")
    assert len(rows) == 2 + len(SAMPLE)


def test_a_test_hidden_the_otter_way_stays_hidden_in_nbgrader():
    # Otter also hides a test cell whose first line is a "# HIDDEN" comment; the course must hide it too
    from lmm_seminar.nbgrader_course import convert

    source = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 1"),
        nbformat.v4.new_raw_cell("# BEGIN TESTS"),
        nbformat.v4.new_code_cell("# HIDDEN\ndef test_q1_secret(x):\n    assert x == 42"),
        nbformat.v4.new_raw_cell("# END TESTS"),
        nbformat.v4.new_raw_cell("# END QUESTION"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                 "language_info": {"name": "python"}})
    (cell,) = convert(source).cells
    assert cell.source.index("### BEGIN HIDDEN TESTS") < cell.source.index("def test_q1_secret")
