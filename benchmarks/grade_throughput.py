"""Grading throughput: ``lmm-seminar grade`` against one ``otter run`` after another.

Grades N copies of the correct (solution) notebook both ways on this machine,
in one run, and prints seconds per submission for each and their ratio. This
is the baseline for later work on a faster grading engine.

    python benchmarks/grade_throughput.py --copies 8

Both ways use the same autograder zip (the current release's, built if missing).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "sleepstudy-lmm"


def ensure_release() -> Path:
    release = REPO / "assignments" / ASSIGNMENT
    zip_path = release / "autograder" / f"{ASSIGNMENT}-autograder.zip"
    if not zip_path.is_file():
        from lmm_seminar.release import build_release

        build_release(REPO / "source", REPO / "assignments")
    return zip_path


def time_lmm_seminar(folder: Path, autograder: Path, jobs: int, out: Path) -> float:
    command = [str(Path(sys.executable).with_name("lmm-seminar")), "grade", str(folder), "--autograder", str(autograder),
               "--out", str(out), "--jobs", str(jobs), "--no-progress"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def time_otter_run(notebooks: list[Path], autograder: Path, out: Path) -> float:
    start = time.perf_counter()
    for index, notebook in enumerate(notebooks):
        target = out / str(index)
        target.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder), "-o", str(target),
                        str(notebook)], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="submissions to grade (default 8)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel jobs for lmm-seminar grade")
    args = parser.parse_args()

    autograder = ensure_release()
    solution = REPO / "assignments" / ASSIGNMENT / "solution" / f"{ASSIGNMENT}.ipynb"
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        notebooks = []
        for index in range(args.copies):
            notebooks.append(folder / f"student-{index:03d}.ipynb")
            shutil.copy(solution, notebooks[-1])

        ours = time_lmm_seminar(folder, autograder, args.jobs, Path(tmp) / "lmm")
        theirs = time_otter_run(notebooks, autograder, Path(tmp) / "otter")

    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores; {args.copies} copies of the solution notebook")
    print(f"{'engine':<34}{'total s':>10}{'s/submission':>15}")
    print(f"{f'lmm-seminar grade --jobs {args.jobs}':<34}{ours:>10.1f}{ours / args.copies:>15.2f}")
    print(f"{'otter run, one after another':<34}{theirs:>10.1f}{theirs / args.copies:>15.2f}")
    print(f"speed-up of lmm-seminar grade over sequential otter run: {theirs / ours:.2f}x")
    print(f"largest child process peak memory: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
