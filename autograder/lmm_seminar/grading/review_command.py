"""``lmm-seminar review``: pages for marking the written answers by question, and the scores file."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import nbformat

from ..progress import progress_bar
from ..written_parts import WrittenQuestion
from .manual_scores import COMMENT, update_file
from .release_files import find_autograders, written_parts
from .review import ReviewedSubmission, course_index_page, index_page, page_name, question_page
from .results import NO_ANSWER, student_safe
from .submissions import (Submission, SubmissionProblem, assignment_submissions, check_paths, lookalike_ids,
                          prepare_notebook, route_submissions)
from ..variants import VariantTable
from .written import student_answers

SCORES_FILE = "manual-scores.csv"


def run_review_command(args: argparse.Namespace) -> int:
    """Write one review page per written question, an index and manual-scores.csv into ``args.out``
    (into ``args.out/<assignment>/`` for each assignment of a release of several, with an index on top)."""
    try:
        check_paths(args.paths)
        autograders = find_autograders(args.autograder, args.source, args.release)
        if len(autograders) == 1:
            ((name, autograder),) = autograders.items()
            # named as grade names them, so the scores file's ids are grade's; another assignment's hand-in
            # is listed with its reason
            mine, unmatched = assignment_submissions(args.paths, name)
            routed = {name: mine}
        else:
            routed, unmatched = route_submissions(args.paths, list(autograders))
        if not any(routed.values()) and not unmatched:
            raise FileNotFoundError(f"no submissions (.ipynb or .zip) found in {', '.join(map(str, args.paths))}")
        parts = {name: written_parts(autograder) for name, autograder in autograders.items()}
        if not any(parts.values()):
            raise ValueError(f"the assignment(s) {', '.join(autograders)} have no written (manual) questions")
    except (FileNotFoundError, ValueError) as error:
        print(f"lmm-seminar review: {error}", file=sys.stderr)
        return 2

    out: Path = args.out
    progress = getattr(args, "progress", None)
    if len(autograders) == 1:
        return review_assignment(parts[name], routed[name], out, refused=unmatched, progress=progress,
                                 variants=VariantTable.from_zip(autograder))
    for name, submissions in routed.items():
        if submissions and parts[name]:
            print(f"== {name}")
            review_assignment(parts[name], submissions, out / name, progress=progress,
                              variants=VariantTable.from_zip(autograders[name]))
    (out / "index.html").write_text(course_index_page({n: len(s) for n, s in routed.items() if s and parts[n]},
                                                      [(s.id, student_safe(r)) for s, r in unmatched]), encoding="utf-8")
    print(f"Open {out / 'index.html'}")
    return 0


def review_assignment(questions: list[WrittenQuestion], submissions: list[Submission], out: Path,
                      refused: list[tuple[Submission, str]] = (), progress: bool | None = None,
                      variants: VariantTable | None = None) -> int:
    """The review pages and scores file of one assignment's hand-ins, in ``out`` (``refused``: hand-ins that
    belong elsewhere, listed with the reason; ``progress``: the bar, see ``progress.progress_bar``; ``variants``:
    the release's per-student variants, so each answer says whose subjects it is about)."""
    reviewed = []
    with progress_bar(len(submissions), "hand-in", progress) as bar:
        for submission in submissions:
            reviewed.append(read_submission(submission, questions))
            if variants is not None:  # the roster's variant, never the notebook's (as grade judges it)
                reviewed[-1] = dataclasses.replace(reviewed[-1], variant=variants.students.get(submission.id, 0))
            bar.update()
    reviewed += [ReviewedSubmission(s.id, {}, problem=student_safe(reason)) for s, reason in refused]
    submissions = list(submissions) + [s for s, _ in refused]
    out.mkdir(parents=True, exist_ok=True)
    # an empty or untouched answer starts at 0, with a comment that says why (what its student will read)
    prefilled = {r.submission: {q.name: "0" if r.problem or r.answers[q.name].untouched else "" for q in questions}
                 | {q.name + COMMENT: NO_ANSWER for q in questions if not r.problem and r.answers[q.name].untouched}
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

