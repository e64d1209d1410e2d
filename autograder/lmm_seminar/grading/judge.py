"""The judge: runs the hidden tests on the answers a worker reported, in a process of its own.

It runs the autograder zip's own test files with Otter's own test runner, so
scores are computed exactly as ``otter run`` computes them, but on the plain
data the student's process sent out (``answer_facts.from_plain``), never on
the student's live objects. Nothing here runs student code.

``Judge`` is the client the engine uses; ``python -m lmm_seminar.grading.judge
FILES TESTS`` is the process itself: one JSON request per line on stdin (the
path of a worker's output), one JSON verdict per line on stdout.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..shipped.variant_choice import VARIANT_VARIABLE
from ..variants import their_names
from .results import failure_messages, plain_text

#: Largest worker output read; the worker stops a submission at 16 MiB already.
MAX_OUTPUT = 17 * 1024 * 1024
#: Longest one judgement may take: judging the seminar's answers takes about 0.05 s.
JUDGE_TIMEOUT = 60.0
#: Longest the judge may take to load its tests and the reference.
STARTUP_SECONDS = 180


class JudgeTimeout(RuntimeError):
    """A judgement took longer than its time limit (the judge was restarted for the next one)."""


class Judge:
    """A judge process for one grading run; ``judge`` is safe to call from several threads.

    Every judgement has a time limit: a judgement that takes longer (a pattern that
    backtracks on something a submission drew, a read-out of a huge figure) raises
    ``JudgeTimeout`` for that submission, and a fresh judge process serves the next.
    """

    def __init__(self, files_dir: Path, tests_dir: Path, timeout: float = JUDGE_TIMEOUT):
        self._lock = threading.Lock()
        self._command = [sys.executable, "-m", "lmm_seminar.grading.judge", str(files_dir), str(tests_dir)]
        self._cwd = files_dir
        self.timeout = timeout
        self._start()

    def _start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        self.process = subprocess.Popen(self._command, cwd=self._cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env, bufsize=1)
        # a thread reads the judge's lines, so waiting for one can have a time limit
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_pump, args=(self.process.stdout, self._lines), daemon=True).start()
        self._ready = False

    def wait_until_ready(self) -> None:
        """Block until the process has loaded the tests and the reference (it starts in the background)."""
        if self._ready:
            return
        try:
            ready = self._lines.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            ready = ""
        if not ready.startswith("{"):
            raise RuntimeError("the judge process did not start")
        self._ready = True

    def judge(self, output: Path, variant: int = 0, renamed: dict[str, str] | None = None) -> dict:
        """The verdict on one worker output: per question score, max_score and messages.

        ``variant`` is the one the student was assigned; ``renamed`` maps the names the worker read
        (the variant's) back to those the tests take (variant 0's)."""
        with self._lock:
            self.wait_until_ready()
            request = {"output": str(output), "variant": variant, "renamed": renamed or {}}
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                self._restart()
                raise JudgeTimeout(f"judging took longer than {self.timeout:g} s") from None
        if not line:
            raise RuntimeError("the judge process stopped")
        return json.loads(line)

    def _restart(self) -> None:
        self.process.kill()
        self.process.wait()
        self._start()

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class JudgePool:
    """Judges for one grading run, so one slow judgement holds up only its own hand-in.

    A judgement takes the idle judge; when every judge is busy for longer than
    a moment (one hand-in's facts keep its judge for up to its time limit),
    another judge process starts, up to ``most`` (the number of hand-ins graded
    at once). An attacker's hand-in thus costs the batch no more than its own
    slot. Same interface as ``Judge``.
    """

    #: How long a judgement waits for a busy judge before starting another (a judgement takes ~0.05 s).
    PATIENCE = 0.5

    def __init__(self, files_dir: Path, tests_dir: Path, timeout: float = JUDGE_TIMEOUT, most: int = 1):
        self._args = (files_dir, tests_dir, timeout)
        self.timeout = timeout
        self._most = max(1, most)
        self._lock = threading.Lock()
        self._judges = [Judge(*self._args)]  # the first starts now, while the worker loads
        self._idle: queue.Queue[Judge] = queue.Queue()
        self._idle.put(self._judges[0])

    def wait_until_ready(self) -> None:
        self._judges[0].wait_until_ready()

    def judge(self, output: Path, variant: int = 0, renamed: dict[str, str] | None = None) -> dict:
        """The verdict on one worker output, from whichever judge is free (see ``Judge.judge``)."""
        judge = self._take()
        try:
            return judge.judge(output, variant, renamed)
        finally:
            self._idle.put(judge)

    def _take(self) -> Judge:
        try:
            return self._idle.get(timeout=self.PATIENCE)
        except queue.Empty:
            pass
        with self._lock:
            if len(self._judges) < self._most:
                judge = Judge(*self._args)
                self._judges.append(judge)
                return judge
        return self._idle.get()

    def close(self) -> None:
        for judge in self._judges:
            judge.close()


def _pump(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")  # the process has ended


# ------------------------------------------------------------------------------------- the process


@dataclass
class WorkerOutput:
    """What a worker reported for one notebook."""

    snapshots: dict[str, dict] = field(default_factory=dict)  # per question (the first one reported wins)
    cell_errors: list[dict] = field(default_factory=list)
    ended: bool = False  # the notebook ran to its last cell


def read_worker_output(path: Path) -> WorkerOutput:
    """The snapshots, cell errors and whether the run ended, read defensively:
    the student's process can write lines of its own, which can only make its own answers count less."""
    report = WorkerOutput()
    if not path.is_file():
        return report
    with path.open("rb") as f:
        data = f.read(MAX_OUTPUT)
    for raw in data.splitlines():
        try:
            line = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            continue
        if not isinstance(line, dict):
            continue
        if isinstance(line.get("question"), str) and isinstance(line.get("answers"), dict):
            report.snapshots.setdefault(line["question"], line["answers"])
        elif isinstance(line.get("cell_error"), dict):
            error = line["cell_error"]
            report.cell_errors.append({k: plain_text(error.get(k, ""))[:500] for k in ("cell", "question", "type", "message")})
        elif line.get("end") is True:
            report.ended = True
    return report


def load_hidden_tests(tests_dir: Path) -> dict:
    """Otter's test files of the zip, by question, keeping the hidden (graded) test cases only.

    The public ones are the student's own checks, worth no points, and read
    live objects that never leave the student's process.
    """
    from otter.test_files import ExceptionTestFile

    tests = {}
    for path in sorted(tests_dir.glob("*.py")):
        test_file = ExceptionTestFile.from_file(str(path))
        test_file.test_cases = [case for case in test_file.test_cases if case.hidden]
        tests[test_file.name] = test_file
    return tests


def judge_snapshots(tests: dict, snapshots: dict[str, dict], renamed: dict[str, str] | None = None) -> dict[str, dict]:
    """Run each question's hidden tests on the answers reported for that question.

    Each question's answers were taken where the part is judged (its check
    cell, else its answer cell, else the end: ``answer_cells``), so what a
    later cell does to a name cannot change an earlier part's verdict. ``renamed`` gives the tests'
    name of an answer the student's variant stores under another name.
    """
    # the zip's own copy, the one its answer_checks recognises facts of
    from answer_facts import from_plain

    verdicts = {}
    for question, test_file in tests.items():
        answers = snapshots.get(question, {})
        renamed = renamed or {}
        env = {renamed.get(str(name), str(name)): from_plain(data) for name, data in answers.items()}
        test_file.run(env)
        possible = float(test_file.possible)
        score = min(max(float(test_file.score), 0.0), possible)
        messages = failure_messages("\n".join(r.message for r in test_file.test_case_results if not r.passed))
        messages = [their_names(message, renamed) for message in messages]
        verdicts[question] = {"score": score, "max_score": possible, "messages": messages}
    return verdicts


def main(argv: list[str]) -> None:
    files_dir, tests_dir = Path(argv[0]), Path(argv[1])
    os.chdir(files_dir)
    sys.path.insert(0, str(files_dir))
    import matplotlib

    matplotlib.use("Agg")
    tests = load_hidden_tests(tests_dir)
    import importlib

    for module in sorted(files_dir.glob("*_reference.py")):  # compute the reference once, before the first request
        reference = importlib.import_module(module.stem)
        if hasattr(reference, "answers"):
            reference.answers()
    print(json.dumps({"ready": True, "questions": sorted(tests)}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            report = read_worker_output(Path(request["output"]))
            # the reference module's answers() reads the variant of the student being judged from here
            os.environ[VARIANT_VARIABLE] = str(int(request.get("variant", 0)))
            print(json.dumps({"questions": judge_snapshots(tests, report.snapshots, request.get("renamed")),
                              "cell_errors": report.cell_errors, "ended": report.ended}), flush=True)
        except Exception as error:  # a bug here must not stop the run; the engine turns it into an error row
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
    # Every verdict is written and flushed; tearing down pandas, statsmodels and matplotlib
    # at exit would only add about half a second to the end of every grading run.
    os._exit(0)
