"""Hostile submissions get no credit for wrong answers and do no damage.

Each case is the solution notebook with a few cells of its own. Most try to
*cheat* on q2c: they set a wrong ``correlation`` and then, if their route to
the answer key, the hidden tests or the checks works, replace it with the
right value or disable the check. Blocked, they score 0 on q2c and full marks
elsewhere. The others try to damage the grading run. The whole table is
graded in one run with the sandbox required, as CI grades.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

import notebooks
from conftest import lmm_seminar

FULL = 9.0
#: A wrong correlation every cheating case starts from.
WRONG_R = "correlation = 0.1\n"


@dataclass(frozen=True)
class Attack:
    name: str
    #: code added (a cheat: right after q2c's answer cell; damage: at the end); {out} and {others} are filled in
    cell: str
    #: points expected on q2c (0: the cheat was blocked)
    q2c: float = 0.0
    status: str = "graded"


CHEATS = [
    Attack("patched_numpy_and_math", WRONG_R + """
import math
np.isclose = lambda *a, **k: True
np.allclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
"""),
    Attack("imports_the_answer_key", WRONG_R + """
try:
    import sleepstudy_reference
    correlation = sleepstudy_reference.answers()["correlation"]
except Exception:
    pass
"""),
    Attack("finds_the_answer_key_by_path", WRONG_R + """
import glob
found = glob.glob("/proc/*/cwd/*/sleepstudy_reference.py") + glob.glob("/proc/*/root/tmp/*/files/sleepstudy_reference.py")
for root in ("/tmp", "/jobs", "/worker", "/data", "/scratch", "/work", "/root", "/autograder", "/home"):
    found += glob.glob(root + "/**/sleepstudy_reference.py", recursive=True)
for path in found:
    try:
        space = {}
        exec(open(path).read(), space)
        correlation = space["correlation"](sleep_study_data)
        break
    except Exception:
        pass
"""),
    Attack("scans_sys_modules_for_the_key", WRONG_R + """
import sys
for module in list(sys.modules.values()):
    if hasattr(module, "spearman_correlation") and hasattr(module, "correlation"):
        correlation = module.correlation(sleep_study_data)
"""),
    Attack("patches_the_checks_and_otter", WRONG_R + """
import sys, types
fake = types.ModuleType("answer_checks")
fake.check_number = lambda *a, **k: None
sys.modules["answer_checks"] = fake
try:
    import otter.test_files
    otter.test_files.ExceptionTestFile.run = lambda self, env: None
except Exception:
    pass
"""),
    Attack("plants_passing_tests_and_results", WRONG_R + """
import glob, os
planted = 'from otter.test_files import test_case\\nname = "q2c"\\npoints = 0.5\\n@test_case(points=0.5, hidden=True)\\ndef test_ok():\\n    pass\\n'
for folder in ["tests", "/tmp/tests", "/jobs", "/autograder/source/tests"] + glob.glob("/tmp/*/tests") + glob.glob("/tmp/*/*/tests"):
    try:
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, "q2c.py"), "w").write(planted)
    except OSError:
        pass
for name in glob.glob("/tmp/**/results.json", recursive=True) + glob.glob("/jobs/*/output.jsonl"):
    try:
        open(name, "w").write("{}")
    except OSError:
        pass
"""),
]

DAMAGE = [
    Attack("writes_to_the_output_folder_and_other_submissions", """
for target in ["{out}/grades.csv", "{out}/results.json", "{others}/a_classmate.ipynb"]:
    try:
        open(target, "w").write("HACKED")
    except OSError:
        pass
""", q2c=0.5),
    Attack("memory_hog", "hog = bytearray(6 * 1024 ** 3)\n", q2c=0.5),
    Attack("process_spawner_and_detached_daemon", """
import os, subprocess
subprocess.Popen(["sh", "-c", "sleep 8; echo HACKED > {out}/grades.csv"], start_new_session=True)
for _ in range(500):
    try:
        if os.fork() == 0:
            os.setsid()
            import time
            time.sleep(600)
            os._exit(0)
    except OSError:
        break
""", q2c=0.5),
    Attack("chdir_closed_figures_and_redefined_libraries", """
import os
os.chdir("/")
plt.close("all")
np = pd = plt = sm = smf = None
""", q2c=0.5),
    Attack("sleeps_past_the_timeout", "import time\ntime.sleep(3600)\n", q2c=0.0, status="timeout"),
]

ATTACKS = CHEATS + DAMAGE
TIMEOUT = 40


def _sandbox_required() -> None:
    from lmm_seminar.grading.sandbox import sandbox_problem

    problem = sandbox_problem()
    if problem and os.environ.get("CI") != "true":
        pytest.skip(f"no sandbox on this machine: {problem}")


@dataclass(frozen=True)
class HostileRun:
    out: Path
    rows: dict[str, dict[str, str]]
    details: dict[str, dict]
    classmate: Path
    classmate_hash: str
    csv_text: str


@pytest.fixture(scope="module")
def hostile_run(release, tmp_path_factory) -> HostileRun:
    _sandbox_required()
    folder = tmp_path_factory.mktemp("hostile")
    out = tmp_path_factory.mktemp("hostile-out")
    solution = notebooks.read(release.solution_notebook)
    answer_cell = notebooks.answer_cells(solution)["q2c"]
    classmate = folder / "a_classmate.ipynb"
    nbformat.write(solution, classmate)
    for attack in ATTACKS:
        nb = notebooks.read(release.solution_notebook)
        source = attack.cell.replace("{out}", str(out)).replace("{others}", str(folder))
        # a cheat sits before q2c's check (so its answer is the one judged); damage comes at the very end
        nb.cells.insert(answer_cell + 1 if attack in CHEATS else len(nb.cells), nbformat.v4.new_code_cell(source))
        nbformat.write(nb, folder / f"{attack.name}.ipynb")
    # a zip whose entries climb out of the folder, and a zip bomb
    with zipfile.ZipFile(folder / "zip_with_parent_paths.zip", "w") as archive:
        archive.writestr("../../escaped.ipynb", classmate.read_text())
        archive.writestr("../../../tmp/escaped.txt", "HACKED")
    with zipfile.ZipFile(folder / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.ipynb", b"\0" * (300 * 1024**2))
    # file names that a spreadsheet would run as formulas
    for name in ("=HYPERLINK(evil)", "@SUM(A1)", "-2+3"):
        nbformat.write(solution, folder / f"{name}.ipynb")
    classmate_hash = hashlib.sha256(classmate.read_bytes()).hexdigest()
    completed = lmm_seminar("grade", str(folder), "--autograder", str(release.autograder_zip), "--out", str(out),
                            "--jobs", "2", "--timeout", str(TIMEOUT), "--require-sandbox", "--no-progress", timeout=1200)
    assert completed.returncode == 0, completed.stderr
    import time

    time.sleep(10)  # longer than the detached process would wait before writing
    text = (out / "grades.csv").read_text()
    with (out / "grades.csv").open(newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    details = {d["submission"]: d for d in json.loads((out / "results.json").read_text())}
    return HostileRun(out, rows, details, classmate, classmate_hash, text)


@pytest.mark.parametrize("attack", CHEATS, ids=lambda a: a.name)
def test_a_cheat_gets_no_credit_for_its_wrong_answer(hostile_run, attack):
    row = hostile_run.rows[attack.name]
    assert row["status"] == "graded", row["message"]
    assert float(row["q2c"]) == 0.0
    assert float(row["score"]) == FULL - 0.5


@pytest.mark.parametrize("attack", DAMAGE, ids=lambda a: a.name)
def test_a_damaging_submission_is_graded_on_its_own_answers(hostile_run, attack):
    row = hostile_run.rows[attack.name]
    assert row["status"] == attack.status, row["message"]
    if attack.status == "graded":
        assert float(row["score"]) == FULL


def test_nothing_outside_the_scratch_folder_was_written(hostile_run):
    assert "HACKED" not in hostile_run.csv_text
    assert "HACKED" not in (hostile_run.out / "results.json").read_text()
    assert hashlib.sha256(hostile_run.classmate.read_bytes()).hexdigest() == hostile_run.classmate_hash
    assert float(hostile_run.rows["a_classmate"]["score"]) == FULL
    assert not Path("/tmp/escaped.txt").exists()


def test_no_process_of_a_submission_outlives_the_run(hostile_run):
    from lmm_seminar.grading.sandbox import FIRST_UID

    left = [p.info for p in psutil.process_iter(["pid", "uids", "cmdline"])
            if p.info["uids"] and FIRST_UID <= p.info["uids"].real < FIRST_UID + 1000]
    assert left == []


def test_the_memory_hog_is_stopped_and_told_why(hostile_run):
    errors = hostile_run.details["memory_hog"]["cell_errors"]
    assert [e["type"] for e in errors] == ["MemoryError"]


def test_a_zip_bomb_and_parent_paths_become_rows_with_reasons(hostile_run):
    assert hostile_run.rows["zip_bomb"]["status"] == "error"
    assert "too large" in hostile_run.rows["zip_bomb"]["message"]
    assert float(hostile_run.rows["zip_with_parent_paths"]["score"]) == FULL


def test_formula_file_names_are_escaped_in_the_grade_table(hostile_run):
    first_cells = [line.split(",")[0] for line in hostile_run.csv_text.splitlines()[1:]]
    assert not [cell for cell in first_cells if cell[:1] in "=+-@"]
    assert {"'@SUM_A1", "'-2+3"} <= set(first_cells)


def test_the_summary_says_how_isolated_the_run_was(hostile_run):
    summary = (hostile_run.out / "summary.md").read_text()
    assert "sandboxed with bubblewrap" in summary
    assert all("bubblewrap" in d["isolation"] for d in hostile_run.details.values())


def test_feedback_never_shows_hidden_test_source(hostile_run):
    for page in (hostile_run.out / "feedback").glob("*.md"):
        text = page.read_text()
        assert "def test_" not in text and "sleepstudy_reference" not in text and "Traceback" not in text
