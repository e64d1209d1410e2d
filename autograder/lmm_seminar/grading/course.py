"""A course's grades across assignments: the gradebook, and the hand-ins that belong to none.

``lmm-seminar grade`` on a release of several assignments grades each hand-in
against its own assignment (``command.grade_course``); this module writes what
sits on top of the per-assignment folders.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .report import spreadsheet_safe
from .results import SubmissionResult, student_safe
from .submissions import Submission


def gradebook_rows(graded: dict[str, list[SubmissionResult]], maxima: dict[str, float]) -> list[dict[str, str]]:
    """One row per student (submission id): the score of each assignment (blank without a hand-in) and the total.

    ``maxima`` is each assignment's autograded maximum, used where it had no hand-in
    (otherwise its results say, written parts included when marks were merged).

    A hand-in that could not be graded counts 0 for its assignment; the assignment's
    own grades.csv says why.
    """
    students = sorted({result.submission for results in graded.values() for result in results})
    rows = []
    for student in students:
        row = {"student": spreadsheet_safe(student)}
        total = maximum = 0.0
        for name, results in graded.items():
            mine = next((r for r in results if r.submission == student), None)
            row[name] = "" if mine is None else f"{mine.score or 0:g}"
            total += (mine.score or 0) if mine else 0
            maximum += results[0].max_score if results else maxima.get(name, 0)
        row["total"], row["max_total"] = f"{total:g}", f"{maximum:g}"
        rows.append(row)
    return rows


def write_gradebook(graded: dict[str, list[SubmissionResult]], maxima: dict[str, float], path: Path) -> Path:
    """``gradebook.csv``: ``student``, a column per assignment, ``total`` and ``max_total``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student", *graded, "total", "max_total"])
        writer.writeheader()
        writer.writerows(gradebook_rows(graded, maxima))
    return path


def write_unmatched(unmatched: list[tuple[Submission, str]], path: Path) -> Path:
    """``unmatched.csv``: each hand-in that belongs to no assignment of the release, with the reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "reason", "path"])
        for submission, reason in unmatched:
            writer.writerow([spreadsheet_safe(submission.id), spreadsheet_safe(student_safe(reason)),
                             spreadsheet_safe(str(submission.path))])
    return path
