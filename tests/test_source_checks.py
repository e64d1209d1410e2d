"""A broken source notebook stops the release with a message naming the question and the cell."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from conftest import ASSIGNMENT, REPO, lmm_seminar

SOURCE = REPO / "source" / ASSIGNMENT


def cell_index(nb, predicate: Callable[[str], bool], cell_type: str | None = None) -> int:
    return next(i for i, c in enumerate(nb.cells) if predicate(c.source) and (cell_type is None or c.cell_type == cell_type))


def answer_of(nb, question: str) -> int:
    """Index of the code cell of a question's solution block."""
    begin = cell_index(nb, lambda s: s.startswith("# BEGIN QUESTION") and f"name: {question}\n" in s + "\n")
    return next(i for i in range(begin, len(nb.cells)) if nb.cells[i].cell_type == "code")


def unwrap_solution(nb):
    """Remove the BEGIN/END SOLUTION cells around q2c's answer: its code would reach the student as it is."""
    i = answer_of(nb, "q2c")
    del nb.cells[i + 1]
    del nb.cells[i - 1]
    return "question q2c", "solution markers in a code cell outside a BEGIN SOLUTION block"


def drop_end_question(nb):
    i = cell_index(nb, lambda s: s.strip() == "# END QUESTION")
    del nb.cells[i]
    return "question q1a", "BEGIN QUESTION inside an open question block"


def public_test_imports_reference(nb):
    i = cell_index(nb, lambda s: "def test_q2c_is_one_coefficient" in s)
    nb.cells[i].source = nb.cells[i].source.replace("    from numbers import Real", "    from numbers import Real\n    import sleepstudy_reference")
    return "question q2c", "a public test imports sleepstudy_reference, which students do not have"


def two_functions_in_a_test(nb):
    i = cell_index(nb, lambda s: "def test_q2c_is_one_coefficient" in s)
    nb.cells[i].source += "\n\ndef another():\n    pass\n"
    return "question q2c", "exactly one test function"


def question_without_name(nb):
    i = cell_index(nb, lambda s: s.startswith("# BEGIN QUESTION") and "name: q1c" in s)
    nb.cells[i].source = "# BEGIN QUESTION\npoints: 0.5"
    return f"cell {i + 1}", "needs a YAML config with a name"


def duplicate_question_name(nb):
    i = cell_index(nb, lambda s: s.startswith("# BEGIN QUESTION") and "name: q1c" in s)
    nb.cells[i].source = "# BEGIN QUESTION\nname: q1b\npoints: 0.5"
    return "question q1b", "the question name q1b is used twice"


def wrong_assignment_name(nb):
    i = cell_index(nb, lambda s: s.startswith("# ASSIGNMENT CONFIG"))
    nb.cells[i].source = nb.cells[i].source.replace("name: sleepstudy-lmm", "name: another-name")
    return ASSIGNMENT, "it must be the folder name"


def answer_in_a_plain_cell(nb):
    """An answer line in a code cell of its own, inside the question but with no solution markers at all."""
    i = answer_of(nb, "q2c")
    nb.cells.insert(i + 2, nbformat.v4.new_code_cell('correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"])'))
    return "question q2c", "sets `correlation`, which the question's tests read, outside a BEGIN SOLUTION block"


def a_function_answer_in_a_plain_cell(nb):
    i = answer_of(nb, "q2a")
    nb.cells.insert(i + 2, nbformat.v4.new_code_cell("def drop_invalid(df):\n    return df.dropna()"))
    return "question q2a", "sets `drop_invalid`"


def written_part_named_like_an_autograded_one(nb):
    i = cell_index(nb, lambda s: s.startswith("# BEGIN QUESTION") and "name: q6b_written" in s)
    nb.cells[i].source = nb.cells[i].source.replace("name: q6b_written", "name: q6b")
    return "cell", "a written part's name ends in _written (q6b_written)"


BROKEN_SOURCES = [written_part_named_like_an_autograded_one, unwrap_solution, drop_end_question, public_test_imports_reference, two_functions_in_a_test,
                  question_without_name, duplicate_question_name, wrong_assignment_name, answer_in_a_plain_cell,
                  a_function_answer_in_a_plain_cell]


def broken_copy(tmp_path: Path, break_it) -> tuple[Path, tuple[str, str]]:
    source_root = tmp_path / "source"
    shutil.copytree(SOURCE, source_root / ASSIGNMENT)
    path = source_root / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    expected = break_it(nb)
    nbformat.write(nb, path)
    return source_root, expected


@pytest.mark.parametrize("break_it", BROKEN_SOURCES, ids=lambda f: f.__name__)
def test_broken_source_is_refused_with_its_location(tmp_path, break_it):
    source_root, (where, what) = broken_copy(tmp_path, break_it)
    completed = lmm_seminar("release", "--source", str(source_root), "--out", str(tmp_path / "out"))
    assert completed.returncode == 1
    assert where in completed.stderr and what in completed.stderr, completed.stderr
    assert not (tmp_path / "out" / ASSIGNMENT / "student").exists()


def test_solution_failing_its_own_test_is_refused(tmp_path):
    def wrong_solution(nb):
        i = answer_of(nb, "q2c")
        nb.cells[i].source = nb.cells[i].source.replace(
            'correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"])\n',
            'correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"], method="spearman")\n', 1)
        return "q2c", "Spearman"

    source_root, (question, message) = broken_copy(tmp_path, wrong_solution)
    completed = lmm_seminar("release", "--source", str(source_root), "--out", str(tmp_path / "out"))
    assert completed.returncode == 1
    assert "the solution does not pass its own tests" in completed.stderr
    assert question in completed.stderr and message in completed.stderr, completed.stderr


def test_missing_source_folder_is_a_clear_error(tmp_path):
    completed = lmm_seminar("release", "--source", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert completed.returncode == 1
    assert "no source folder" in completed.stderr
