"""``lmm-seminar gradescope``: grade one Gradescope submission with the project's engine and judge.

Gradescope unpacks the autograder zip into ``/autograder/source``, puts the
student's files in ``/autograder/submission`` and runs ``run_autograder`` as
root, which calls this command. It grades exactly as ``lmm-seminar grade``
does (the same ``SandboxEngine``: student code in the warm worker, isolated by
bubblewrap or, where the container refuses namespaces, by a uid of its own;
hidden tests in the judge) and writes ``/autograder/results/results.json`` in
Gradescope's format itself. Student code never runs unisolated here: without
either tier, the submission gets a results file that says so and no score.

Before any student code runs, the source, submission and results folders are
closed to other users (``chmod o=``): under the uid tier that, with Landlock
where the kernel has it, is what keeps the tests, the answer key and the
results file out of the student's reach.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..answer_cells import ANSWER_CELLS_FILE
from ..variants import VARIANTS_FILE
from ..written_parts import WRITTEN_PARTS_FILE, WrittenQuestion
from .engine import DEFAULT_TIMEOUT, SandboxEngine
from .release_files import assignment_name, written_parts
from .report import feedback_blocks, feedback_markdown, markdown_safe, message_safe
from .results import ERROR, GRADED, SubmissionResult, student_safe
from .sandbox import SandboxUnavailable
from .submissions import assignment_submissions

#: What of the unpacked zip the engine reads (the wheel and scripts Gradescope needs stay out).
GRADING_ENTRIES = ("tests", "files", "otter_config.json", ANSWER_CELLS_FILE, WRITTEN_PARTS_FILE, VARIANTS_FILE)


@dataclass(frozen=True)
class GradescopeLayout:
    """Gradescope's folders under its autograder root."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def results_file(self) -> Path:
        return self.results / "results.json"

    @property
    def metadata_file(self) -> Path:
        """Gradescope's account of the submission: who handed it in (``users``), when, for which assignment."""
        return self.root / "submission_metadata.json"


def submitter_id(metadata_file: Path, roster_ids: set[str]) -> str | None:
    """The roster id of whoever handed in, from Gradescope's metadata: the first submitter whose student id
    (``sid``), email or Gradescope id is on the roster; else the first one's student id or email; None without metadata."""
    try:
        users = json.loads(metadata_file.read_text(encoding="utf-8")).get("users") or []
    except (OSError, ValueError, AttributeError):
        return None
    keys = [[str(user.get(k)) for k in ("sid", "email", "id") if user.get(k) not in (None, "")]
            for user in users if isinstance(user, dict)]
    for candidates in keys:
        for key in candidates:
            if key in roster_ids:
                return key
    return next((c[0] for c in keys if c), None)


def run_gradescope_command(args: argparse.Namespace) -> int:
    """Grade the submission under ``args.root``; 0 once results.json is written, 2 when it could not be."""
    layout = GradescopeLayout(args.root)
    if not (layout.source / "tests").is_dir():
        print(f"lmm-seminar gradescope: no autograder at {layout.source} (expected the zip unpacked there, "
              "with tests/)", file=sys.stderr)
        return 2
    layout.results.mkdir(parents=True, exist_ok=True)
    close_to_others(layout)
    with tempfile.TemporaryDirectory(prefix="lmm-gradescope-") as private:
        os.chmod(private, 0o700)
        autograder = pack_autograder(layout.source, Path(private) / "autograder.zip")
        results = grade_submission(layout, autograder, args.isolation, args.timeout or DEFAULT_TIMEOUT)
    write_results(results, layout.results_file)
    print(f"Wrote {layout.results_file}: {results['score']:g} points; {results['extra_data']['isolation']}")
    return 0


def close_to_others(layout: GradescopeLayout) -> None:
    """No read, write or passage for other users in the source, submission and results folders."""
    for folder in (layout.source, layout.submission, layout.results):
        if folder.exists():
            os.chmod(folder, folder.stat().st_mode & ~0o007)


def pack_autograder(source: Path, target: Path) -> Path:
    """The unpacked autograder as a zip again, for the engine (which reads and unpacks zips), in a private folder."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in GRADING_ENTRIES:
            path = source / entry
            for file in sorted([path] if path.is_file() else path.rglob("*") if path.is_dir() else []):
                if file.is_file() and "__pycache__" not in file.parts:
                    archive.write(file, file.relative_to(source).as_posix())
    return target


def grade_submission(layout: GradescopeLayout, autograder: Path, isolation: str, timeout: float) -> dict:
    """Gradescope's results for the hand-in in the submission folder (a results dict, whatever happens)."""
    assignment = assignment_name(autograder) or "this assignment"
    written = _written(autograder)
    try:
        engine = SandboxEngine(autograder, timeout=timeout, require_sandbox=True, isolation=isolation)
    except (SandboxUnavailable, ValueError) as error:
        print(f"lmm-seminar gradescope: {error}", file=sys.stderr)
        return refused_results("The autograder could not isolate your code on this machine, so it did not run it. "
                               "Your instructor has been told; your submission is kept.", written, str(error))
    try:
        mine, others = assignment_submissions([layout.submission], assignment)
        if not mine:
            reason = (f"the notebook handed in is not {assignment}'s ({others[0][1]})" if others
                      else "no notebook (.ipynb, or a .zip from the notebook's export cell) was handed in")
            return refused_results(f"Nothing could be graded: {reason}. Hand in the notebook of {assignment}.",
                                   written, engine.isolation)
        # a hand-in of several notebooks is graded on the one that is this assignment's, the first by name
        chosen = sorted(mine, key=lambda s: str(s.path))[0]
        if engine.variants is not None:  # judged against the variant of who handed in, as Gradescope says
            who = submitter_id(layout.metadata_file, set(engine.variants.students))
            chosen = dataclasses.replace(chosen, id=who or "(no submitter in submission_metadata.json)")
        result = engine.grade(chosen)
    except Exception as error:  # a bug of ours: the student still gets a results file, the log the details
        print(f"lmm-seminar gradescope: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return refused_results(f"The autograder failed ({type(error).__name__}) before it could grade your notebook. "
                               "Your instructor has been told; your submission is kept.", written, engine.isolation)
    finally:
        engine.close()
    return gradescope_results(result, list(engine.questions), written)


def _written(autograder: Path) -> list[WrittenQuestion]:
    try:
        return written_parts(autograder)
    except ValueError:
        return []


def gradescope_results(result: SubmissionResult, questions: list[str], written: list[WrittenQuestion]) -> dict:
    """Gradescope's results.json for one graded hand-in.

    The notebook's run (did it run, which cells raised) is visible at once; each
    autograded part's points and the full feedback page come from hidden tests, so
    they show once the instructor publishes the grades; each written part is a test
    worth no points here, waiting for its marks in Gradescope's manual grading.
    """
    tests = [_run_test(result)]
    for name in questions:
        q = result.questions.get(name)
        score = q.score if q is not None else 0.0
        top = q.max_score if q is not None else 0.0
        if q is None:
            said = f"Not graded: {message_safe(result.message)}"
        elif q.passed:
            said = "Passed."
        else:
            said = "\n".join(f"- {message_safe(m)}" for m in dict.fromkeys(q.messages)) or "- a hidden test did not pass"
        tests.append({"name": name, "score": score, "max_score": top, "status": "passed" if q is not None and q.passed else "failed",
                      "visibility": "after_published", "output": said, "output_format": "md"})
    tests += _written_tests(written)
    page = feedback_markdown(feedback_blocks(result, questions))
    tests.append({"name": "Feedback", "score": 0.0, "max_score": 0.0, "visibility": "after_published",
                  "output": page, "output_format": "md"})
    return {
        "score": float(result.score or 0.0) if result.status == GRADED else 0.0,
        "output": _overview(result),
        "output_format": "md",
        "visibility": "after_published",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"status": result.status, "isolation": result.isolation, "grader": f"lmm-seminar {__version__}",
                       "seconds": round(result.seconds, 2),
                       # for the instructor (Gradescope shows students neither extra_data nor this): the variant judged
                       **({"variant": result.variant, "variant_note": result.variant_note} if result.variant is not None else {})},
    }


def refused_results(reason: str, written: list[WrittenQuestion], isolation: str) -> dict:
    """results.json for a hand-in that could not be graded at all (no notebook, no isolation)."""
    return {
        "score": 0.0,
        "output": f"**Not graded.** {markdown_safe(reason)}",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": _written_tests(written),
        "extra_data": {"status": ERROR, "isolation": student_safe(isolation), "grader": f"lmm-seminar {__version__}"},
    }


def _run_test(result: SubmissionResult) -> dict:
    if result.status == GRADED:
        lines = ["Your notebook ran to the end." if not result.message else f"Note: {message_safe(result.message)}"]
    else:
        lines = [f"**Your notebook could not be graded ({result.status}).** {markdown_safe(result.message)}",
                 "Please fix this and submit again, or ask your instructor."]
    for error in result.cell_errors:
        lines.append(f"- cell {error.get('cell')}: {markdown_safe(str(error.get('type')))}: {message_safe(str(error.get('message')))}")
    return {"name": "Notebook run", "score": 0.0, "max_score": 0.0, "status": "passed" if result.status == GRADED else "failed",
            "visibility": "visible", "output": "\n".join(lines), "output_format": "md"}


def _written_tests(written: list[WrittenQuestion]) -> list[dict]:
    return [{"name": f"{q.name} (written)", "score": 0.0, "max_score": 0.0, "visibility": "visible",
             "output": f"A written answer worth {q.points:g} point(s), marked by hand by your instructor.",
             "output_format": "md"} for q in written]


def _overview(result: SubmissionResult) -> str:
    state = ("Your notebook was graded." if result.status == GRADED
             else f"Your notebook could not be graded ({result.status}): {markdown_safe(result.message)}")
    return (f"{state} The points of each part and the feedback appear when your instructor publishes the grades.\n\n"
            f"*How your code ran:* {result.isolation}")  # the grader's own words, nothing of the student's


def write_results(results: dict, path: Path) -> Path:
    """Write results.json whole (a new file moved over the old one), so a reader never sees half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path
