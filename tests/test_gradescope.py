"""The autograder zip on Gradescope: graded by the project's engine and judge, with the sandbox's guarantees.

Every test runs the zip as Gradescope does (``gradescope_container``): unpacked
into a source folder, ``setup.sh`` run, then ``run_autograder`` as root per
submission. Each runs twice: with bubblewrap, and with it refused, as in
Gradescope's Docker containers, where the uid tier isolates the student's code.
"""

from __future__ import annotations

import os
import time

import nbformat
import psutil
import pytest

import notebooks
from conftest import ASSIGNMENT, REPO
from gradescope_container import GradescopeContainer, question_scores

FULL = 9.0
#: Visibilities Gradescope accepts for a test.
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
TIERS = {"bubblewrap": True, "uid": False}


def _isolation_required() -> None:
    from lmm_seminar.grading.sandbox import sandbox_problem, uid_problem

    problem = sandbox_problem() or uid_problem()
    if problem and os.environ.get("CI") != "true":
        pytest.skip(f"no isolation on this machine: {problem}")


@pytest.fixture(scope="module")
def container(release):
    _isolation_required()
    made = GradescopeContainer.set_up(release.autograder_zip)
    yield made
    made.remove()


@pytest.fixture(scope="module", params=list(TIERS))
def tier(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def solution_results(container, tier, release) -> dict:
    """The solution's results.json under each tier (read by several tests, graded once)."""
    return submit(container, tier, notebooks.read(release.solution_notebook))


def submit(container: GradescopeContainer, tier: str, *notebooks_) -> dict:
    results, _ = container.submit(*notebooks_, bubblewrap=TIERS[tier])
    return results


def solution_with(release, cell: str, after: str = "q2c") -> nbformat.NotebookNode:
    nb = notebooks.read(release.solution_notebook)
    nb.cells.insert(notebooks.answer_cells(nb)[after] + 1, nbformat.v4.new_code_cell(cell))
    return nb


# ----------------------------------------------------------------------------------- scores


def test_the_solution_scores_full_marks(solution_results, tier, release):
    results = solution_results
    assert results["score"] == FULL
    assert set(question_scores(results).values()) != {0.0}


def test_the_blank_notebook_scores_nothing(container, tier, release):
    results = submit(container, tier, notebooks.read(release.student_notebook))
    assert results["score"] == 0.0
    assert set(question_scores(results).values()) == {0.0}


def test_the_isolation_line_names_the_tier_that_ran(solution_results, tier, release):
    results = solution_results
    said = results["extra_data"]["isolation"]
    assert said.startswith("sandboxed with bubblewrap" if tier == "bubblewrap" else "isolated by uid")
    assert said in results["output"]


def test_results_follow_gradescopes_format(solution_results, tier, release):
    results = solution_results
    assert results["output_format"] == "md" and results["stdout_visibility"] == "hidden"
    for test in results["tests"]:
        assert test["visibility"] in VISIBILITIES and test["output_format"] == "md"
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0 == test["score"]
    names = [test["name"] for test in results["tests"]]
    assert names[0] == "Notebook run" and results["tests"][0]["visibility"] == "visible"
    assert sum(question_scores(results).values()) == pytest.approx(results["score"])


def test_each_part_is_a_test_shown_once_grades_are_published(solution_results, tier, release):
    from lmm_seminar.grading.engine import autograded_questions

    questions, points = autograded_questions(release.autograder_zip)
    results = solution_results
    parts = {t["name"]: t for t in results["tests"] if t["name"] in points}
    assert list(parts) == questions
    assert all(t["visibility"] == "after_published" and t["max_score"] == points[t["name"]] for t in parts.values())


def test_written_parts_wait_for_marks_by_hand(solution_results, tier, release):
    results = solution_results
    written = [t for t in results["tests"] if t["name"].endswith("(written)")]
    assert [t["name"] for t in written][:2] == ["q1b_written (written)", "q3b_written (written)"]
    assert all(t["max_score"] == 0 and "marked by hand" in t["output"] for t in written)


def test_a_wrong_answer_loses_its_points_and_says_why(container, tier, release):
    results = submit(container, tier, solution_with(release, "correlation = 0.1\n"))
    assert question_scores(results)["q2c"] == 0.0
    assert results["score"] == FULL - 0.5
    q2c = next(t for t in results["tests"] if t["name"] == "q2c")
    assert q2c["status"] == "failed" and "correlation" in q2c["output"]


def test_a_submission_without_a_notebook_is_told_so(container, tier):
    results, _ = container.submit(bubblewrap=TIERS[tier])
    assert results["score"] == 0.0
    assert "no notebook" in results["output"]


# ----------------------------------------------------------------------------------- hostile

#: Each starts from a wrong q2c and tries, through Gradescope's own folders, to score it anyway.
GRADESCOPE_CHEATS = {
    "imports_the_answer_key": """
correlation = 0.1
import sys
sys.path += ["{root}/source/files", "{root}/source"]
import sleepstudy_reference
correlation = sleepstudy_reference.answers()["correlation"]
""",
    "reads_the_source_folder": """
correlation = 0.1
namespace = {{}}
exec(open("{root}/source/files/sleepstudy_reference.py").read(), namespace)
correlation = namespace["answers"]()["correlation"]
""",
    "writes_its_own_results": """
correlation = 0.1
import json, os
forged = {{"score": 1000, "tests": [{{"name": "q2c", "score": 1000, "max_score": 0.5}}]}}
os.makedirs("{root}/results", exist_ok=True)
with open("{root}/results/results.json.new", "w") as f:
    json.dump(forged, f)
os.replace("{root}/results/results.json.new", "{root}/results/results.json")
""",
}


@pytest.mark.parametrize("cheat", list(GRADESCOPE_CHEATS))
def test_a_cheat_through_gradescopes_folders_gets_nothing(container, tier, release, cheat):
    cell = GRADESCOPE_CHEATS[cheat].format(root=container.root)
    results = submit(container, tier, solution_with(release, cell))
    assert results["score"] == FULL - 0.5
    assert question_scores(results)["q2c"] == 0.0
    run = results["tests"][0]["output"]
    assert "cell" in run and ("Error" in run or "denied" in run)  # the cheat's cell raised, and the student is told


def test_a_process_left_behind_cannot_replace_the_results(container, tier, release):
    from lmm_seminar.grading.sandbox import FIRST_UID

    cell = f"""
import os, subprocess
subprocess.Popen(["sh", "-c", "sleep 4; echo '{{\\"score\\": 1000}}' > {container.root}/results/results.json"],
                 start_new_session=True)
if os.fork() == 0:
    os.setsid()
    import time
    time.sleep(600)
    os._exit(0)
"""
    results = submit(container, tier, solution_with(release, cell, after="q6a"))
    time.sleep(6)  # longer than the detached shell waits before writing
    assert results["score"] == FULL
    assert '"score": 9.0' in (container.root / "results" / "results.json").read_text()
    left = [p.info for p in psutil.process_iter(["pid", "uids"])
            if p.info["uids"] and FIRST_UID <= p.info["uids"].real < FIRST_UID + 1000]
    assert left == []


def test_student_code_cannot_see_gradescopes_folders(container, tier, release):
    probe = f"""
import os
seen = []
for folder in ("{container.root}/source", "{container.root}/source/tests", "{container.root}/results", "{container.root}/submission"):
    try:
        seen.append(os.listdir(folder))
    except OSError:
        pass
if seen:
    correlation = 0.1
"""
    results = submit(container, tier, solution_with(release, probe))
    assert question_scores(results)["q2c"] == 0.5


def test_setup_closes_the_check_library_to_other_users(container):
    packages = list(container.venv.glob("lib/python*/site-packages/lmm_seminar"))
    assert packages and packages[0].stat().st_mode & 0o007 == 0


# ----------------------------------------------------------------------------------- the corpus


@pytest.mark.slow
def test_a_sample_of_the_corpus_scores_as_lmm_seminar_grade_scores_it(container, tier, class_folder, graded_class):
    corpus_files = sorted((class_folder / "corpus").glob("*.ipynb"))
    sample = corpus_files[:: max(1, len(corpus_files) // 3)]  # the whole corpus runs under the uid tier below
    for path in sample:
        results, _ = container.submit(path, bubblewrap=TIERS[tier])
        row = graded_class.rows[path.stem]
        assert results["score"] == pytest.approx(float(row["score"] or 0)), path.stem


def test_the_uid_tier_will_not_run_code_while_other_users_could_read_an_answer_key(container, release):
    site_packages = next(container.venv.glob("lib/python*/site-packages"))
    planted = site_packages / "sleepstudy_reference.py"
    planted.write_bytes((REPO / "source" / ASSIGNMENT / "sleepstudy_reference.py").read_bytes())
    os.chmod(planted, 0o644)
    try:
        results, completed = container.submit(notebooks.read(release.solution_notebook), bubblewrap=False)
    finally:
        planted.unlink()
    assert results["score"] == 0.0
    assert "could not isolate" in results["output"]
    assert "other users can read" in completed.stderr and "sleepstudy_reference.py" in completed.stderr


def test_isolation_falls_back_to_the_uid_tier_where_bubblewrap_is_refused(monkeypatch):
    from lmm_seminar.grading.sandbox import choose_isolation, uid_problem

    if uid_problem():
        pytest.skip(uid_problem())
    monkeypatch.setenv("LMM_SEMINAR_NO_BUBBLEWRAP", "1")
    tier, reason = choose_isolation("auto")
    assert tier == "uid" and "bubblewrap is switched off" in reason


@pytest.mark.slow
def test_the_uid_tier_grades_the_corpus_as_bubblewrap_does(class_folder, graded_class, release, tmp_path):
    from conftest import lmm_seminar, read_grade_run

    _isolation_required()
    out = tmp_path / "uid"
    completed = lmm_seminar("grade", str(class_folder / "corpus"), "--autograder", str(release.autograder_zip),
                            "--out", str(out), "--jobs", "2", "--timeout", "45", "--isolation", "uid",
                            "--require-sandbox", "--no-progress", timeout=3000)
    run = read_grade_run(completed, out)
    assert completed.returncode == 0, completed.stderr
    assert run.rows and all(d["isolation"].startswith("isolated by uid") for d in run.details.values())
    differ = {name: (row["score"], graded_class.rows[name]["score"]) for name, row in run.rows.items()
              if row["score"] != graded_class.rows[name]["score"]}
    assert differ == {}


def test_the_second_seminars_zip_grades_the_same_way(release):
    """A second assignment needs nothing of its own on Gradescope: its zip is set up and graded as the first's."""
    from conftest import SLOPES

    _isolation_required()
    slopes = GradescopeContainer.set_up(release.of(SLOPES).autograder_zip)
    try:
        solution, _ = slopes.submit(notebooks.read(release.of(SLOPES).solution_notebook), bubblewrap=False)
        blank, _ = slopes.submit(notebooks.read(release.of(SLOPES).student_notebook), bubblewrap=False)
    finally:
        slopes.remove()
    assert (solution["score"], blank["score"]) == (9.0, 0.0)
    assert [t["name"] for t in solution["tests"] if t["name"].endswith("(written)")] == [
        "q1b_written (written)", "q4b_written (written)", "q5c_written (written)", "q6b_written (written)"]
