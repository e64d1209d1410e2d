"""Per-student variants: a pool of equally hard variants, each student bound to one by a keyed hash of the
course secret, every runner judging the student's own variant, and a copy of a classmate's notebook caught.

The release with a roster is built once (``variant_release``) with a fixed secret, so which student has
which variant is known; the roster is chosen to cover several variants.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

import notebooks
import sleepstudy_reference as ref
from conftest import ASSIGNMENT, REPO, lmm_seminar, read_grade_run
from gradescope_container import GradescopeContainer, question_scores
from lmm_seminar.variants import (AssignedVariant, VariantTable, assigned_variant, course_secret, substitute,
                                  variant_notebook, variant_of)
from corpus import CORRECT, WRONG
from test_corpus import FULL_MARKS

#: The published data, as the reference module reads it.
DATA = REPO / "source" / ASSIGNMENT / "data" / "sleepstudy.csv"
#: A fixed course secret, so the roster's variants are the same on every run of the tests.
SECRET = "9f" * 32
#: The parts whose answers depend on the variant's subjects; the others are the same for everybody.
VARIANT_PARTS = ("q3c", "q4a", "q4b", "q6a")


def roster_covering(count: int, variants: int) -> list[str]:
    """The first ids s01, s02, ... until ``count`` different variants are covered (variant 0 among them)."""
    chosen, seen = [], {}
    for number in range(1, 500):
        student = f"s{number:02d}"
        k = variant_of(SECRET.encode(), ASSIGNMENT, student, ref.VARIANT_COUNT)
        if k not in seen and (len(seen) < count - 1 or k == 0 or 0 in seen):
            seen[k] = student
            chosen.append(student)
        if len(seen) == count:
            return chosen
    raise AssertionError("the keyed hash never reached enough variants")


@pytest.fixture(scope="module")
def variant_release(tmp_path_factory):
    """The first seminar released for a roster of four students with four different variants, 0 among them."""
    out = tmp_path_factory.mktemp("variant-release")
    roster = out / "roster.csv"
    students = roster_covering(4, ref.VARIANT_COUNT)
    roster.write_text("id,name\n" + "".join(f"{s},Student {s}\n" for s in students))
    (out / "release").mkdir()
    (out / "release" / ".course-secret").write_text(SECRET + "\n")
    completed = lmm_seminar("release", "--source", str(REPO / "source"), "--out", str(out / "release"),
                            "--assignment", ASSIGNMENT, "--roster", str(roster))
    assert completed.returncode == 0, completed.stderr
    root = out / "release" / ASSIGNMENT
    table = VariantTable.from_zip(root / "autograder" / f"{ASSIGNMENT}-autograder.zip")
    return root, table, completed.stdout


def solution_of(root: Path, table: VariantTable, variant: int) -> nbformat.NotebookNode:
    """The solution notebook made for ``variant`` as the release makes a student's notebook."""
    return variant_notebook(notebooks.read(root / "solution" / f"{ASSIGNMENT}.ipynb"), variant, table.replacements[variant])


def by_variant(table: VariantTable) -> dict[int, str]:
    return {k: student for student, k in table.students.items()}


# ------------------------------------------------------------------------------- the pool and the binding

def test_the_pool_follows_the_written_rule_and_variant_0_is_the_published_seminar():
    pool = ref.variant_pool(ref.base_answers(ref.load_sleepstudy(DATA)))
    assert len(pool) == ref.VARIANT_COUNT and len({repr(v) for v in pool}) == ref.VARIANT_COUNT
    assert pool[0] == {"q3c": tuple(ref.first_subjects(ref.load_sleepstudy(DATA))), "q4": ref.Q4_SUBJECTS, "q6": ref.Q6_SUBJECTS}
    base = ref.base_answers(ref.load_sleepstudy(DATA))
    order = base["subjects_in_file_order"]
    for k in range(ref.VARIANT_COUNT):
        answers = ref.with_variant(base, k)
        start = order.index(answers["q3c_subjects"][0])
        assert answers["q3c_subjects"] == (order * 2)[start:start + 10]
        assert answers["m_308"] >= ref.Q4_STEEP_MIN and ref.Q4_FLAT_SLOPE[0] <= answers["m_309"] <= ref.Q4_FLAT_SLOPE[1]
        assert ref.Q4_SLOPE_GAP[0] <= answers["m_308"] - answers["m_309"] <= ref.Q4_SLOPE_GAP[1]
        assert ref.Q6_INTERCEPT_GAP[0] <= answers["intercept_2"] - answers["intercept_1"] <= ref.Q6_INTERCEPT_GAP[1]


def test_variant_0_answers_are_the_published_figures():
    published = ref.expected_answers(ref.load_sleepstudy(DATA))
    assert published["q4_subjects"] == (308, 309) and published["q6_subjects"] == (371, 337)
    assert published["m_308"] == pytest.approx(21.7647, abs=1e-4) and published["b_309"] == pytest.approx(205.0549, abs=1e-4)
    assert published["intercept_1"] == pytest.approx(248.11, abs=0.01) and published["intercept_2"] == pytest.approx(323.59, abs=0.01)


def test_the_keyed_hash_depends_on_secret_assignment_and_student_only():
    secret = SECRET.encode()
    assert variant_of(secret, ASSIGNMENT, "s01", 12) == variant_of(secret, ASSIGNMENT, "s01", 12)
    students = [f"s{n:02d}" for n in range(1, 60)]
    ours = [variant_of(secret, ASSIGNMENT, s, 12) for s in students]
    assert len(set(ours)) >= 8, "the students spread over the variants"
    assert ours != [variant_of(b"another secret of the course....", ASSIGNMENT, s, 12) for s in students]
    assert ours != [variant_of(secret, "sleepstudy-slopes", s, 12) for s in students]


def test_the_course_secret_is_made_once_and_readable_by_its_owner_only(tmp_path):
    secret, made = course_secret(tmp_path / ".course-secret")
    again, made_again = course_secret(tmp_path / ".course-secret")
    assert made and not made_again and secret == again and len(secret) == 64
    assert (tmp_path / ".course-secret").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("text, expected", [
    ("subject 308 and 309", "subject 352 and 309"),
    ("m_308, b_308 = fit(subject_308)", "m_352, b_352 = fit(subject_352)"),
    ("1308 and 308.5 and 3080 stay", "1308 and 308.5 and 3080 stay"),
    ("the end: 308.", "the end: 352."),
])
def test_a_subject_id_is_replaced_only_where_it_stands_as_a_whole_number(text, expected):
    assert substitute(text, {"308": "352"}) == expected


def test_replacements_happen_at_once_so_subjects_can_swap():
    assert substitute("308 then 309", {"308": "309", "309": "308"}) == "309 then 308"


@pytest.fixture
def nbgrader_layout(tmp_path):
    """An nbgrader course whose grading folder says s01 has variant 3 of sleepstudy-lmm (which renames 308 to 352)."""
    table = VariantTable(students={"s01": 3}, replacements=[{}, {}, {}, {"308": "352"}])
    (tmp_path / "grading" / ASSIGNMENT).mkdir(parents=True)
    (tmp_path / "grading" / ASSIGNMENT / "variants.json").write_text(table.to_json())
    return tmp_path


@pytest.mark.parametrize("folder, expected", [
    (f"autograded/s01/{ASSIGNMENT}", (3, {"308": "352"})),
    (f"autograded/stranger/{ASSIGNMENT}", (0, {})),  # not on the roster: the published variant
    (f"source/{ASSIGNMENT}", None),  # the instructor's own run of the source notebook
    ("autograded/s01/another-assignment", None),  # an assignment without variants
])
def test_nbgrader_hidden_tests_take_the_variant_from_the_folder_nbgrader_grades_in(nbgrader_layout, folder, expected):
    from variant_choice import nbgrader_hand_in

    (nbgrader_layout / folder).mkdir(parents=True)
    assert nbgrader_hand_in(nbgrader_layout / folder) == expected


def test_a_working_folder_that_cannot_be_looked_at_is_no_nbgrader_course(tmp_path, monkeypatch):
    from variant_choice import VARIANT_VARIABLE, assigned_variant, nbgrader_hand_in

    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # os.getcwd() now fails, as a folder the process may not look at does
    monkeypatch.setenv(VARIANT_VARIABLE, "5")
    assert nbgrader_hand_in() is None and assigned_variant() == 5


def test_nbgrader_students_folder_comes_before_the_variable_student_code_could_set(nbgrader_layout, monkeypatch):
    from variant_choice import VARIANT_VARIABLE, assigned_variant

    (nbgrader_layout / "autograded" / "s01" / ASSIGNMENT).mkdir(parents=True)
    monkeypatch.chdir(nbgrader_layout / "autograded" / "s01" / ASSIGNMENT)
    monkeypatch.setenv(VARIANT_VARIABLE, "7")
    assert assigned_variant() == 3


def test_nbgrader_hidden_tests_read_the_students_own_names_and_say_them(nbgrader_layout, monkeypatch):
    from variant_choice import call_with_their_names

    def test_slope(m_308, fig_4a):
        if not isinstance(m_308, float):  # raised by hand: pytest would add its own explanation to an assert's message
            raise AssertionError("m_308 should be a number, not m_3080")
        return m_308

    (nbgrader_layout / "autograded" / "s01" / ASSIGNMENT).mkdir(parents=True)
    monkeypatch.chdir(nbgrader_layout / "autograded" / "s01" / ASSIGNMENT)
    assert call_with_their_names(test_slope, ("m_308", "fig_4a"), {"m_352": 21.5, "m_308": "not mine"}) == 21.5
    with pytest.raises(AssertionError, match=r"^m_352 should be a number, not m_3080$"):
        call_with_their_names(test_slope, ("m_308", "fig_4a"), {"m_308": 21.5})


@pytest.mark.parametrize("student, said, expected", [
    ("s01", 3, AssignedVariant(3)),
    ("s01", 5, "the notebook is variant 5's"),
    ("s01", None, "the notebook is variant (none)'s"),
    ("stranger", 3, "not on the roster"),
])
def test_the_variant_comes_from_who_handed_in_never_from_the_notebook(student, said, expected):
    table = VariantTable(students={"s01": 3}, replacements=[{}] * 12)
    notebook = {"metadata": {} if said is None else {"lmm_seminar": {"variant": said}}}
    assigned = assigned_variant(table, student, notebook)
    if isinstance(expected, AssignedVariant):
        assert assigned == expected
    else:
        assert assigned.number == (3 if student == "s01" else 0) and expected in assigned.note


# ------------------------------------------------------------------------------- the release with a roster

def test_each_student_gets_a_notebook_of_their_own_variant(variant_release):
    root, table, _ = variant_release
    answers = {k: ref.answers(DATA, variant=k) for k in table.students.values()}
    for student, k in table.students.items():
        nb = notebooks.read(root / "students" / student / f"{ASSIGNMENT}.ipynb")
        assert nb.metadata["lmm_seminar"] == {"variant": k}
        text = "\n".join(cell.source for cell in nb.cells)
        steep, flat = answers[k]["q4_subjects"]
        assert f"subject {steep}." in text and f"`m_{steep}`" in text and f"subject {flat}." in text
        assert f"`subject_1 = {answers[k]['subject_1']}`" in text
        assert (root / "students" / student / "data" / "sleepstudy.csv").is_file()
        if k != 0:
            assert ", ".join(str(s) for s in answers[k]["q3c_subjects"]) in text


def test_a_student_notebook_reveals_no_answer_of_its_variant(variant_release):
    root, table, _ = variant_release
    for student, k in table.students.items():
        answers = ref.answers(DATA, variant=k)
        text = (root / "students" / student / f"{ASSIGNMENT}.ipynb").read_text()
        for name in ("m_308", "b_308", "m_309", "b_309", "intercept_1", "intercept_2"):
            assert f"{answers[name]:.2f}" not in text, (student, name)
        assert "BEGIN SOLUTION" not in text and "hidden=True" not in text


def test_the_course_secret_never_leaves_the_instructor(variant_release):
    root, _, _ = variant_release
    for path in root.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    with zipfile.ZipFile(root / "autograder" / f"{ASSIGNMENT}-autograder.zip") as archive:
        assert all(SECRET.encode() not in archive.read(name) for name in archive.namelist())


def test_the_release_reports_who_has_which_variant_and_each_variants_figures(variant_release):
    root, table, stdout = variant_release
    listing = (root / "variants.csv").read_text().splitlines()
    assert listing[0] == "student,variant" and set(listing[1:]) == {f"{s},{k}" for s, k in table.students.items()}
    report = (root / "variants.md").read_text()
    assert report.count("\n| ") == ref.VARIANT_COUNT + 1 and "q4 slope gap" in report and "| 0 | 1 | 308 309 310" in report
    assert "4 student notebooks" in stdout


def test_a_roster_id_that_cannot_name_a_folder_is_refused_with_its_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns01\n../escape\n")
    completed = lmm_seminar("release", "--out", str(tmp_path / "out"), "--roster", str(roster), "--assignment", ASSIGNMENT)
    assert completed.returncode == 1 and "line 3" in completed.stderr and "'../escape'" in completed.stderr
    assert not (tmp_path / "out" / ASSIGNMENT).exists()


# ------------------------------------------------------------------------------- grading: the sandbox engine

@pytest.fixture(scope="module")
def graded_variants(variant_release, tmp_path_factory):
    """Each student hands in the solution of their own variant, but two: the copier hands in the original's notebook
    as it is; the forger hands in the original's work with the metadata changed to the forger's own variant and
    the variant's environment variable set in the notebook."""
    root, table, _ = variant_release
    folder = tmp_path_factory.mktemp("variant-hand-ins")
    for student, k in table.students.items():
        nbformat.write(solution_of(root, table, k), folder / f"{student}.ipynb")
    owners = by_variant(table)
    nonzero = sorted(k for k in owners if k != 0)
    copier, original, forger = owners[nonzero[0]], owners[nonzero[1]], owners[nonzero[2]]
    shutil.copy(folder / f"{original}.ipynb", folder / f"{copier}.ipynb")  # the copier's own work is replaced
    forged = solution_of(root, table, nonzero[1])
    forged.metadata["lmm_seminar"] = {"variant": nonzero[2]}
    forged.cells.insert(1, nbformat.v4.new_code_cell(f'import os\nos.environ["LMM_SEMINAR_VARIANT"] = "{nonzero[1]}"'))
    nbformat.write(forged, folder / f"{forger}.ipynb")
    out = tmp_path_factory.mktemp("variant-graded")
    completed = lmm_seminar("grade", str(folder), "--autograder", str(root / "autograder" / f"{ASSIGNMENT}-autograder.zip"),
                            "--out", str(out), "--jobs", "2")
    return read_grade_run(completed, out), copier, original, forger


def scores(run, student: str) -> dict[str, float]:
    return {q: float(run.rows[student][q]) for q in FULL_MARKS}


def test_the_solution_of_every_variant_scores_full_marks_when_its_student_hands_it_in(graded_variants, variant_release):
    run, copier, _, forger = graded_variants
    _, table, _ = variant_release
    assert run.completed.returncode == 0, run.completed.stderr
    for student, k in table.students.items():
        if student not in (copier, forger):
            assert scores(run, student) == FULL_MARKS, student
            assert run.rows[student]["variant"] == str(k)


def test_a_classmates_notebook_fails_the_parts_of_the_copiers_own_variant(graded_variants, variant_release):
    run, copier, _, forger = graded_variants
    lost = {q for q, points in scores(run, copier).items() if points < FULL_MARKS[q]}
    assert lost and lost <= set(VARIANT_PARTS), lost
    assert {"q3c", "q6a"} <= lost  # every variant but 0 has its own ten subjects and q6 pair


def test_a_forged_variant_in_the_notebook_changes_nothing_but_the_flag(graded_variants):
    run, copier, original, forger = graded_variants
    lost = {q for q, points in scores(run, forger).items() if points < FULL_MARKS[q]}
    assert {"q3c", "q6a"} <= lost <= set(VARIANT_PARTS)  # judged against the forger's own variant all the same
    assert run.details[forger]["variant_note"] == ""  # the notebook's claim is only a hint; here it was forged
    with (run.out / "similarity.csv").open() as f:  # the work itself still pairs with the original's
        assert any({original, forger} == set(line.split(",")[:2]) for line in f)


def test_the_copy_is_flagged_for_the_grader_and_not_in_the_students_feedback(graded_variants):
    run, copier, original, forger = graded_variants
    summary = (run.out / "summary.md").read_text()
    assert "Variants to look at" in summary and f"`{copier}`" in summary
    assert "another copy" in run.details[copier]["variant_note"]
    feedback = (run.out / "feedback" / f"{copier}.md").read_text() + (run.out / "results" / f"{copier}.json").read_text()
    assert "variant" not in feedback.lower()
    assert run.details[original]["variant_note"] == ""


def test_the_messages_name_the_answers_as_the_students_own_variant_names_them(graded_variants, variant_release):
    run, copier, _, forger = graded_variants
    _, table, _ = variant_release
    checked = 0
    for student in (copier, forger):  # both handed in work of another variant: answers under other names
        messages = " ".join(" ".join(q["messages"]) for q in run.details[student]["questions"].values())
        steep, flat = ref.answers(DATA, variant=table.students[student])["q4_subjects"]
        for question, ours, theirs in (("q4a", "308", steep), ("q4b", "309", flat)):
            if theirs == int(ours):
                continue
            checked += 1
            assert f"m_{ours}" not in messages and f"b_{ours}" not in messages
            if float(run.rows[student][question]) < FULL_MARKS[question]:
                assert f"`m_{theirs}` is not defined" in messages
    assert checked, "the roster should give a variant that renames an answer"


# ------------------------------------------------------------------------------- grading: otter run

def test_the_otter_run_engine_gives_every_hand_in_the_sandboxs_verdict(graded_variants, variant_release, tmp_path):
    run, copier, _, forger = graded_variants
    root, _, _ = variant_release
    hand_ins = Path(run.rows[copier]["path"]).parent
    by_otter = read_grade_run(lmm_seminar("grade", str(hand_ins), "--autograder", str(root / "autograder" / f"{ASSIGNMENT}-autograder.zip"),
                                          "--out", str(tmp_path), "--jobs", "2", "--engine", "otter"), tmp_path)
    assert by_otter.completed.returncode == 0, by_otter.completed.stderr
    for student in run.rows:
        assert scores(by_otter, student) == scores(run, student), student
        assert by_otter.rows[student]["variant"] == run.rows[student]["variant"]
    assert "another copy" in by_otter.details[copier]["variant_note"]


def test_plain_otter_run_with_a_students_variant_zip_judges_that_variant(variant_release, tmp_path):
    from test_otter_grading import otter_run

    root, table, _ = variant_release
    k = max(table.students.values())
    nbformat.write(solution_of(root, table, k), tmp_path / f"{ASSIGNMENT}.ipynb")
    own = root / "autograder" / "variants" / f"{ASSIGNMENT}-variant-{k}.zip"
    results = otter_run(own, tmp_path / f"{ASSIGNMENT}.ipynb", tmp_path / "own")
    assert {q: t["score"] for q, t in results.items()} == FULL_MARKS
    # the zip of the published seminar judges variant 0, which this notebook is not
    published = otter_run(root / "autograder" / f"{ASSIGNMENT}-autograder.zip", tmp_path / f"{ASSIGNMENT}.ipynb", tmp_path / "zero")
    assert {q for q, t in published.items() if t["score"] < FULL_MARKS[q]} >= {"q3c", "q6a"}


# ------------------------------------------------------------------------------- grading: the Gradescope zip

@pytest.fixture(scope="module")
def variant_container(variant_release):
    root, _, _ = variant_release
    container = GradescopeContainer.set_up(root / "autograder" / f"{ASSIGNMENT}-autograder.zip")
    yield container
    container.remove()


def test_gradescope_judges_the_variant_of_who_handed_in(variant_container, variant_release):
    root, table, _ = variant_release
    owners = by_variant(table)
    k = max(owners)
    results, completed = variant_container.submit(solution_of(root, table, k), submitter={"sid": owners[k], "email": "x@example.edu"})
    assert results["score"] == sum(FULL_MARKS.values()), completed.stdout + completed.stderr
    assert results["extra_data"]["variant"] == k and results["extra_data"]["variant_note"] == ""


def test_gradescope_fails_and_flags_a_classmates_notebook(variant_container, variant_release):
    root, table, _ = variant_release
    owners = by_variant(table)
    mine, theirs = sorted(k for k in owners if k != 0)[:2]
    results, _ = variant_container.submit(solution_of(root, table, theirs), submitter={"sid": "", "email": owners[mine]})
    lost = {q for q, points in question_scores(results).items() if points < FULL_MARKS[q]}
    assert {"q3c", "q6a"} <= lost <= set(VARIANT_PARTS)
    assert results["extra_data"]["variant"] == mine and "another copy" in results["extra_data"]["variant_note"]
    assert "variant" not in json.dumps([t for t in results["tests"]]).lower()


def test_the_similarity_report_pairs_the_copy_with_its_original(graded_variants):
    run, copier, original, forger = graded_variants
    with (run.out / "similarity.csv").open() as f:
        pairs = {frozenset(line.split(",")[:2]) for line in f.read().splitlines()[1:]}
    assert frozenset({copier, original}) in pairs


# ------------------------------------------------------------------------------- grading: the nbgrader course

def student_folder(variant_release, student: str, assignment: str = ASSIGNMENT) -> Path:
    root, _, _ = variant_release
    return root.parent / "nbgrader" / "students" / student / assignment


def nbgrader_solution_of(variant_release, course: Path, student: str, variant: int, table: VariantTable | None = None,
                         assignment: str = ASSIGNMENT) -> nbformat.NotebookNode:
    """``student``'s own nbgrader notebook with every answer cell filled with the solution of ``variant`` (and a
    sentence in each written part)."""
    from test_nbgrader_course import filled_in

    table = table or variant_release[1]
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    for cell in source.cells:  # the solution of the variant, as the variant's solution notebook has it
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = substitute(cell.source, table.replacements[variant])
    mine = nbformat.read(student_folder(variant_release, student, assignment) / f"{assignment}.ipynb", as_version=4)
    solved = filled_in(mine, source, {}, {})
    for cell in solved.cells:  # the written parts too, so that validating it checks the code only
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "An answer in my own words."
    return solved


def locked_cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    return [(c.metadata["nbgrader"]["grade_id"], c.source, c.metadata["nbgrader"].get("checksum", "")) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("locked") or c.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="module")
def nbgrader_course(variant_release, tmp_path_factory):
    """The release's nbgrader course in a folder of its own, its assignment generated by nbgrader as an instructor
    would: the notebook every student would get from nbgrader, against which the students' own are compared."""
    from test_nbgrader_course import nbgrader

    root, _, _ = variant_release
    course = tmp_path_factory.mktemp("nbgrader-variants") / "course"
    shutil.copytree(root.parent / "nbgrader", course, ignore=shutil.ignore_patterns("students"))
    completed = nbgrader("generate_assignment", ASSIGNMENT, cwd=course)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return course


def test_nbgrader_students_each_get_a_notebook_of_their_own_variant(variant_release):
    _, table, _ = variant_release
    for student, k in table.students.items():
        nb = nbformat.read(student_folder(variant_release, student) / f"{ASSIGNMENT}.ipynb", as_version=4)
        assert nb.metadata["lmm_seminar"] == {"variant": k}
        answers = ref.answers(DATA, variant=k)
        text = "\n".join(cell.source for cell in nb.cells)
        steep, flat = answers["q4_subjects"]
        assert f"subject {steep}." in text and f"subject {flat}." in text and f"m_{steep}, b_{steep}" in text
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "sleepstudy_reference" not in text
        for name in ("m_308", "m_309", "intercept_1", "intercept_2"):
            assert f"{answers[name]:.2f}" not in text, (student, name)
        assert (student_folder(variant_release, student) / "data" / "sleepstudy.csv").is_file()


def test_nbgrader_students_notebooks_keep_every_locked_cell_nbgrader_generated(variant_release, nbgrader_course):
    # nbgrader restores locked cells from its own copy when it grades: the student's must be the same, checksums and all
    generated = nbformat.read(nbgrader_course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    _, table, _ = variant_release
    for student in table.students:
        mine = nbformat.read(student_folder(variant_release, student) / f"{ASSIGNMENT}.ipynb", as_version=4)
        assert locked_cells(mine) == locked_cells(generated), student


def test_nbgrader_course_says_who_has_which_variant_only_in_its_grading_folder(variant_release):
    root, table, _ = variant_release
    course = root.parent / "nbgrader"
    said = json.loads((course / "grading" / ASSIGNMENT / "variants.json").read_text())
    assert said["students"] == table.students and said["replacements"] == table.replacements
    for path in course.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert not any("variants.json" in p.name for p in (course / "students").rglob("*"))


def test_nbgrader_checks_find_the_helper_even_in_a_notebook_without_the_how_to():
    from lmm_seminar.nbgrader_course import HELPER_ID, convert

    source = nbformat.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in source.cells:
        cell.source = cell.source.replace("**How this notebook works**", "**About this notebook**")
    cells = convert(source, [{}, {"308": "352"}]).cells
    helper = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == HELPER_ID)
    first_check = next(i for i, c in enumerate(cells) if "for_your_subjects(r" in c.source)
    assert helper < first_check


@pytest.mark.slow
def test_nbgrader_validate_checks_the_students_own_subjects(variant_release, nbgrader_course, tmp_path):
    from test_nbgrader_course import nbgrader

    _, table, _ = variant_release
    owners = by_variant(table)
    k = max(owners)
    for label, variant in (("own", k), ("published", 0)):
        folder = tmp_path / label
        shutil.copytree(student_folder(variant_release, owners[k]), folder)
        nbformat.write(nbgrader_solution_of(variant_release, nbgrader_course, owners[k], variant), folder / f"{ASSIGNMENT}.ipynb")
        completed = nbgrader("validate", str(folder / f"{ASSIGNMENT}.ipynb"), cwd=folder)
        output = completed.stdout + completed.stderr
        if variant == k:
            assert "Success! Your notebook passes all the tests." in output, output[-3000:]
        else:  # the published subjects are not this student's: the check names the student's own pair
            mine = ref.answers(DATA, variant=k)["q6_subjects"]
            assert "test_q6a_values_and_figure" in output and f"subject ids {mine[0]} and {mine[1]}" in output, output[-3000:]
            assert "changed" not in output.lower()


@pytest.fixture(scope="module")
def nbgrader_graded(variant_release, nbgrader_course):
    """Each student hands in their own nbgrader notebook with the solution of their variant, but the copier, who hands
    in the original's; nbgrader autogrades them all."""
    from test_nbgrader_course import Course, nbgrader

    _, table, _ = variant_release
    owners = by_variant(table)
    first, second = sorted(k for k in owners if k != 0)[:2]
    copier, original = owners[first], owners[second]
    for student, k in table.students.items():
        folder = nbgrader_course / "submitted" / student / ASSIGNMENT
        shutil.copytree(student_folder(variant_release, student), folder)
        work = original if student == copier else student
        nbformat.write(nbgrader_solution_of(variant_release, nbgrader_course, work, table.students[work]),
                       folder / f"{ASSIGNMENT}.ipynb")
    completed = nbgrader("autograde", ASSIGNMENT, cwd=nbgrader_course)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    return Course([nbgrader_course]), copier, original


@pytest.mark.slow
def test_nbgrader_gives_full_marks_to_each_students_own_variant(nbgrader_graded, variant_release):
    course, copier, _ = nbgrader_graded
    _, table, _ = variant_release
    for student in table.students:
        if student != copier:
            assert course.points(student) == pytest.approx(FULL_MARKS), student


@pytest.mark.slow
def test_nbgrader_fails_a_classmates_notebook_on_the_copiers_own_subjects(nbgrader_graded):
    course, copier, _ = nbgrader_graded
    lost = {q for q, points in course.points(copier).items() if points < FULL_MARKS[q]}
    assert {"q3c", "q6a"} <= lost <= set(VARIANT_PARTS)


# ------------------------------------------------------------------------------- the corpus under other variants

#: Corpus hand-ins whose work depends on the variant: they answer, or lose points on, a part with the variant's subjects.
VARIANT_CORPUS = [entry for entry in CORRECT + WRONG
                  if set(entry.answers) & set(VARIANT_PARTS) or set(entry.points) & set(VARIANT_PARTS) or entry.edits]


@pytest.fixture(scope="module")
def corpus_under_variants(variant_release, tmp_path_factory):
    """Those hand-ins made for two variants other than 0 (the corpus itself is variant 0's: test_corpus), each
    handed in by a student of that variant, and the solution of every variant, graded in one run."""
    import corpus

    root, table, _ = variant_release
    chosen = sorted(k for k in set(table.students.values()) if k != 0)[:2]
    zip_path = root / "autograder" / f"{ASSIGNMENT}-autograder.zip"
    written = tmp_path_factory.mktemp("corpus-variant-0")
    corpus.write_variants(root / "solution" / f"{ASSIGNMENT}.ipynb", written / "corpus", VARIANT_CORPUS)
    folder = tmp_path_factory.mktemp("corpus-variants")
    students = {}
    for k in chosen:
        for entry in VARIANT_CORPUS:
            student = f"{entry.name}--v{k}"
            nb = variant_notebook(notebooks.read(written / "corpus" / f"{entry.name}.ipynb"), k, table.replacements[k])
            nbformat.write(nb, folder / f"{student}.ipynb")
            students[student] = k
    for k in range(ref.VARIANT_COUNT):  # and the solution of every variant of the pool
        nbformat.write(solution_of(root, table, k), folder / f"solution--v{k}.ipynb")
        students[f"solution--v{k}"] = k
    # the instructor's table, with these hand-ins' ids as its roster (the keyed hash is tested above)
    graded_zip = tmp_path_factory.mktemp("corpus-variant-zip") / zip_path.name
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(graded_zip, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "variants.json":
                data = VariantTable(students, table.replacements).to_json().encode()
            out.writestr(info, data)
    out = tmp_path_factory.mktemp("corpus-variants-graded")
    run = read_grade_run(lmm_seminar("grade", str(folder), "--autograder", str(graded_zip), "--out", str(out), "--jobs", "2",
                                     "--timeout", "60", timeout=3000), out)
    assert run.completed.returncode == 0, run.completed.stderr
    return run, chosen


@pytest.mark.slow
def test_the_solution_of_every_variant_of_the_pool_scores_full_marks(corpus_under_variants):
    run, _ = corpus_under_variants
    for k in range(ref.VARIANT_COUNT):
        assert scores(run, f"solution--v{k}") == FULL_MARKS, k


#: Hand-ins that choose q3c's ten subjects by their place in the file in code of their own (which the variant's
#: notebook does not rewrite): where the ten they draw start. They are right exactly for the variant whose ten
#: start there, whatever they scored as variant 0.
Q3C_BY_FILE_PLACE = {"groupby_loop_with_axlines": 0, "subjects_off_by_one": 1}


def expected_under(entry, k: int) -> dict[str, float]:
    expected = {**FULL_MARKS, **entry.points}
    if entry.name in Q3C_BY_FILE_PLACE:
        answers = ref.answers(DATA, variant=k)
        start = Q3C_BY_FILE_PLACE[entry.name]
        drawn = answers["subjects_in_file_order"][start:start + 10]
        expected["q3c"] = FULL_MARKS["q3c"] if drawn == answers["q3c_subjects"] else 0
    return expected


@pytest.mark.slow
@pytest.mark.parametrize("entry", VARIANT_CORPUS, ids=lambda e: e.name)
def test_the_corpus_scores_the_same_under_other_variants(corpus_under_variants, entry):
    run, chosen = corpus_under_variants
    for k in chosen:
        row = run.rows[f"{entry.name}--v{k}"]
        assert row["status"] == "graded" and row["variant"] == str(k), row["message"]
        assert scores(run, f"{entry.name}--v{k}") == expected_under(entry, k), k


# ------------------------------------------------------------------------------- the second seminar

SLOPES = "sleepstudy-slopes"


@pytest.fixture(scope="module")
def slopes_variants(variant_release, tmp_path_factory):
    """The second seminar released for the same roster and secret; each student hands in their variant's
    solution, but one, who hands in another student's."""
    from test_slopes_reference import ref as slopes_reference  # the module, loaded from its folder

    root = variant_release[0].parent
    completed = lmm_seminar("release", "--source", str(REPO / "source"), "--out", str(root), "--assignment", SLOPES,
                            "--roster", str(root.parent / "roster.csv"))
    assert completed.returncode == 0, completed.stderr
    zip_path = root / SLOPES / "autograder" / f"{SLOPES}-autograder.zip"
    table = VariantTable.from_zip(zip_path)
    folder = tmp_path_factory.mktemp("slopes-hand-ins")
    solution = notebooks.read(root / SLOPES / "solution" / f"{SLOPES}.ipynb")
    for student, k in table.students.items():
        nbformat.write(variant_notebook(solution, k, table.replacements[k]), folder / f"{student}.ipynb")
    students = sorted(table.students, key=table.students.get)
    copier, original = students[0], students[-1]  # the lowest and the highest variant: not the same
    shutil.copy(folder / f"{original}.ipynb", folder / f"{copier}.ipynb")
    out = tmp_path_factory.mktemp("slopes-graded")
    run = read_grade_run(lmm_seminar("grade", str(folder), "--autograder", str(zip_path), "--out", str(out), "--jobs", "2"), out)
    assert run.completed.returncode == 0, run.completed.stderr
    subjects = {k: slopes_reference.answers(REPO / "source" / SLOPES / "data" / "sleepstudy.csv", variant=k)["q5_subjects"]
                for k in set(table.students.values())}
    return root / SLOPES, table, run, copier, subjects


def test_the_second_seminars_students_get_their_own_three_subjects(slopes_variants):
    root, table, _, _, subjects = slopes_variants
    assert len(set(table.students.values())) >= 3
    for student, k in table.students.items():
        text = "\n".join(cell.source for cell in notebooks.read(root / "students" / student / f"{SLOPES}.ipynb").cells)
        a, b, c = subjects[k]
        assert f"**5b.** For subjects {a}, {b} and {c}," in text and f"[{a}, {b}, {c}]" in text
        assert f"subjects {b} and {a} best" in text


def test_the_second_seminar_judges_each_student_against_their_own_subjects(slopes_variants):
    _, table, run, copier, subjects = slopes_variants
    for student in table.students:
        row = run.rows[student]
        assert row["variant"] == str(table.students[student])
        lost = {q for q in ("q5a", "q5b") if float(row[q]) < 1}
        if student == copier:
            assert lost == {"q5b"} and "another copy" in run.details[student]["variant_note"]
        else:
            assert float(row["score"]) == float(row["max_score"]), (student, row)


@pytest.mark.slow
def test_nbgrader_judges_the_second_seminars_students_against_their_own_subjects(slopes_variants, variant_release,
                                                                                  tmp_path):
    from corpus_slopes import Q
    from test_nbgrader_course import Course, nbgrader

    _, table, _, copier, _ = slopes_variants
    course = tmp_path / "course"
    shutil.copytree(variant_release[0].parent / "nbgrader", course, ignore=shutil.ignore_patterns("students"))
    assert nbgrader("generate_assignment", SLOPES, cwd=course).returncode == 0
    own = max(table.students, key=table.students.get)
    for student, work in ((own, own), (copier, own)):
        folder = course / "submitted" / student / SLOPES
        shutil.copytree(student_folder(variant_release, student, SLOPES), folder)
        nbformat.write(nbgrader_solution_of(variant_release, course, work, table.students[work], table, SLOPES),
                       folder / f"{SLOPES}.ipynb")
    completed = nbgrader("autograde", SLOPES, cwd=course)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    graded = Course([course], SLOPES)
    assert graded.points(own) == pytest.approx(Q)
    assert {q for q, points in graded.points(copier).items() if points < Q[q]} == {"q5b"}


def test_the_review_pages_say_each_students_variant(graded_variants, variant_release, tmp_path):
    run, copier, _, _ = graded_variants
    root, table, _ = variant_release
    hand_ins = Path(run.rows[copier]["path"]).parent
    completed = lmm_seminar("review", str(hand_ins), "--autograder", str(root / "autograder" / f"{ASSIGNMENT}-autograder.zip"),
                            "--out", str(tmp_path), "--no-progress")
    assert completed.returncode == 0, completed.stderr
    page = (tmp_path / "q4c_written.html").read_text()
    assert "variants.md" in page
    for student, k in table.students.items():
        assert f"{student} <span class=\"variant\">(variant {k})</span>" in page


def test_a_zip_made_for_one_variant_judges_every_hand_in_as_that_variant(variant_release, tmp_path):
    root, table, _ = variant_release
    k = max(table.students.values())
    nbformat.write(solution_of(root, table, k), tmp_path / "anyone.ipynb")
    nbformat.write(solution_of(root, table, 0), tmp_path / "published.ipynb")
    one = root / "autograder" / "variants" / f"{ASSIGNMENT}-variant-{k}.zip"
    run = read_grade_run(lmm_seminar("grade", str(tmp_path), "--autograder", str(one), "--out", str(tmp_path / "out")),
                         tmp_path / "out")
    assert scores(run, "anyone") == FULL_MARKS and run.rows["anyone"]["variant"] == str(k)
    assert {q for q, p in scores(run, "published").items() if p < FULL_MARKS[q]} >= {"q3c", "q6a"}
    assert f"judges variant {k} only" in run.details["published"]["variant_note"]


def test_the_first_release_with_a_roster_makes_the_secret_and_says_to_keep_it(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nada\n")
    secret = tmp_path / "keep" / "secret.txt"
    completed = lmm_seminar("release", "--out", str(tmp_path / "out"), "--roster", str(roster), "--secret", str(secret),
                            "--assignment", SLOPES)
    assert completed.returncode == 0, completed.stderr
    assert f"Made the course secret {secret}: keep it" in completed.stdout
    assert secret.stat().st_mode & 0o077 == 0
    k = variant_of(secret.read_text().strip().encode(), SLOPES, "ada", 12)
    assert (tmp_path / "out" / SLOPES / "variants.csv").read_text() == f"student,variant\nada,{k}\n"
