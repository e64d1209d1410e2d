"""The similarity report finds copied hand-ins, disguised or not, and no pair of independent correct routes.

The class (``similarity_routes``): three correct routes written independently of one another, an exact
copy of one (with a comment holding HTML, for the page), and a copy of another with its helper
variables renamed and comments of its own. It is graded once by ``lmm-seminar grade`` (which writes the
report beside the grades) and compared once more by ``lmm-seminar similarity``.
"""

from __future__ import annotations

import csv
import json

import nbformat
import pytest

import notebooks
import similarity_routes
from browser import rendered
from conftest import lmm_seminar, read_grade_run
from lmm_seminar.course_tools.similarity import find_similar, given_cells, student_code
from test_corpus import FULL_MARKS

#: Put in a comment of the exact copy: student code the page must show as text, never run or render.
MARKUP = "</pre><script>document.title='taken'</script><img src=x onerror=\"document.title='taken'\">"
COPIED = {frozenset({"alternatives", "copies_alternatives"}), frozenset({"by_hand", "disguises_by_hand"})}


@pytest.fixture(scope="module")
def similar_class(release, tmp_path_factory):
    folder = tmp_path_factory.mktemp("similar-class")
    for name, nb in similarity_routes.routes(release.solution_notebook).items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    for name, (_, nb) in similarity_routes.copies(release.solution_notebook).items():
        if name == "copies_alternatives":
            cell = nb.cells[notebooks.answer_cells(nb)["q2c"]]
            cell.source = f"# {MARKUP}\n" + cell.source
        nbformat.write(nb, folder / f"{name}.ipynb")
    out = tmp_path_factory.mktemp("similar-graded")
    run = read_grade_run(lmm_seminar("grade", str(folder), "--autograder", str(release.autograder_zip), "--out", str(out),
                                     "--jobs", "2"), out)
    assert run.completed.returncode == 0, run.completed.stderr
    return folder, run


def listed_pairs(table) -> set[frozenset]:
    with table.open(newline="") as f:
        return {frozenset({row["first"], row["second"]}) for row in csv.DictReader(f)}


def test_every_route_and_copy_is_correct_work(similar_class):
    _, run = similar_class
    for name, row in run.rows.items():
        assert {q: float(row[q]) for q in FULL_MARKS} == FULL_MARKS, name


def test_the_report_lists_the_copied_pairs_and_no_pair_of_independent_routes(similar_class):
    _, run = similar_class
    assert listed_pairs(run.out / "similarity.csv") == COPIED


def test_a_disguised_copy_still_matches_nearly_in_full(similar_class):
    _, run = similar_class
    with (run.out / "similarity.csv").open(newline="") as f:
        rows = {frozenset({r["first"], r["second"]}): r for r in csv.DictReader(f)}
    disguised = rows[frozenset({"by_hand", "disguises_by_hand"})]
    assert float(disguised["first_share"]) >= 0.9 and float(disguised["second_share"]) >= 0.9


def test_the_summary_names_the_copied_pairs_and_changes_no_grade(similar_class):
    _, run = similar_class
    summary = (run.out / "summary.md").read_text()
    assert "unusually alike code" in summary and "`by\\_hand` and `disguises\\_by\\_hand`" in summary
    assert "alike" not in (run.out / "feedback" / "disguises_by_hand.md").read_text()


def test_the_similarity_command_finds_the_same_pairs(similar_class, release, tmp_path):
    folder, _ = similar_class
    completed = lmm_seminar("similarity", str(folder), "--autograder", str(release.autograder_zip), "--out", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert listed_pairs(tmp_path / "similarity.csv") == COPIED
    assert "2 pair(s) of 5 hand-ins" in completed.stdout


def test_the_page_shows_each_pair_side_by_side_with_the_common_code_marked(similar_class):
    _, run = similar_class
    text, tags = rendered(run.out / "similarity.html")
    assert "alternatives and copies_alternatives" in text and "by_hand and disguises_by_hand" in text
    assert "100% of by_hand's own code is found in disguises_by_hand's" in text
    assert tags.count("table") == 2 and tags.count("td") == 4 and tags.count("mark") >= 4
    assert "solution and" not in text and "and solution" not in text


def test_student_code_on_the_page_is_text_and_nothing_on_it_runs(similar_class):
    _, run = similar_class
    text, tags = rendered(run.out / "similarity.html")
    assert MARKUP in text
    assert "script" not in tags and "img" not in tags
    assert "<script" not in (run.out / "similarity.html").read_text().split("</style>", 1)[1].replace("&lt;script", "")


def test_the_scaffold_and_the_given_cells_do_not_count(release):
    scaffold = json.loads(release.student_notebook.read_text())
    given = given_cells(scaffold)
    assert any("otter.Notebook(" in cell for cell in given) and any("grader.check(" in cell for cell in given)
    code = student_code(json.loads(release.solution_notebook.read_text()), given)
    assert "grader.check(" not in code and "otter.Notebook(" not in code and "np.polyfit" in code
    # two hand-ins that only filled in the scaffold as given, differently, are not listed
    untouched = json.loads(release.student_notebook.read_text())
    assert find_similar({"a": untouched, "b": untouched}, [scaffold]) == []


@pytest.mark.parametrize("args, message", [
    (["--threshold", "0"], "between 0 and 1"),
    (["--threshold", "1.5"], "between 0 and 1"),
])
def test_a_threshold_that_is_not_a_share_is_refused(release, tmp_path, args, message):
    (tmp_path / "a.ipynb").write_text(release.solution_notebook.read_text())
    completed = lmm_seminar("similarity", str(tmp_path), "--autograder", str(release.autograder_zip), *args)
    assert completed.returncode == 2 and message in completed.stderr
