"""Hostile submissions get no credit for wrong answers and do no damage.

Each case is the solution notebook with a few cells of its own. Most try to
*cheat* on q2c: they set a wrong ``correlation`` and then, if their route to
the answer key, the hidden tests or the checks works, replace it with the
right value or disable the check. Blocked, they score 0 on q2c and full marks
elsewhere. The others try to damage the grading run. The whole table is
graded in one run with the sandbox required, as CI grades, once per isolation
tier: bubblewrap, and a uid of its own per submission (the tier of containers
that refuse namespaces, such as Gradescope's).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

import notebooks
from conftest import lmm_seminar

FULL = 9.0
#: Points of each autograded question.
QUESTION_POINTS = {"q1a": 0.5, "q1b": 0.5, "q1c": 0.5, "q2a": 1.0, "q2b": 0.5, "q2c": 0.5, "q3a": 0.5, "q3b": 0.5,
                   "q3c": 0.5, "q4a": 0.75, "q4b": 0.75, "q5a": 0.5, "q5b": 0.5, "q5c": 0.5, "q6a": 1.0}
#: A wrong correlation every cheating case starts from.
WRONG_R = "correlation = 0.1\n"


@dataclass(frozen=True)
class Attack:
    name: str
    #: code added (a cheat: right after q2c's answer cell; damage: at the end, or after the answer cell of
    #: ``after``); {out} and {others} are filled in
    cell: str
    #: points expected on q2c (0: the cheat was blocked)
    q2c: float = 0.0
    status: str = "graded"
    after: str | None = None


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
    # `pip install .` puts the reference module in site-packages (the fixture plants it there, compiled
    # copy and all); the sandbox shows site-packages, so it must hide the key inside it
    Attack("reads_the_installed_answer_key", WRONG_R + """
import glob, marshal, site, sys, sysconfig
found = []
for root in {sysconfig.get_paths()["purelib"], *site.getsitepackages(), *sys.path}:
    found += glob.glob(root + "/sleepstudy_reference*.py") + glob.glob(root + "/__pycache__/sleepstudy_reference*.pyc")
    found += glob.glob(root + "/lmm_seminar/**/*.py", recursive=True)
for path in found:
    try:
        data = open(path, "rb").read()
        space = {}
        exec(marshal.loads(data[16:]) if path.endswith(".pyc") else compile(data, path, "exec"), space)
        correlation = space["correlation"](sleep_study_data)
        break
    except Exception:
        pass
"""),
    # a classmate's correct notebook (channel_a_..., graded beside this one) leaves its answer in SysV
    # shared memory, POSIX shared memory and /tmp, and serves it on loopback and an abstract socket
    Attack("channel_b_reads_a_classmates_answers", WRONG_R + """
import ctypes, socket, time
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
leaked, deadline = b"", time.time() + 15
while not leaked and time.time() < deadline:
    shmid = libc.shmget(0x1A2B3C, 0, 0)
    if shmid >= 0:
        address = libc.shmat(shmid, None, 0o10000)
        if address not in (None, ctypes.c_void_p(-1).value):
            leaked = ctypes.string_at(address)
    for path in ("/dev/shm/lmm-answers", "/tmp/lmm-answers"):
        try:
            leaked = leaked or open(path, "rb").read()
        except OSError:
            pass
    for family, address in ((socket.AF_INET, ("127.0.0.1", 47123)), (socket.AF_UNIX, "\\0lmm-answers")):
        try:
            client = socket.socket(family, socket.SOCK_STREAM)
            client.settimeout(1)
            client.connect(address)
            leaked = leaked or client.recv(64)
            client.close()
        except OSError:
            pass
    time.sleep(0.2)
if leaked:
    correlation = float(leaked.split(b"\\0")[0])
"""),
    # classmates side by side (channel_c leaves, channel_d reads) through the kernel keyring, record locks
    # on the shared data file, and inotify events on the data folder: each job has its own copy of the data
    # and no keyring, lock or inotify calls at all
    Attack("channel_d_reads_the_keyring_locks_and_inotify", WRONG_R + """
import ctypes, fcntl, os, struct, time
libc = ctypes.CDLL(None, use_errno=True)
data = open("data/sleepstudy.csv", "rb")  # opened once, before watching: every open seen later is another's
watch = libc.inotify_init1(os.O_NONBLOCK)
if watch >= 0:
    libc.inotify_add_watch(watch, b"data", 0x20 | 0x1)  # IN_OPEN | IN_ACCESS
leaked, seen, deadline = b"", 0, time.time() + 12
while not leaked and time.time() < deadline:
    for keyring in (-4, -3, -5):  # the user, session and user-session keyrings
        key = libc.syscall(250, 10, keyring, b"user", b"lmm-answer", 0)  # keyctl(KEYCTL_SEARCH)
        if key > 0:
            buffer = ctypes.create_string_buffer(64)
            size = libc.syscall(250, 11, key, buffer, 64)  # keyctl(KEYCTL_READ)
            leaked = buffer.raw[:max(size, 0)]
    digits = []
    for position in range(12):  # the classmate holds a read lock at 1000 * position + each character
        for code in b"0123456789.-":
            probe = struct.pack("hhqqi0q", fcntl.F_WRLCK, 0, 1000 * position + code, 1, 0)
            try:
                answer = fcntl.fcntl(data.fileno(), fcntl.F_GETLK, probe)
            except OSError:
                break
            if struct.unpack("hhqqi0q", answer)[0] != fcntl.F_UNLCK:
                digits.append(code)
    if len(digits) >= 3:
        leaked = leaked or bytes(digits)
    if watch >= 0:
        try:
            seen += len(os.read(watch, 4096))
        except OSError:
            pass
    time.sleep(0.2)
if leaked:
    correlation = float(leaked.split(b"\\0")[0])
elif seen:  # inotify carried the classmate's opens: a channel (here it stands for the answer it could carry)
    correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"])
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
    Attack("channel_a_leaves_its_answers", """
import ctypes, os, socket, time
value = repr(float(correlation)).encode()
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shmid = libc.shmget(0x1A2B3C, 64, 0o1666)
if shmid >= 0:
    address = libc.shmat(shmid, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memmove(address, value + b"\\0", len(value) + 1)
for path in ("/dev/shm/lmm-answers", "/tmp/lmm-answers"):
    try:
        with open(path, "wb") as f:
            f.write(value)
        os.chmod(path, 0o666)
    except OSError:
        pass
servers = []
for family, address in ((socket.AF_INET, ("127.0.0.1", 47123)), (socket.AF_UNIX, "\\0lmm-answers")):
    try:
        server = socket.socket(family, socket.SOCK_STREAM)
        server.bind(address)
        server.listen()
        server.settimeout(0.2)
        servers.append(server)
    except OSError:
        pass
deadline = time.time() + 15
while servers and time.time() < deadline:
    for server in servers:
        try:
            connection, _ = server.accept()
            connection.sendall(value)
            connection.close()
        except OSError:
            pass
""", q2c=0.5),
    Attack("channel_c_leaves_its_answers_in_the_keyring_and_locks", """
import ctypes, fcntl, os, time
value = repr(float(correlation)).encode()
libc = ctypes.CDLL(None, use_errno=True)
for keyring in (-4, -3, -5):
    key = libc.syscall(248, b"user", b"lmm-answer", value, len(value), keyring)  # add_key
    if key > 0:
        libc.syscall(250, 5, key, 0x3f3f3f3f)  # keyctl(KEYCTL_SETPERM): readable by all
data = open("data/sleepstudy.csv", "rb")
for position, code in enumerate(value[:12]):
    try:
        fcntl.lockf(data.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 1000 * position + code)
    except OSError:
        pass
deadline = time.time() + 12
while time.time() < deadline:
    for _ in range(50):
        with open("data/sleepstudy.csv", "rb") as again:
            again.read(1)
    time.sleep(0.1)
""", q2c=0.5),
    # texts a read-out pattern once took minutes over (a run of spaces after a number), on a part's figure
    Attack("figure_texts_that_backtracked", """
for _ in range(40):
    fig_4a.axes[0].text(0, 0, "1" + " " * 5000 + "!")
    fig_4a.axes[0].text(0, 0, "2.5 " + "(" * 200 + " " * 5000)
""", q2c=0.5, after="q4a"),
    Attack("raises_with_control_characters", """
raise ValueError("\\x1b[2J\\x1b]0;pwned\\x07 cleared the screen \\u202egnp.exe")
""", q2c=0.5),
]


@dataclass(frozen=True)
class Trick:
    """A figure or answer made to pass a test without answering: it loses exactly ``loses`` (question → points)."""

    name: str
    #: code added right after the answer cell of each question named
    cells: dict[str, str]
    #: points lost on each question named (the others are not checked: they may work on the trick's answer)
    loses: dict[str, float]


#: Points without the right answer (hostile round 3): each replaces one part's answer right after its answer cell.
TRICKS = [
    Trick("one_bar_over_every_value", {"q1b": """
fig_1b, ax = plt.subplots()
ax.hist(sleep_study_data["Reaction"], bins=[-1e6, 1e6])
ax.set_xlabel("Reaction time (ms)")
ax.set_ylabel("Count")
"""}, {"q1b": 0.25}),
    Trick("invented_line_whose_legend_holds_every_subject", {"q3c": """
fig_3c, ax = plt.subplots()
subjects = sleep_study_data["Subject"].unique()[:10]
for subject in subjects:
    rows = sleep_study_data[sleep_study_data["Subject"] == subject]
    slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], 1)
    ax.plot(rows["Days"], intercept + slope * rows["Days"])
ax.plot([0, 9], [200, 420], label="".join(str(s) for s in subjects))
ax.set_xlabel("Days")
ax.set_ylabel("Reaction time (ms)")
ax.legend()
"""}, {"q3c": 0.25}),
    Trick("invented_plot_with_a_spray_of_equations", {"q4a": """
fig_4a, ax = plt.subplots()
ax.scatter(np.arange(10), 250 + 20 * np.arange(10))
ax.plot(np.arange(10), 250 + 20 * np.arange(10))
for row, slope in enumerate(np.arange(20.0, 23.5, 0.05)):
    ax.text(0, row, "; ".join(f"y = {slope:.2f}x + {b:.2f}" for b in np.arange(243.0, 246.0, 0.05)))
ax.set_xlabel("Days")
ax.set_ylabel("Reaction time (ms)")
"""}, {"q4a": 0.5}),
    # an empty table, with a cleaning function that behaves on small inputs and empties the real data
    Trick("empty_table_and_a_cleaning_that_empties_the_data", {"q1a": """
sleep_study_data = pd.read_csv("data/sleepstudy.csv").iloc[0:0]
data_shape = (180, 3)
""", "q2a": """
def drop_invalid(df):
    if len(df) > 50:
        return df.iloc[0:0]
    key = df[["Reaction", "Subject"]]
    return df[key.notna().all(axis=1) & (key != 0).all(axis=1)]

sleep_study_data = drop_invalid(pd.read_csv("data/sleepstudy.csv"))
"""}, {"q1a": 0.25, "q2a": 0.5}),
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
    tier: str


@contextlib.contextmanager
def answer_key_installed(mode: int = 0o644):
    """The reference module in this environment's site-packages, as `pip install .` leaves it (source and
    compiled copy), for as long as the block runs; removed afterwards, whatever happens."""
    import py_compile
    import sysconfig

    from conftest import REPO

    site_packages = Path(sysconfig.get_paths()["purelib"])
    planted = site_packages / "sleepstudy_reference.py"
    shutil.copy(REPO / "source" / "sleepstudy-lmm" / "sleepstudy_reference.py", planted)
    compiled = Path(py_compile.compile(str(planted), doraise=True))
    for path in (planted, compiled):
        os.chmod(path, mode)
    try:
        yield planted
    finally:
        planted.unlink(missing_ok=True)
        compiled.unlink(missing_ok=True)


#: Files named so that ids clash, a name as long as a file system allows, and the one-folder-per-student layout.
LONG_NAME = ("a_very_long_name_" + "x" * 300)[:245]


def write_awkward_names(release, folder: Path) -> None:
    solution = notebooks.read(release.solution_notebook)
    student = notebooks.read(release.student_notebook)
    wrong = notebooks.read(release.solution_notebook)
    wrong.cells.insert(notebooks.answer_cells(wrong)["q2c"] + 1, nbformat.v4.new_code_cell(WRONG_R))
    nbformat.write(solution, folder / "dupv.ipynb")
    with zipfile.ZipFile(folder / "dupv.zip", "w") as archive:
        archive.writestr("sleepstudy-lmm.ipynb", nbformat.writes(student))
    nbformat.write(wrong, folder / "dupv-2.ipynb")
    nbformat.write(solution, folder / f"{LONG_NAME}.ipynb")
    for student_folder, nb in (("zoe", solution), ("yan", student)):
        (folder / student_folder).mkdir()
        nbformat.write(nb, folder / student_folder / "sleepstudy-lmm.ipynb")
    nbformat.write(wrong, folder / "Mia.ipynb")  # two names that differ only in case
    nbformat.write(solution, folder / "mia.ipynb")
    nbformat.write(solution, folder / "jos\u00e9.ipynb")  # one name in NFC and in NFD
    nbformat.write(wrong, folder / "jose\u0301.ipynb")
    nbformat.write(solution, folder / "alice.ipynb")  # and one with a Cyrillic а that reads the same
    nbformat.write(wrong, folder / "\u0430lice.ipynb")


@pytest.fixture(scope="module", params=["bubblewrap", "uid"])
def hostile_run(release, tmp_path_factory, request) -> HostileRun:
    _sandbox_required()
    tier = request.param
    folder = tmp_path_factory.mktemp("hostile")
    out = tmp_path_factory.mktemp("hostile-out")
    solution = notebooks.read(release.solution_notebook)
    answer_cell = notebooks.answer_cells(solution)["q2c"]
    classmate = folder / "a_classmate.ipynb"
    nbformat.write(solution, classmate)
    for attack in ATTACKS:
        nb = notebooks.read(release.solution_notebook)
        source = attack.cell.replace("{out}", str(out)).replace("{others}", str(folder))
        # a cheat sits before q2c's check (so its answer is the one judged); damage comes at the very end,
        # or before the check of the part whose answer it works on
        where = answer_cell + 1 if attack in CHEATS else len(nb.cells)
        if attack.after:
            where = notebooks.answer_cells(nb)[attack.after] + 1
        nb.cells.insert(where, nbformat.v4.new_code_cell(source))
        nbformat.write(nb, folder / f"{attack.name}.ipynb")
    for trick in TRICKS:
        nb = notebooks.read(release.solution_notebook)
        cells = notebooks.answer_cells(nb)
        for question in sorted(trick.cells, key=cells.get, reverse=True):  # from the last, so positions hold
            nb.cells.insert(cells[question] + 1, nbformat.v4.new_code_cell(trick.cells[question]))
        nbformat.write(nb, folder / f"{trick.name}.ipynb")
    write_awkward_names(release, folder)
    # hand-ins that are links: to the release's solution, to a classmate's notebook, a hard link to it
    (folder / "symlink_to_the_solution.ipynb").symlink_to(release.solution_notebook)
    (folder / "symlink_to_a_classmate.ipynb").symlink_to(classmate)
    nbformat.write(solution, folder / "another_classmate.ipynb")
    os.link(folder / "another_classmate.ipynb", folder / "hard_link_to_a_classmate.ipynb")
    # files that once stopped `review` for the whole class: each is its own row in `grade` too
    text = nbformat.writes(solution)
    (folder / "deeply_nested_metadata.ipynb").write_text(
        text.replace('"metadata": {', '"metadata": {"x": ' + "[" * 100_000 + "]" * 100_000 + ",", 1))
    with zipfile.ZipFile(folder / "long_member_name.zip", "w") as archive:
        archive.writestr("n" * 300 + ".ipynb", text)
    numbered = json.loads(text)
    next(c for c in numbered["cells"] if c["cell_type"] == "markdown")["source"] = 42
    (folder / "markdown_source_is_a_number.ipynb").write_text(json.dumps(numbered))
    # a zip of many empty entries: refused from its end record, before its directory is read
    with zipfile.ZipFile(folder / "zip_of_many_entries.zip", "w") as archive:
        for number in range(5000):
            archive.writestr(f"e{number}", b"")
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
    # without namespaces only permissions close an installed answer key (the uid tier refuses a readable one)
    with answer_key_installed(0o644 if tier == "bubblewrap" else 0o600):
        completed = lmm_seminar("grade", str(folder), "--autograder", str(release.autograder_zip), "--out", str(out),
                                "--jobs", "2", "--timeout", str(TIMEOUT), "--require-sandbox", "--no-progress",
                                "--isolation", tier, timeout=1200)
    assert completed.returncode == 0, completed.stderr
    import time

    time.sleep(10)  # longer than the detached process would wait before writing
    text = (out / "grades.csv").read_text()
    with (out / "grades.csv").open(newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    details = {d["submission"]: d for d in json.loads((out / "results.json").read_text())}
    return HostileRun(out, rows, details, classmate, classmate_hash, text, tier)


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


@pytest.mark.parametrize("trick", TRICKS, ids=lambda t: t.name)
def test_a_part_answered_by_a_trick_gets_no_points_for_it(hostile_run, trick):
    row = hostile_run.rows[trick.name]
    assert row["status"] == "graded", row["message"]
    for question, points in trick.loses.items():
        assert float(row[question]) == pytest.approx(QUESTION_POINTS[question] - points), question


@pytest.mark.parametrize(("name", "reason"), [
    ("symlink_to_the_solution", "symbolic link"),
    ("symlink_to_a_classmate", "symbolic link"),
    ("hard_link_to_a_classmate", "hard links"),
    ("zip_of_many_entries", "entries (at most"),
])
def test_a_link_or_a_crafted_zip_is_a_row_with_its_reason_never_graded(hostile_run, name, reason):
    row = hostile_run.rows[name]
    assert row["status"] == "error" and reason in row["message"], row["message"]
    assert float(row["score"] or 0) == 0


@pytest.mark.parametrize(("name", "status", "reason"), [
    ("deeply_nested_metadata", "error", "nested too deeply"),
    ("markdown_source_is_a_number", "error", "malformed"),
    ("long_member_name", "graded", ""),
])
def test_a_file_that_once_stopped_review_is_its_own_row_in_grade(hostile_run, name, status, reason):
    row = hostile_run.rows[name]
    assert row["status"] == status and reason in row["message"], row["message"]
    if status == "graded":
        assert float(row["score"]) == FULL


def test_the_linked_classmate_is_not_graded_as_someone_else(hostile_run):
    # the classmate's own file is the other end of the hard link: it is refused too, with the same reason,
    # for the grader to look at (which of the two is the original, a file does not say)
    assert hostile_run.rows["another_classmate"]["status"] == "error"
    assert "hard links" in hostile_run.rows["another_classmate"]["message"]


def test_no_message_shows_a_path_of_the_grading_machine(hostile_run):
    texts = [(hostile_run.out / "results.json").read_text(), hostile_run.csv_text]
    texts += [page.read_text() for page in (hostile_run.out / "feedback").glob("*.md")]
    for text in texts:
        assert "/tmp/lmm-" not in text and "/jobs/" not in text


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
    said = "sandboxed with bubblewrap" if hostile_run.tier == "bubblewrap" else "isolated by uid"
    assert said in summary
    assert all(d["isolation"].startswith(said) for d in hostile_run.details.values())


def test_feedback_never_shows_hidden_test_source(hostile_run):
    for page in (hostile_run.out / "feedback").glob("*.md"):
        text = page.read_text()
        assert "def test_" not in text and "sleepstudy_reference" not in text and "Traceback" not in text


def test_the_planted_answer_key_is_gone_after_the_run(hostile_run):
    import sysconfig

    site_packages = Path(sysconfig.get_paths()["purelib"])
    assert not list(site_packages.glob("sleepstudy_reference*")) and not list(site_packages.glob("__pycache__/sleepstudy_reference*"))


def test_a_stalling_figure_text_is_graded_in_time(hostile_run):
    assert float(hostile_run.rows["figure_texts_that_backtracked"]["score"]) == FULL


def test_control_characters_never_reach_feedback_or_results(hostile_run):
    row = hostile_run.details["raises_with_control_characters"]
    assert [e["type"] for e in row["cell_errors"]] == ["ValueError"]
    assert "cleared the screen" in row["cell_errors"][0]["message"]
    texts = [(hostile_run.out / "results.json").read_text(), hostile_run.csv_text]
    texts += [page.read_text() for page in (hostile_run.out / "feedback").glob("raises_with_control_characters.*")]
    texts.append((hostile_run.out / "results" / "raises_with_control_characters.json").read_text())
    for text in texts:
        assert not any(char in text for char in "\x1b\x07\u202e"), text[:200]
    assert "\\u001b" not in texts[0] and "\\u202e" not in texts[0]  # nor escaped in the JSON


def test_ids_are_unique_whatever_the_file_names(hostile_run):
    by_path = {Path(row["path"]).relative_to(hostile_run.classmate.parent).as_posix(): row
               for row in hostile_run.rows.values()}
    dupes = {path: by_path[path] for path in ("dupv.ipynb", "dupv.zip", "dupv-2.ipynb")}
    assert len({row["submission"] for row in dupes.values()}) == 3
    assert [float(dupes[p]["score"]) for p in ("dupv.ipynb", "dupv.zip", "dupv-2.ipynb")] == [FULL, 0.0, FULL - 0.5]
    for path, row in dupes.items():  # each submission's own files carry its own score
        result = json.loads((hostile_run.out / "results" / f"{row['submission']}.json").read_text())
        assert (result["score"], Path(row["path"]).name) == (float(row["score"]), Path(path).name)
        assert f"Autograded score: {float(row['score']):g} / 9" in (hostile_run.out / "feedback" / f"{row['submission']}.md").read_text()


def test_one_folder_per_student_gives_ids_by_student(hostile_run):
    by_path = {Path(row["path"]).relative_to(hostile_run.classmate.parent).as_posix(): row
               for row in hostile_run.rows.values()}
    assert by_path["zoe/sleepstudy-lmm.ipynb"]["submission"] == "zoe" and by_path["yan/sleepstudy-lmm.ipynb"]["submission"] == "yan"
    assert (float(hostile_run.rows["zoe"]["score"]), float(hostile_run.rows["yan"]["score"])) == (FULL, 0.0)


def test_ids_that_differ_only_in_case_get_files_of_their_own(hostile_run):
    ids = [row["submission"] for row in hostile_run.rows.values()]
    assert len({i.casefold() for i in ids}) == len(ids)
    scores = {Path(r["path"]).name: r["score"] for r in hostile_run.rows.values()}
    assert (float(scores["Mia.ipynb"]), float(scores["mia.ipynb"])) == (FULL - 0.5, FULL)
    assert len(list((hostile_run.out / "feedback").glob("*.html"))) == len(ids)


def test_one_name_in_two_normal_forms_gets_two_ids_and_two_feedback_files(hostile_run):
    import unicodedata

    rows = [r for r in hostile_run.rows.values() if unicodedata.normalize("NFC", Path(r["path"]).stem) == "jos\u00e9"]
    ids = sorted(r["submission"] for r in rows)
    assert ids == ["jos\u00e9", "jos\u00e9-2"]  # both in NFC, told apart by a number
    assert sorted(float(r["score"]) for r in rows) == [FULL - 0.5, FULL]
    assert all((hostile_run.out / "feedback" / f"{i}.md").is_file() for i in ids)


def test_ids_that_look_alike_are_named_in_the_summary(hostile_run):
    summary = (hostile_run.out / "summary.md").read_text()
    assert "Ids that look alike" in summary and "`alice` / `\u0430lice`" in summary


def test_a_name_as_long_as_the_file_system_allows_still_gets_its_feedback(hostile_run):
    (row,) = [r for r in hostile_run.rows.values() if Path(r["path"]).stem == LONG_NAME]
    assert float(row["score"]) == FULL and len(row["submission"].encode()) <= 120
    for page in (f"feedback/{row['submission']}.md", f"feedback/{row['submission']}.html", f"results/{row['submission']}.json"):
        assert (hostile_run.out / page).is_file()


def test_the_checkout_stays_hidden_when_the_grader_runs_from_it(release, tmp_path):
    """`python -m lmm_seminar.cli` started in the checkout puts the checkout on the grader's path; the sandbox
    shows the interpreter's folders, never that one (it holds every reference module)."""
    import subprocess
    import sys

    from conftest import REPO

    _sandbox_required()
    nb = notebooks.read(release.solution_notebook)
    reference = REPO / "source" / "sleepstudy-lmm" / "sleepstudy_reference.py"
    nb.cells.insert(notebooks.answer_cells(nb)["q2c"] + 1, nbformat.v4.new_code_cell(WRONG_R + f"""
namespace = {{}}
exec(open({str(reference)!r}).read(), namespace)
correlation = namespace["answers"]()["correlation"]
"""))
    nbformat.write(nb, tmp_path / "from_the_checkout.ipynb")
    completed = subprocess.run([sys.executable, "-m", "lmm_seminar.cli", "grade", str(tmp_path / "from_the_checkout.ipynb"),
                                "--autograder", str(release.autograder_zip), "--out", str(tmp_path / "out"),
                                "--require-sandbox", "--isolation", "bubblewrap", "--no-progress"],
                               cwd=REPO, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    (row,) = json.loads((tmp_path / "out" / "results.json").read_text())
    assert row["questions"]["q2c"]["score"] == 0.0 and row["score"] == FULL - 0.5
    assert [e["type"] for e in row["cell_errors"]] == ["FileNotFoundError"]
