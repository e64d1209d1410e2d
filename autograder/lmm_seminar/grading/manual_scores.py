"""``manual-scores.csv``: the grader's points and comments for the written parts.

One row per submission; for each written question a points column (named
after the question, e.g. ``q6b_written``) and a comment column (``q6b_written comment``).
``lmm-seminar review`` writes it, keeping whatever a grader already entered;
``lmm-seminar grade --manual-scores`` reads it back, refusing the whole file
at the first row that cannot be right, so no grade table is ever written from
half a file.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .report import markdown_safe, spreadsheet_safe, spreadsheet_unquoted
from .results import GRADED, NOT_MARKED, QuestionResult, SubmissionResult
from ..written_parts import WrittenQuestion

COMMENT = " comment"


class ManualScoresError(ValueError):
    """A manual-scores file that cannot be used; the message names the row and the column."""


@dataclass(frozen=True)
class ManualScore:
    """The points a grader gave one written answer (``None``: not marked yet) and the comment."""

    points: float | None
    comment: str = ""


def columns(questions: list[WrittenQuestion]) -> list[str]:
    """The header of manual-scores.csv."""
    return ["submission"] + [c for q in questions for c in (q.name, q.name + COMMENT)]


def update_file(path: Path, questions: list[WrittenQuestion],
                prefilled: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Write manual-scores.csv with a row per submission, keeping every cell a grader already filled.

    ``prefilled`` gives, per submission, the starting points of each question
    ("0" for an empty or untouched answer, "" for one to mark) and, under the
    comment column's name, a starting comment where there is one. Rows already in
    the file (even of submissions no longer found) are kept as they are.
    Returns the rows written, by submission name as the grader's files spell it
    (unquoted), for showing how far marking has got.
    """
    rows: dict[str, dict[str, str]] = {}
    if path.is_file():
        with path.open(newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                if row.get("submission"):
                    name = spreadsheet_unquoted(row["submission"])
                    rows[name] = {k: v or "" for k, v in row.items() if k} | {"submission": name}
    for submission, start in prefilled.items():
        row = rows.setdefault(submission, {"submission": submission})
        for q in questions:
            row.setdefault(q.name, start.get(q.name, ""))
            row.setdefault(q.name + COMMENT, start.get(q.name + COMMENT, ""))
    header = columns(questions)
    fd, tmp = tempfile.mkstemp(prefix=".manual-scores-", suffix=".csv", dir=path.parent)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for submission in sorted(rows):
            # graders open this file in a spreadsheet: a name like "-x" or "@x" must not become a formula
            writer.writerow({c: rows[submission].get(c, "") for c in header} | {"submission": spreadsheet_safe(submission)})
    os.replace(tmp, path)  # a reader never sees half a file
    return rows


def read_file(path: Path, questions: list[WrittenQuestion], submissions: set[str]) -> dict[str, dict[str, ManualScore]]:
    """The scores in ``path``, checked against the written questions and the submissions graded.

    Raises ``ManualScoresError`` naming the row for an unknown submission, a
    repeated row, points that are not a number or lie outside 0 and the
    question's points, and for a missing or unknown column.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            table = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ManualScoresError(f"{path}: cannot be read as CSV ({error})") from None
    expected = columns(questions)
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    if missing:
        raise ManualScoresError(f"{path}: no column {missing[0]!r} (the header should be: {', '.join(expected)})")
    if unknown:
        raise ManualScoresError(f"{path}: unknown column {unknown[0]!r} (the header should be: {', '.join(expected)})")
    scores: dict[str, dict[str, ManualScore]] = {}
    for number, row in enumerate(table, start=2):  # row 1 is the header
        name = spreadsheet_unquoted((row.get("submission") or "").strip())
        where = f"{path}, row {number} ({name or 'no submission'})"
        if None in row:
            raise ManualScoresError(f"{where}: more cells than columns")
        if not name:
            raise ManualScoresError(f"{where}: the submission cell is empty")
        if name not in submissions:
            raise ManualScoresError(f"{where}: no submission called {name!r} was graded")
        if name in scores:
            raise ManualScoresError(f"{where}: a second row for {name!r}")
        scores[name] = {}
        for q in questions:
            text = (row.get(q.name) or "").strip()
            points = None
            if text:
                try:
                    points = float(text)
                except ValueError:
                    raise ManualScoresError(f"{where}: {q.name} is {text!r}, not a number") from None
                if not math.isfinite(points) or points < 0 or points > q.points:
                    raise ManualScoresError(f"{where}: {q.name} is {text}, outside 0 to {q.points:g}")
            scores[name][q.name] = ManualScore(points, (row.get(q.name + COMMENT) or "").strip())
    return scores


def apply_manual_scores(results: list[SubmissionResult], questions: list[WrittenQuestion],
                        scores: dict[str, dict[str, ManualScore]]) -> None:
    """Add the written parts to every result: their points to the score and to the maximum.

    A graded submission gets one question result per written part (0 points and
    "not marked yet" where the file has no points for it); a submission that
    could not be graded keeps no score, but its maximum becomes the full one.
    """
    total = sum(q.points for q in questions)
    for result in results:
        result.max_score += total
        if result.status != GRADED:
            continue
        marks = scores.get(result.submission, {})
        for q in questions:
            mark = marks.get(q.name, ManualScore(None))
            messages = [mark.comment] if mark.comment else []
            if mark.points is None:
                messages.insert(0, NOT_MARKED)
            result.questions[q.name] = QuestionResult(q.name, mark.points or 0.0, q.points, messages, written=True,
                                                      title=q.title)
            result.score = (result.score or 0.0) + (mark.points or 0.0)


def unmarked_parts(results: list[SubmissionResult], questions: list[WrittenQuestion]) -> dict[str, list[str]]:
    """Per written part, the graded hand-ins it has no points for yet (parts marked for everybody left out)."""
    waiting = {q.name: sorted(r.submission for r in results if r.status == GRADED and q.name in r.questions
                              and r.questions[q.name].awaiting_marks) for q in questions}
    return {name: ids for name, ids in waiting.items() if ids}


def unmarked_note(results: list[SubmissionResult], questions: list[WrittenQuestion], most: int = 5) -> str:
    """A Markdown note naming the written parts still to mark and whose, or nothing when all are marked."""
    waiting = unmarked_parts(results, questions)
    if not waiting:
        return ""
    lines = ["**Written parts still unmarked** (they count 0 until manual-scores.csv gives them points):"]
    for name, ids in waiting.items():
        shown = ", ".join(f"`{markdown_safe(i)}`" for i in ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")
        lines.append(f"- {name}: {len(ids)} hand-in(s): {shown}")
    return "\n\n" + "\n".join(lines)
