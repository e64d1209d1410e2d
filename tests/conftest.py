"""Shared fixtures: the release is built once per session, with the installed command."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "sleepstudy-lmm"
# The console script pip installed next to this interpreter (a venv need not be activated).
COMMAND = Path(sys.executable).with_name("lmm-seminar")
SHARED_DATA = REPO.parent / "shared" / "data" / "sleepstudy.csv"


@dataclass(frozen=True)
class Release:
    """Paths of one built release."""

    root: Path
    output: str

    @property
    def assignment(self) -> Path:
        return self.root / ASSIGNMENT

    @property
    def student_dir(self) -> Path:
        return self.assignment / "student"

    @property
    def student_notebook(self) -> Path:
        return self.student_dir / f"{ASSIGNMENT}.ipynb"

    @property
    def solution_notebook(self) -> Path:
        return self.assignment / "solution" / f"{ASSIGNMENT}.ipynb"

    @property
    def autograder_zip(self) -> Path:
        return self.assignment / "autograder" / f"{ASSIGNMENT}-autograder.zip"


def lmm_seminar(*args: str, cwd: Path = REPO, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the installed ``lmm-seminar`` console script, capturing its output."""
    return subprocess.run([str(COMMAND), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def build_release(out: Path) -> Release:
    completed = lmm_seminar("release", "--source", str(REPO / "source"), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    return Release(out, completed.stdout)


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The release, built once for the whole test session."""
    return build_release(tmp_path_factory.mktemp("release"))
