"""Grading throughput: the sandbox engine, the otter engine, and one ``otter run`` after another.

Grades N copies of the correct (solution) notebook three ways on this machine,
in one run: ``lmm-seminar grade`` with the default sandbox engine (sandbox
required), with ``--engine otter``, and plain ``otter run`` per notebook. It
checks that all three give every copy the same score, and prints seconds per
submission, the ratios, and the peak memory.

    python benchmarks/grade_throughput.py --copies 40

All three use the same autograder zip (the current release's, built if missing).
The sandbox engine's time includes starting its warm worker once per run.
"""

from __future__ import annotations

import argparse
import json
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


def time_lmm_seminar(folder: Path, autograder: Path, jobs: int, out: Path, engine: str) -> tuple[float, list[float]]:
    command = [str(Path(sys.executable).with_name("lmm-seminar")), "grade", str(folder), "--autograder", str(autograder),
               "--out", str(out), "--jobs", str(jobs), "--no-progress", "--engine", engine]
    if engine == "sandbox":
        command.append("--require-sandbox")
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    scores = [r["score"] for r in sorted(json.loads((out / "results.json").read_text()), key=lambda r: r["submission"])]
    return seconds, scores


def time_otter_run(notebooks: list[Path], autograder: Path, out: Path) -> tuple[float, list[float]]:
    start = time.perf_counter()
    for index, notebook in enumerate(notebooks):
        target = out / str(index)
        target.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder), "-o", str(target),
                        str(notebook)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    # Otter's first entry ("Public Tests") carries a status but no score; only graded tests count.
    scores = [sum(t["score"] for t in json.loads((out / str(i) / "results.json").read_text())["tests"] if "score" in t)
              for i in range(len(notebooks))]
    return seconds, scores


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

        runs = {
            f"grade --engine sandbox --jobs {args.jobs}": time_lmm_seminar(folder, autograder, args.jobs, Path(tmp) / "sandbox", "sandbox"),
            f"grade --engine otter --jobs {args.jobs}": time_lmm_seminar(folder, autograder, args.jobs, Path(tmp) / "otter-engine", "otter"),
            "otter run, one after another": time_otter_run(notebooks, autograder, Path(tmp) / "otter"),
        }

    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    baseline = runs["otter run, one after another"][0]
    print(f"machine: {os.cpu_count()} cores; {args.copies} copies of the solution notebook")
    print(f"{'engine':<38}{'total s':>10}{'s/submission':>15}{'vs otter run':>14}")
    for name, (seconds, _) in runs.items():
        print(f"{name:<38}{seconds:>10.1f}{seconds / args.copies:>15.3f}{baseline / seconds:>13.1f}x")
    scores = {name: result[1] for name, result in runs.items()}
    same = len({tuple(s) for s in scores.values()}) == 1
    print(f"same scores from all three: {'yes' if same else 'NO'} ({sorted(set(scores[next(iter(scores))]))})")
    print(f"largest child process peak memory: {peak_mib:.0f} MiB")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
