"""``lmm-seminar release`` writes what students, instructors and graders need, and nothing more."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

import notebooks
from conftest import ASSIGNMENT, REPO, build_release

SEMINAR_QUESTIONS = ["q1a", "q1b", "q1c", "q2a", "q2b", "q2c", "q3a", "q3b", "q3c",
                     "q4a", "q4b", "q5a", "q5b", "q5c", "q6a"]
SHIPPED = ["sleepstudy_reference.py", "answer_checks.py", "answer_facts.py", "answer_probes.py",
           "figure_inspection.py", "tolerances.py"]


def solution_lines(source_notebook) -> set[str]:
    """Lines that only the solution has: inside in-cell solution blocks, minus lines the prompt repeats."""
    lines, prompt = set(), set()
    for cell in source_notebook.cells:
        if cell.cell_type != "code":
            continue
        answer = re.search(r"# BEGIN SOLUTION NO PROMPT\n(.*?)# END SOLUTION", cell.source, re.DOTALL)
        given = re.search(r'""" # BEGIN PROMPT\n(.*?)""" # END PROMPT', cell.source, re.DOTALL)
        if answer:
            lines.update(l.strip() for l in answer.group(1).splitlines() if l.strip())
        if given:
            prompt.update(l.strip() for l in given.group(1).splitlines() if l.strip())
    return lines - prompt


@pytest.fixture(scope="module")
def source_notebook():
    return notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


@pytest.fixture(scope="module")
def student(release):
    return notebooks.read(release.student_notebook)


def test_release_says_what_it_wrote(release):
    assert f"wrote {release.student_notebook}" in release.output
    assert f"wrote {release.autograder_zip}" in release.output
    assert "15 autograded questions (9 points), 7 written (3 points)" in release.output


def test_student_folder_holds_the_notebook_and_the_data_only(release):
    files = sorted(p.relative_to(release.student_dir).as_posix() for p in release.student_dir.rglob("*") if p.is_file())
    assert files == ["data/sleepstudy.csv", f"{ASSIGNMENT}.ipynb"]


def test_student_notebook_has_no_solution_line(student, source_notebook):
    code = notebooks.code_text(student)
    leaked = sorted(line for line in solution_lines(source_notebook) if line in code)
    assert not leaked


def test_student_notebook_has_no_written_model_answer(student, source_notebook):
    text = "\n".join(c.source for c in student.cells)
    assert "Type your answer here" in text
    assert "skewed to the right" not in text and "random slopes, `(Days | Subject)`" not in text


def test_student_notebook_carries_public_tests_only(student):
    tests = student.metadata["otter"]["tests"]
    assert sorted(tests) == sorted(SEMINAR_QUESTIONS)
    for name, source in tests.items():
        assert "hidden=False" in source, name
        assert "hidden=True" not in source and "sleepstudy_reference" not in source, name


def test_student_notebook_has_blanks_where_the_student_writes(student):
    answers = notebooks.answer_cells(student)
    assert sorted(answers) == sorted(SEMINAR_QUESTIONS)
    for question, index in answers.items():
        assert "..." in student.cells[index].source, question


def test_student_notebook_keeps_the_answer_names(student):
    code = notebooks.code_text(student)
    for name in ["sleep_study_data", "data_shape", "fig_1b", "days_min", "days_max", "reaction_min", "reaction_max",
                 "drop_invalid", "fig_2b", "correlation", "model", "ols_intercept", "ols_slope", "fig_3b", "fig_3c",
                 "m_308", "b_308", "fig_4a", "m_309", "b_309", "fig_4b", "mixed_results", "fixed_intercept",
                 "fixed_slope", "group_var", "random_intercepts", "subject_1", "subject_2", "intercept_1",
                 "intercept_2", "fig_6a"]:
        assert re.search(rf"\b{name}\b", code), name


def test_solution_notebook_has_clean_answers(release):
    solution = notebooks.read(release.solution_notebook)
    code = notebooks.code_text(solution)
    assert 'pd.read_csv("data/sleepstudy.csv")' in code
    assert "BEGIN PROMPT" not in code and "BEGIN SOLUTION" not in code


def test_autograder_zip_has_a_stable_name_and_the_hidden_tests(release):
    with zipfile.ZipFile(release.autograder_zip) as archive:
        names = set(archive.namelist())
        assert {f"tests/{q}.py" for q in SEMINAR_QUESTIONS} <= names
        assert {f"files/{m}" for m in SHIPPED} <= names
        assert "files/data/sleepstudy.csv" in names
        assert {"run_autograder", "setup.sh", "otter_config.json"} <= names  # Gradescope's layout
        config = json.loads(archive.read("otter_config.json"))
        requirements = archive.read("lmm-seminar/requirements.txt").decode()  # setup.sh installs them
        hidden = archive.read("tests/q5a.py").decode()
    assert config["assignment_name"] == ASSIGNMENT
    for library in ["statsmodels", "seaborn", "scipy", "pandas", "matplotlib", "numpy"]:
        assert library in requirements
    assert "hidden=True" in hidden


def test_the_zip_grades_on_gradescope_with_this_project_not_otters_runner(release):
    with zipfile.ZipFile(release.autograder_zip) as archive:
        names = set(archive.namelist())
        run = archive.read("run_autograder").decode()
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
        constraints = archive.read("lmm-seminar/constraints.txt")
    assert '/bin/lmm-seminar" gradescope' in run and "otter" not in run
    assert not {"run_otter.py", "environment.yml"} & names  # Otter's runner and its conda environment are gone
    assert modes["run_autograder"] == modes["setup.sh"] == 0o755
    assert [n for n in names if n.startswith("lmm-seminar/") and n.endswith(".whl")] == [
        "lmm-seminar/lmm_seminar-0.1.0-py3-none-any.whl"]
    assert constraints == (REPO / "constraints.txt").read_bytes()


def test_the_zips_wheel_holds_this_checkouts_package(release):
    with zipfile.ZipFile(release.autograder_zip) as archive:
        wheel = zipfile.ZipFile(io.BytesIO(archive.read("lmm-seminar/lmm_seminar-0.1.0-py3-none-any.whl")))
    package = REPO / "autograder" / "lmm_seminar"
    shipped = {n for n in wheel.namelist() if n.startswith("lmm_seminar/")}
    assert shipped == {f"lmm_seminar/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts}
    for name in shipped:
        assert wheel.read(name) == (package / name.removeprefix("lmm_seminar/")).read_bytes(), name


def test_the_tests_run_with_the_versions_constraints_txt_pins():
    from importlib.metadata import PackageNotFoundError, version

    differ = []
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, pinned = line.split("==")
            try:
                installed = version(name)
            except PackageNotFoundError:
                continue
            if installed != pinned:
                differ.append(f"{name} {installed} (constraints.txt: {pinned})")
    assert differ == [], "install with `pip install -c constraints.txt -e '.[test]'`"


def test_rebuilding_gives_identical_files(release, tmp_path):
    again = build_release(tmp_path / "again")
    first = {p.relative_to(release.root): p.read_bytes() for p in release.root.rglob("*") if p.is_file()}
    second = {p.relative_to(again.root): p.read_bytes() for p in again.root.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def _our_entries(archive: zipfile.ZipFile) -> list[str]:
    """The zip's entries this project writes (Otter's own templates may differ by version; the wheel is compared apart)."""
    return sorted(n for n in archive.namelist() if (n.startswith(("tests/", "files/", "lmm-seminar/"))
                                                    or n in ("run_autograder", "setup.sh")) and not n.endswith(".whl"))


def test_committed_release_matches_a_fresh_build(release):
    # Like Otter's own "golden file" tests: assignments/ in the repo is what the source builds to.
    committed = REPO / "assignments" / ASSIGNMENT
    fresh = release.assignment
    for relative in [f"student/{ASSIGNMENT}.ipynb", "student/data/sleepstudy.csv", f"solution/{ASSIGNMENT}.ipynb"]:
        assert (committed / relative).read_bytes() == (fresh / relative).read_bytes(), (
            f"{relative} is out of date: run `lmm-seminar release` and commit assignments/")
    course_files = sorted(p.relative_to(release.root).as_posix() for p in (release.root / "nbgrader").rglob("*") if p.is_file())
    assert course_files == sorted(p.relative_to(REPO / "assignments").as_posix()
                                  for p in (REPO / "assignments" / "nbgrader").rglob("*") if p.is_file())
    for relative in course_files:
        assert (REPO / "assignments" / relative).read_bytes() == (release.root / relative).read_bytes(), (
            f"{relative} is out of date: run `lmm-seminar release` and commit assignments/")
    # Our part of the zip (tests and shipped files) must match; Otter's own templates may differ by version.
    with zipfile.ZipFile(committed / "autograder" / f"{ASSIGNMENT}-autograder.zip") as old, \
            zipfile.ZipFile(release.autograder_zip) as new:
        ours = [_our_entries(archive) for archive in (old, new)]
        assert ours[0] == ours[1]
        ours = ours[1]
        for name in ours:
            assert old.read(name) == new.read(name), f"{name} in the committed autograder zip is out of date"
        # the project's code in the wheel too (its description, the README, may differ)
        wheel = "lmm-seminar/lmm_seminar-0.1.0-py3-none-any.whl"
        old_wheel, new_wheel = (zipfile.ZipFile(io.BytesIO(z.read(wheel))) for z in (old, new))
        code = sorted(n for n in new_wheel.namelist() if n.startswith("lmm_seminar/"))
        assert code == sorted(n for n in old_wheel.namelist() if n.startswith("lmm_seminar/"))
        for name in code:
            assert old_wheel.read(name) == new_wheel.read(name), (
                f"{name} in the committed zip's wheel is out of date: run `lmm-seminar release` and commit assignments/")


def test_release_output_carries_no_kernel_transport_warning(release):
    assert "running over TCP" not in release.output
