"""``lmm-seminar review``: pages for marking the written answers by question, and the scores file."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import nbformat

from ..written_parts import WrittenQuestion
from .manual_scores import update_file
from .release_files import assignment_name, find_autograder, written_parts
from .review import ReviewedSubmission, index_page, page_name, question_page
from .results import student_safe
from .submissions import Submission, SubmissionProblem, check_paths, find_submissions, lookalike_ids, prepare_notebook
from .written import student_answers

SCORES_FILE = "manual-scores.csv"


def run_review_command(args: argparse.Namespace) -> int:
    """Write one review page per written question, an index and manual-scores.csv into ``args.out``."""
    try:
        check_paths(args.paths)
        autograder = find_autograder(args.autograder, args.source, args.release)
        questions = written_parts(autograder)
        if not questions:
            raise ValueError(f"the assignment of {autograder.name} has no written (manual) questions")
        submissions = find_submissions(args.paths, assignment_name(autograder))
        if not submissions:
            raise FileNotFoundError(f"no submissions (.ipynb or .zip) found in {', '.join(map(str, args.paths))}")
    except (FileNotFoundError, ValueError) as error:
        print(f"lmm-seminar review: {error}", file=sys.stderr)
        return 2

    reviewed = [read_submission(s, questions) for s in submissions]
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    prefilled = {r.submission: {q.name: "0" if r.problem or r.answers[q.name].untouched else "" for q in questions}
                 for r in reviewed}
    scores_path = out / SCORES_FILE
    marks = update_file(scores_path, questions, prefilled)
    for q in questions:
        graded = {name: row.get(q.name, "") for name, row in marks.items()}
        (out / page_name(q)).write_text(question_page(q, reviewed, graded), encoding="utf-8")
    lookalikes = lookalike_ids([s.id for s in submissions])
    (out / "index.html").write_text(index_page(questions, reviewed, marks, lookalikes), encoding="utf-8")

    unreadable = sum(bool(r.problem) for r in reviewed)
    print(f"Reviewed {len(reviewed)} submission(s) on {len(questions)} written questions"
          + (f"; {unreadable} could not be read (listed on every page)" if unreadable else ""))
    print(f"Open {out / 'index.html'}; enter points and comments in {scores_path}")
    return 0


def read_submission(submission: Submission, questions: list[WrittenQuestion]) -> ReviewedSubmission:
    """A submission's written answers, or the reason it could not be read (the same reasons as ``grade``)."""
    with tempfile.TemporaryDirectory(prefix="lmm-review-") as tmp:
        try:
            notebook = nbformat.read(prepare_notebook(submission, Path(tmp)), as_version=4)
            return ReviewedSubmission(submission.id, student_answers(notebook, questions))
        except SubmissionProblem as problem:
            return ReviewedSubmission(submission.id, {}, problem=student_safe(str(problem)))
        except Exception as error:  # one malformed notebook is its own entry, never the end of the review
            return ReviewedSubmission(submission.id, {}, problem=f"the notebook could not be read ({type(error).__name__})")

