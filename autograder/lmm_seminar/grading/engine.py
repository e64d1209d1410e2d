"""Grading engines: what runs one submission against the autograder.

``lmm-seminar grade`` talks to an engine only through ``GradingEngine``:

* ``SandboxEngine`` (the default) runs the student's cells in a fresh process
  forked from a warm, sandboxed worker, which reports each question's answers
  as plain data; the hidden tests judge that data in a separate judge process.
* ``OtterRunEngine`` runs ``otter run`` per submission, hidden tests inside the
  student's kernel, as Gradescope does.

Both run the same hidden tests from the same autograder zip.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Protocol

import psutil

from ..answer_cells import expected_notebook_name, mark_for_otter_run, read_answer_cells, unchecked_answer_positions
from ..variants import VariantTable, assigned_variant, their_names, variant_autograder
from .results import ERROR, GRADED, TIMEOUT, QuestionResult, SubmissionResult, bounded, question_from_otter, student_safe
from .judge import JUDGE_TIMEOUT, JudgePool, JudgeTimeout
from .release_files import assignment_name
from .submissions import Submission, SubmissionProblem, notebook_assignment, prepare_notebook

DEFAULT_TIMEOUT = 300.0


class GradingEngine(Protocol):
    """Grades one submission; never raises for a bad submission, returns a row instead."""

    max_score: float
    questions: list[str]
    autograder_zip: Path
    isolation: str

    def grade(self, submission: Submission) -> SubmissionResult: ...

    def close(self) -> None: ...


class OtterRunEngine:
    """Runs ``otter run`` with the autograder zip, one subprocess per submission.

    Each submission runs in its own process (and Jupyter kernel) with a time
    limit; on timeout the whole process tree, kernel included, is killed.
    """

    isolation = "not sandboxed: otter run grades inside the student's own kernel"

    def __init__(self, autograder_zip: Path, timeout: float = DEFAULT_TIMEOUT):
        self.autograder_zip = autograder_zip.resolve()
        self.timeout = timeout
        self.questions, self.points = autograded_questions(self.autograder_zip)
        self.max_score = sum(self.points.values())
        self.answer_cells = read_answer_cells(self.autograder_zip)
        self.assignment = assignment_name(self.autograder_zip)
        self.variants = VariantTable.from_zip(self.autograder_zip)
        self._variant_zips: dict[int, Path] = {}
        self._made = tempfile.TemporaryDirectory(prefix="lmm-otter-variants-") if self.variants else None

    def close(self) -> None:
        """Remove the zips made for variants; nothing else to stop (every ``otter run`` is its own process)."""
        if self._made is not None:
            self._made.cleanup()

    def _autograder_for(self, variant: int) -> Path:
        """The zip that grades a student of ``variant`` (the release's own for variant 0 and without variants)."""
        if self.variants is None or variant == 0 or self.variants.only is not None:  # the zip as it is
            return self.autograder_zip
        if variant not in self._variant_zips:
            target = Path(self._made.name) / f"variant-{variant}" / self.autograder_zip.name
            self._variant_zips[variant] = variant_autograder(self.autograder_zip, variant, self.variants, target)
        return self._variant_zips[variant]

    def grade(self, submission: Submission) -> SubmissionResult:
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="lmm-grade-") as tmp:
            workdir = Path(tmp)
            try:
                notebook, handed_in = self._as_handed_out(prepare_notebook(submission, workdir), workdir)
                variant = assigned_variant(self.variants, submission.id, handed_in)
            except SubmissionProblem as problem:
                return self._row(submission, ERROR, str(problem), start)
            outdir = workdir / "out"
            outdir.mkdir()
            command = [sys.executable, "-m", "otter", "run", "--no-logo",
                       "-a", str(self._autograder_for(variant.number)), "-o", str(outdir), str(notebook.resolve())]
            remaining = self.timeout - (time.monotonic() - start)  # unpacking counts against the limit
            try:
                if remaining <= 0:
                    raise subprocess.TimeoutExpired(command, self.timeout)
                completed = _run_with_timeout(command, remaining, cwd=workdir)
            except subprocess.TimeoutExpired:
                return self._row(submission, TIMEOUT, f"grading took longer than {self.timeout:g} s (an endless loop or a very slow cell?)", start)
            results_file = outdir / "results.json"
            if completed.returncode != 0 or not results_file.exists():
                return self._row(submission, ERROR, _explain_failure(completed.stdout + completed.stderr), start)
            tests = json.loads(results_file.read_text())["tests"]

        questions = {q.name: bounded(q, self.points[q.name]) for q in map(question_from_otter, tests) if q.name in self.points}
        row = self._row(submission, GRADED, "", start)
        row.questions = questions
        row.score = sum(q.score for q in questions.values())
        if self.variants is not None:
            renamed = self.variants.renamed(variant.number, self._tests_names)
            for question in questions.values():
                question.messages = [their_names(message, renamed) for message in question.messages]
            row.variant, row.variant_note = variant.number, variant.note
        return row

    @functools.cached_property
    def _tests_names(self) -> dict[str, list[str]]:
        """For each question, the answer names its tests read (read from the zip once)."""
        with tempfile.TemporaryDirectory(prefix="lmm-otter-tests-") as tmp:
            with zipfile.ZipFile(self.autograder_zip) as archive:
                _safe_extract(archive, Path(tmp))
            return answer_names(Path(tmp) / "tests")

    def _as_handed_out(self, notebook: Path, workdir: Path) -> tuple[Path, nbformat.NotebookNode]:
        """A copy of the hand-in for ``otter run``: named as its ``otter.Notebook`` cell expects (saved
        under another name, that cell fails and no check runs), with Otter's check metadata on each
        answer cell whose check cell is gone, so every part is judged where the sandbox engine judges it.
        Returns its path and the notebook as read."""
        import nbformat

        nb = nbformat.read(notebook, as_version=4)
        mark_for_otter_run(nb, self.answer_cells, self.questions)
        folder = workdir / "hand-in"
        folder.mkdir()
        name = expected_notebook_name(nb.cells, self.assignment) or notebook.name
        target = folder / name
        nbformat.write(nb, target)
        return target, nb

    def _row(self, submission: Submission, status: str, message: str, start: float) -> SubmissionResult:
        return result_row(self, submission, status, message, start)


class SandboxEngine:
    """Student code in a sandboxed warm worker, hidden tests in a judge process of their own.

    The autograder zip is unpacked into a private folder the worker never sees;
    only its data files are shown to the worker, read-only.
    """

    def __init__(self, autograder_zip: Path, timeout: float = DEFAULT_TIMEOUT, require_sandbox: bool = False,
                 judge_timeout: float = JUDGE_TIMEOUT, jobs: int = 1, isolation: str = "auto"):
        """``timeout`` bounds running one notebook (unpacking it included), ``judge_timeout`` judging its
        answers; ``jobs`` hand-ins are graded at once, each with a judge of its own when needed;
        ``isolation`` is ``auto`` (the strongest tier that works) or the tier to use (see ``sandbox``)."""
        from .sandbox import WorkerPool

        self.autograder_zip = autograder_zip.resolve()
        self.timeout = timeout
        self.questions, self.points = autograded_questions(self.autograder_zip)
        self.max_score = sum(self.points.values())
        self._private = tempfile.TemporaryDirectory(prefix="lmm-judge-")
        os.chmod(self._private.name, 0o700)
        unpacked = Path(self._private.name)
        with zipfile.ZipFile(self.autograder_zip) as archive:
            _safe_extract(archive, unpacked)
        files, tests = unpacked / "files", unpacked / "tests"
        self.answer_names = answer_names(tests)
        self.assignment = assignment_name(self.autograder_zip)
        self.answer_cells = read_answer_cells(self.autograder_zip)
        self.variants = VariantTable.from_zip(self.autograder_zip)
        self._pool = None
        self._judge = None
        try:
            # the judge loads its tests and reference while the worker imports its libraries
            self._judge = JudgePool(files, tests, timeout=judge_timeout, most=jobs)
            data = files / "data"
            probes = files / "answer_probes.py"
            self._pool = WorkerPool(data if data.is_dir() else None, require_sandbox=require_sandbox,
                                    autograder_zip=self.autograder_zip, probes=probes if probes.is_file() else None,
                                    isolation=isolation)
            self._judge.wait_until_ready()
        except BaseException:
            self.close()
            raise
        self.isolation = self._pool.isolation.describe()
        self.sandboxed = self._pool.isolation.sandboxed

    def grade(self, submission: Submission) -> SubmissionResult:
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="lmm-submission-") as tmp:
            try:
                notebook = prepare_notebook(submission, Path(tmp))
                code_cells, numbers = notebook_cells(notebook)
                text = notebook.read_text(encoding="utf-8")
                handed_in = json.loads(text)
                self._check_assignment(handed_in)
            except SubmissionProblem as problem:
                return self._row(submission, ERROR, str(problem), start)
        # the student's own variant, from who handed in; the notebook's own claim is only compared with it
        variant = assigned_variant(self.variants, submission.id, handed_in)
        names, renamed = self.answer_names, {}
        if self.variants is not None:
            names = self.variants.student_names(variant.number, self.answer_names)
            renamed = self.variants.renamed(variant.number, self.answer_names)
        answered_after: dict[int, list[str]] = {}
        for question, index in unchecked_answer_positions(code_cells, self.answer_cells, self.questions).items():
            answered_after.setdefault(index, []).append(question)
        cells = [cell.source for cell in code_cells]
        remaining = self.timeout - (time.monotonic() - start)  # reading and unpacking count against the limit
        if remaining <= 0:
            return self._row(submission, TIMEOUT, f"grading took longer than {self.timeout:g} s (unpacking the hand-in alone)", start)
        outcome = self._pool.run(cells, names, remaining, text, answered_after)
        try:
            status = outcome.report.get("status")
            if status == "crashed":
                return self._row(submission, ERROR, f"the grader could not run this notebook ({outcome.report.get('detail', 'no detail')})", start)
            verdict = self._judge.judge(outcome.output, variant.number, renamed)
        except JudgeTimeout as stalled:
            return self._row(submission, ERROR, f"the grader could not judge this notebook's answers: {stalled}", start)
        finally:
            self._pool.discard(outcome)
        row = self._verdict_row(submission, status, verdict, numbers, start)
        if self.variants is not None:
            row.variant, row.variant_note = variant.number, variant.note
        return row

    def _verdict_row(self, submission: Submission, status: str, verdict: dict, numbers: list[int], start: float) -> SubmissionResult:
        """The grade-table row of a notebook that ran, from the judge's verdict."""
        if "error" in verdict:
            return self._row(submission, ERROR, "the grader could not judge this notebook's answers", start)
        if status == "timeout":
            row = self._row(submission, TIMEOUT, f"grading took longer than {self.timeout:g} s (an endless loop or a very slow cell?)", start)
            row.cell_errors = _safe_cell_errors(verdict, numbers)
            return row
        message = ""
        if status == "too much output":
            message = "the notebook's answers were too large to read in full; what was read is graded"
        elif not verdict.get("ended"):
            message = "the notebook stopped before its last cell (it exited or crashed); what it answered before is graded"
        row = self._row(submission, GRADED, message, start)
        row.questions = {name: bounded(QuestionResult(name, float(q["score"]), float(q["max_score"]), list(q["messages"])),
                                       self.points[name])
                         for name, q in verdict["questions"].items() if name in self.points}
        row.score = sum(q.score for q in row.questions.values())
        row.cell_errors = _safe_cell_errors(verdict, numbers)
        return row

    def _check_assignment(self, notebook: dict) -> None:
        """Refuse a notebook of another assignment, as ``otter run`` does."""
        given = notebook_assignment(notebook)
        if self.assignment and given and given != self.assignment:
            raise SubmissionProblem(f"this notebook is for assignment {str(given)[:80]!r}, but this is assignment "
                                    f"{self.assignment!r}: hand in the notebook of this assignment")

    def close(self) -> None:
        """Stop the worker and the judge, and remove the unpacked autograder."""
        if self._pool is not None:
            self._pool.close()
        if self._judge is not None:
            self._judge.close()
        self._private.cleanup()

    def _row(self, submission: Submission, status: str, message: str, start: float) -> SubmissionResult:
        return result_row(self, submission, status, message, start)


def result_row(engine: GradingEngine, submission: Submission, status: str, message: str, start: float) -> SubmissionResult:
    """A grade-table row for ``submission`` as ``engine`` graded it, without questions yet."""
    return SubmissionResult(submission=submission.id, path=str(submission.path), status=status,
                            max_score=engine.max_score, message=student_safe(message),
                            seconds=time.monotonic() - start, isolation=engine.isolation)


def _safe_cell_errors(verdict: dict, numbers: list[int]) -> list[dict]:
    """The cells that raised, numbered as the notebook counts them (every cell, Markdown too), as every
    other message does; the worker counts code cells only."""
    errors = []
    for error in verdict.get("cell_errors", []):
        error = {**error, "message": student_safe(error.get("message", ""))}
        position = str(error.get("cell", ""))
        if position.isdigit() and 0 < int(position) <= len(numbers):
            error["cell"] = str(numbers[int(position) - 1])
        errors.append(error)
    return errors


def notebook_cells(notebook: Path) -> tuple[list, list[int]]:
    """A notebook's code cells, in order, and the number of each among all its cells (Markdown too)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    numbered = [(number, cell) for number, cell in enumerate(nb.cells, start=1) if cell.cell_type == "code"]
    return [cell for _, cell in numbered], [number for number, _ in numbered]


def answer_names(tests_dir: Path) -> dict[str, list[str]]:
    """For each question, the answer names its tests read (their parameters), read without running them."""
    names: dict[str, list[str]] = {}
    for path in sorted(tests_dir.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        question = str(_module_constants(source).get("name", path.stem))
        found: list[str] = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found += [a.arg for a in node.args.args if a.arg != "env" and a.arg not in found]
        names[question] = found
    return names


def _safe_extract(archive: zipfile.ZipFile, target: Path) -> None:
    """Unpack an (instructor's) zip, refusing entries that would land outside ``target``."""
    root = target.resolve()
    for info in archive.infolist():
        destination = (root / info.filename).resolve()
        if root not in destination.parents and destination != root:
            raise ValueError(f"the autograder zip has an entry outside its folder: {info.filename}")
    archive.extractall(root)


def autograded_questions(autograder_zip: Path) -> tuple[list[str], dict[str, float]]:
    """The autograded question names (in file order) and their points, read from the zip's tests."""
    if not autograder_zip.is_file():
        raise FileNotFoundError(f"no autograder zip at {autograder_zip}")
    points: dict[str, float] = {}
    try:
        with zipfile.ZipFile(autograder_zip) as archive:
            for name in sorted(archive.namelist()):
                if name.startswith("tests/") and name.endswith(".py"):
                    values = _module_constants(archive.read(name).decode("utf-8"))
                    points[str(values["name"])] = float(values["points"])
    except zipfile.BadZipFile:
        raise ValueError(f"{autograder_zip} is not a zip file") from None
    if not points:
        raise ValueError(f"{autograder_zip} holds no tests/*.py: is it an Otter autograder zip?")
    names = sorted(points, key=_question_order)
    return names, {n: points[n] for n in names}


def _module_constants(source: str) -> dict[str, object]:
    """Top-level ``NAME = <literal>`` assignments of an Otter test file, read without running it."""
    constants = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return constants


def _question_order(name: str) -> tuple:
    # q2a < q10a: compare digit runs as numbers
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _run_with_timeout(command: list[str], timeout: float, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``command``; on timeout kill it and every process it started (the kernel has its own session)."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process.pid)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def _explain_failure(output: str) -> str:
    """A one-line reason from the output of a failed ``otter run``."""
    if "DeadKernelError" in output or "Kernel died" in output:
        return "the notebook's kernel died while running (a crash, os._exit, or running out of memory)"
    if "Received submission for assignment" in output:
        line = next(l for l in output.splitlines() if "Received submission for assignment" in l)
        return line.split("OtterRuntimeError:")[-1].strip()
    lines = [l.strip() for l in output.strip().splitlines() if l.strip()]
    errors = [l for l in lines if "Error" in l or "Exception" in l]
    detail = (errors or lines or ["no output"])[-1]
    return f"the autograder could not run this notebook: {detail[:300]}"
