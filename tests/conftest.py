"""Shared fixtures: the release is built once per session, with the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "sleepstudy-lmm"
# The assignment's own modules (reference solution, probes) are imported by the tests as the hidden
# tests import them inside the autograder zip: as top-level modules from the assignment's folder.
sys.path.insert(0, str(REPO / "source" / ASSIGNMENT))
# ... beside the shared module the zip ships with them that says which variant is judged (only that one: the
# other shipped modules, found as top-level modules too, would be second copies of the package's own).
import lmm_seminar.shipped.variant_choice  # noqa: E402

sys.modules.setdefault("variant_choice", lmm_seminar.shipped.variant_choice)
# The console script pip installed next to this interpreter (a venv need not be activated).
COMMAND = Path(sys.executable).with_name("lmm-seminar")
SHARED_DATA = REPO.parent / "shared" / "data" / "sleepstudy.csv"


@dataclass(frozen=True)
class AssignmentFiles:
    """Paths of one assignment in a built release."""

    folder: Path
    name: str

    @property
    def student_dir(self) -> Path:
        return self.folder / "student"

    @property
    def student_notebook(self) -> Path:
        return self.student_dir / f"{self.name}.ipynb"

    @property
    def solution_notebook(self) -> Path:
        return self.folder / "solution" / f"{self.name}.ipynb"

    @property
    def autograder_zip(self) -> Path:
        return self.folder / "autograder" / f"{self.name}-autograder.zip"


@dataclass(frozen=True)
class Release:
    """Paths of one built release; its first seminar's directly (``release.solution_notebook``), any
    assignment's with ``of``."""

    root: Path
    output: str

    def of(self, assignment: str) -> AssignmentFiles:
        """One assignment of the release."""
        return AssignmentFiles(self.root / assignment, assignment)

    @property
    def assignment(self) -> Path:
        return self.root / ASSIGNMENT

    @property
    def first(self) -> AssignmentFiles:
        return self.of(ASSIGNMENT)

    @property
    def student_dir(self) -> Path:
        return self.first.student_dir

    @property
    def student_notebook(self) -> Path:
        return self.first.student_notebook

    @property
    def solution_notebook(self) -> Path:
        return self.first.solution_notebook

    @property
    def autograder_zip(self) -> Path:
        return self.first.autograder_zip


def lmm_seminar(*args: str, cwd: Path = REPO, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the installed ``lmm-seminar`` console script, capturing its output."""
    return subprocess.run([str(COMMAND), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def build_release(out: Path) -> Release:
    completed = lmm_seminar("release", "--source", str(REPO / "source"), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    return Release(out, completed.stdout + completed.stderr)  # what a person running it sees


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The release, built once for the whole test session."""
    return build_release(tmp_path_factory.mktemp("release"))


# ---------------------------------------------------------------- one grading run for the whole class

#: Per-submission time limit for the class run: a correct notebook takes well under 30 s here,
#: so the hanging submission is the only one that reaches it.
CLASS_TIMEOUT = 45


@dataclass(frozen=True)
class GradeRun:
    """The outcome of one ``lmm-seminar grade`` call."""

    completed: subprocess.CompletedProcess
    out: Path
    rows: dict[str, dict[str, str]]
    details: dict[str, dict]


def read_grade_run(completed: subprocess.CompletedProcess, out: Path) -> GradeRun:
    import csv
    import json

    rows, details = {}, {}
    if (out / "grades.csv").exists():
        with (out / "grades.csv").open(newline="") as f:
            rows = {row["submission"]: row for row in csv.DictReader(f)}
        details = {d["submission"]: d for d in json.loads((out / "results.json").read_text())}
    return GradeRun(completed, out, rows, details)


@pytest.fixture(scope="session")
def class_folder(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every corpus variant and every awkward hand-in, as files in one folder."""
    import corpus
    import robust_submissions

    folder = tmp_path_factory.mktemp("class")
    corpus.write_variants(release.solution_notebook, folder / "corpus")
    robust_submissions.write_all(release, folder / "robust")
    return folder


@pytest.fixture(scope="session")
def graded_class(release: Release, class_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    """The whole class graded once, two notebooks at a time, by the installed command."""
    return grade_class(release, class_folder, tmp_path_factory.mktemp("graded"), "sandbox")


@pytest.fixture(scope="session")
def graded_class_by_otter(release: Release, class_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    """The corpus graded by the old engine: one ``otter run`` per submission, tests in the kernel. Only the corpus
    is compared between the engines, so the awkward hand-ins (one of them waits for the time limit) are left out."""
    return grade_class(release, class_folder / "corpus", tmp_path_factory.mktemp("graded-otter"), "otter")


#: The second seminar, whose corpus is graded on its own.
SLOPES = "sleepstudy-slopes"


@pytest.fixture(scope="session")
def slopes_class(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every variant of the second seminar's corpus, as files in one folder."""
    import corpus
    import corpus_slopes

    import shutil

    folder = tmp_path_factory.mktemp("slopes-class")
    corpus.write_variants(release.of(SLOPES).solution_notebook, folder / "corpus", corpus_slopes.VARIANTS_SLOPES)
    shutil.copy(release.of(SLOPES).solution_notebook, folder / "solution.ipynb")
    shutil.copy(release.of(SLOPES).student_notebook, folder / "blank.ipynb")
    return folder


@pytest.fixture(scope="session")
def graded_slopes(release: Release, slopes_class: Path, tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    return grade_class(release, slopes_class, tmp_path_factory.mktemp("graded-slopes"), "sandbox", SLOPES)


@pytest.fixture(scope="session")
def graded_slopes_by_otter(release: Release, slopes_class: Path, tmp_path_factory: pytest.TempPathFactory) -> GradeRun:
    return grade_class(release, slopes_class, tmp_path_factory.mktemp("graded-slopes-otter"), "otter", SLOPES)


def grade_class(release: Release, class_folder: Path, out: Path, engine: str, assignment: str = ASSIGNMENT) -> GradeRun:
    args = ["grade", str(class_folder), "--autograder", str(release.of(assignment).autograder_zip), "--out", str(out),
            "--jobs", "2", "--timeout", str(CLASS_TIMEOUT), "--engine", engine]
    if engine == "sandbox" and os.environ.get("CI") == "true":
        args.append("--require-sandbox")  # CI must grade in the sandbox, never silently without it
    return read_grade_run(lmm_seminar(*args, timeout=3000), out)
