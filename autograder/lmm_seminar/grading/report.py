"""Write what grading found: the grade table, per-student feedback, the summary."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

from .results import ERROR, GRADED, NOT_MARKED, TIMEOUT, SubmissionResult

STATUSES = (GRADED, ERROR, TIMEOUT)


def grade_columns(questions: list[str]) -> list[str]:
    """Columns of grades.csv: fixed ones around one column per autograded question."""
    return ["submission", "status", "score", "max_score", *questions, "message", "path"]


def write_grades_csv(results: list[SubmissionResult], questions: list[str], path: Path) -> Path:
    """One row per submission; question cells hold points earned (blank when not graded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=grade_columns(questions))
        writer.writeheader()
        for result in sorted(results, key=lambda r: r.submission):
            row = {
                "submission": spreadsheet_safe(result.submission),
                "status": result.status,
                "score": _number(result.score),
                "max_score": _number(result.max_score),
                "message": spreadsheet_safe(result.message),
                "path": spreadsheet_safe(result.path),
            }
            for name in questions:
                question = result.questions.get(name)
                row[name] = _number(question.score if question else None)
            writer.writerow(row)
    return path


def write_feedback(result: SubmissionResult, questions: list[str], folder: Path) -> Path:
    """A Markdown page for the student: per question, passed or not, points, and what to fix."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# Feedback for {markdown_safe(result.submission)}", ""]
    if result.status != GRADED:
        lines += [f"**Your notebook could not be graded ({result.status}).** {markdown_safe(result.message)}", "",
                  "Please fix this and hand it in again, or ask your instructor."]
    else:
        if result.message:
            lines += [f"*Note: {markdown_safe(result.message)}*", ""]
        written = [n for n in questions if n in result.questions and result.questions[n].written]
        if written:
            auto = [result.questions[n] for n in questions if n in result.questions and n not in written]
            lines += [f"**Score: {_number(result.score)} / {_number(result.max_score)}** (autograded "
                      f"{_number(sum(q.score for q in auto))} / {_number(sum(q.max_score for q in auto))}, written "
                      f"{_number(sum(result.questions[n].score for n in written))} / "
                      f"{_number(sum(result.questions[n].max_score for n in written))})", ""]
        else:
            lines += [f"**Autograded score: {_number(result.score)} / {_number(result.max_score)}**", "",
                      "Written answers are marked separately by your instructor.", ""]
        lines += ["| Question | Result | Points |", "|---|---|---|"]
        for name in questions:
            q = result.questions.get(name)
            if q is None:
                lines.append(f"| {name} | not graded | 0 |")
            elif q.written:
                mark = NOT_MARKED if q.awaiting_marks else "marked by hand"
                lines.append(f"| {name} | {mark} | {_number(q.score)} / {_number(q.max_score)} |")
            else:
                mark = "passed" if q.passed else "not yet"
                lines.append(f"| {name} | {mark} | {_number(q.score)} / {_number(q.max_score)} |")
        details = [(n, result.questions[n]) for n in questions
                   if n in result.questions and not result.questions[n].passed and not result.questions[n].written]
        if details:
            lines += ["", "## What to look at", ""]
            for name, q in details:
                lines.append(f"### {name}")
                lines += [f"- {message_safe(m)}" for m in dict.fromkeys(q.messages)] or ["- a hidden test did not pass"]
                lines.append("")
        comments = [(n, result.questions[n], result.questions[n].grader_comments) for n in written]
        if any(said for _, _, said in comments):
            lines += ["", "## Comments on your written answers", ""]
            for name, q, said in comments:
                if said:
                    lines.append(f"### {name} ({_number(q.score)} / {_number(q.max_score)})")
                    # the grader's words, shown as text: one paragraph, no markup
                    lines += [f"- {markdown_safe(m)}" for m in said]
                    lines.append("")
    if result.cell_errors:
        lines += ["", "## Cells that raised an error", "",
                  "The rest of the notebook still ran; answers set in or after these cells may be missing.", ""]
        for error in result.cell_errors:
            part = f" (part {markdown_safe(str(error.get('question')))})" if error.get("question") not in (None, "", "None") else ""
            lines.append(f"- cell {markdown_safe(str(error.get('cell')))}{part}: "
                         f"{markdown_safe(str(error.get('type')))}: {markdown_safe(str(error.get('message')))}")
    path = folder / f"{result.submission}.md"
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def write_results_json(results: list[SubmissionResult], path: Path) -> Path:
    """Everything in machine-readable form, including the full messages per question."""
    data = [
        {
            "submission": r.submission, "path": r.path, "status": r.status, "score": r.score,
            "max_score": r.max_score, "message": r.message, "seconds": round(r.seconds, 2),
            "isolation": r.isolation, "cell_errors": r.cell_errors,
            "questions": {n: {"score": q.score, "max_score": q.max_score, "messages": q.messages,
                              "kind": "written" if q.written else "autograded"}
                          for n, q in r.questions.items()},
        }
        for r in sorted(results, key=lambda r: r.submission)
    ]
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def submission_result(result: SubmissionResult, questions: list[str]) -> dict:
    """One submission's result in a stable machine-readable form (the student workflow's result.json).

    Each autograded question is one entry of ``tests``: its name, ``passed``,
    ``failed`` or ``not graded``, the points and the feedback message.
    """
    tests = []
    for name in questions:
        q = result.questions.get(name)
        if q is None:
            tests.append({"name": name, "status": "not graded", "score": 0.0, "max_score": None, "message": result.message})
        elif q.written:  # marked by hand: no pass or fail, the grader's points and comment
            tests.append({"name": name, "status": NOT_MARKED if q.awaiting_marks else "marked", "score": q.score,
                          "max_score": q.max_score, "message": "; ".join(q.messages)})
        else:
            tests.append({"name": name, "status": "passed" if q.passed else "failed", "score": q.score,
                          "max_score": q.max_score, "message": "; ".join(dict.fromkeys(q.messages))})
    return {"submission": result.submission, "status": result.status, "score": result.score or 0.0,
            "max_score": result.max_score, "message": result.message, "tests": tests,
            "cell_errors": result.cell_errors, "isolation": result.isolation}


def write_submission_results(results: list[SubmissionResult], questions: list[str], folder: Path) -> list[Path]:
    """``folder/<submission>.json`` for every submission."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = folder / f"{result.submission}.json"
        path.write_text(json.dumps(submission_result(result, questions), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def summary_table(results: list[SubmissionResult], questions: list[str], most_failed: int = 5,
                  isolation: str = "") -> str:
    """A Markdown summary: how student code ran, count per status, mean score, the questions most often failed."""
    counts = Counter(r.status for r in results)
    graded = [r for r in results if r.status == GRADED]
    lines = [f"Student code: {markdown_safe(isolation)}", ""] if isolation else []
    lines += ["| status | submissions |", "|---|---|"]
    lines += [f"| {status} | {counts.get(status, 0)} |" for status in STATUSES]
    lines.append(f"| **total** | {len(results)} |")
    lines.append("")
    if graded:
        mean = sum(r.score or 0.0 for r in graded) / len(graded)
        lines.append(f"Mean score of graded submissions: **{mean:.2f} / {_number(graded[0].max_score)}**")
        failures = Counter(n for r in graded for n in questions
                           if n in r.questions and not r.questions[n].passed and not r.questions[n].written)
        if failures:
            lines += ["", "| most often failed | submissions failing |", "|---|---|"]
            lines += [f"| {name} | {count} of {len(graded)} |" for name, count in failures.most_common(most_failed)]
        else:
            lines.append("")
            lines.append("Every graded submission passed every autograded question.")
    else:
        lines.append("No submission could be graded.")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~>])")


def markdown_safe(text: str) -> str:
    """Text a student controls, shown as itself in Markdown (and the HTML it renders to): one line,
    Markdown punctuation escaped, ``<``, ``>`` and ``&`` as entities, so nothing in it is markup."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_MESSAGE_SPECIAL = re.compile(r"([\\\[\]|])")


def message_safe(text: str) -> str:
    """A check message in Markdown: our checks write names and values in `backticks`, which stay
    code; anything a student's answer put into the message (a figure title, say) still cannot
    become HTML, a link, an image or a table cell, so the page shows only what the check said."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MESSAGE_SPECIAL.sub(r"\\\1", text)


def spreadsheet_safe(text: str) -> str:
    """A grades.csv cell a spreadsheet will not run as a formula (OWASP's CSV-injection rule)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
