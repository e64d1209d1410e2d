"""Write what grading found: the grade table, per-student feedback, the summary."""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .results import ERROR, GRADED, NOT_MARKED, TIMEOUT, SubmissionResult, plain_text

STATUSES = (GRADED, ERROR, TIMEOUT)


#: grades.csv's columns for a late policy, after max_score (only when a due date was given).
LATE_COLUMNS = ["raw_score", "late_penalty_percent", "handed_in"]


def grade_columns(questions: list[str], late: bool = False, variants: bool = False) -> list[str]:
    """Columns of grades.csv: fixed ones around one column per autograded question."""
    return ["submission", "status", "score", "max_score", *(LATE_COLUMNS if late else []), *(["variant"] if variants else []),
            *questions, "message", "path"]


def write_grades_csv(results: list[SubmissionResult], questions: list[str], path: Path) -> Path:
    """One row per submission; question cells hold points earned (blank when not graded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        late = any(r.late for r in results)
        variants = any(r.variant is not None for r in results)
        writer = csv.DictWriter(f, fieldnames=grade_columns(questions, late, variants))
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
            if late and result.late:
                row.update(raw_score=_number(result.late.get("raw_score")), handed_in=result.late.get("handed_in", ""),
                           late_penalty_percent=_number(result.late.get("penalty_percent")))
            if variants:
                row["variant"] = "" if result.variant is None else str(result.variant)
            for name in questions:
                question = result.questions.get(name)
                row[name] = _number(question.score if question else None)
            writer.writerow(row)
    return path


#: One run of text on a feedback page and how it is shown: "ours" (the grader program's own words),
#: "theirs" (a student's or a grader's words, shown as typed, never as markup), "message" (a check's
#: message: its `names` are code, the rest as typed), "strong" and "em" (our own words, emphasised).
Span = tuple[str, str]
Paragraph = list[Span]


@dataclass
class Block:
    """A part of a feedback page: a heading, paragraphs, a bulleted list, a table."""

    heading: Paragraph = field(default_factory=list)
    level: int = 2
    paragraphs: list[Paragraph] = field(default_factory=list)
    items: list[Paragraph] = field(default_factory=list)
    table: list[tuple[str, str, str]] = field(default_factory=list)  # rows under "Question | Result | Points"


def feedback_blocks(result: SubmissionResult, questions: list[str]) -> list[Block]:
    """What the student's feedback page says, whichever format it is written in."""
    blocks = [Block([("ours", "Feedback for "), ("theirs", result.submission)], level=1)]
    if result.status != GRADED:
        blocks.append(Block(paragraphs=[
            [("strong", f"Your notebook could not be graded ({result.status})."), ("ours", " "), ("theirs", result.message)],
            [("ours", "Please fix this and hand it in again, or ask your instructor.")]]))
    else:
        intro: list[Paragraph] = [[("em", "Note:"), ("ours", " "), ("theirs", result.message)]] if result.message else []
        written = [n for n in questions if n in result.questions and result.questions[n].written]
        if written:
            auto = [result.questions[n] for n in questions if n in result.questions and n not in written]
            intro.append([("strong", f"Score: {_number(result.score)} / {_number(result.max_score)}"), (
                "ours", f" (autograded {_number(sum(q.score for q in auto))} / {_number(sum(q.max_score for q in auto))}, "
                f"written {_number(sum(result.questions[n].score for n in written))} / "
                f"{_number(sum(result.questions[n].max_score for n in written))})")])
        else:
            intro += [[("strong", f"Autograded score: {_number(result.score)} / {_number(result.max_score)}")],
                      [("ours", "Written answers are marked separately by your instructor.")]]
        late = result.late or {}
        if late.get("after_cutoff"):
            intro.append([("strong", "Handed in after the last accepted time"), (
                "ours", f" ({late.get('handed_in')}): it scores 0 (before that rule: {_number(late.get('raw_score'))}).")])
        elif late.get("penalty_percent"):
            intro.append([("strong", f"Late: {late.get('late_hours'):g} hours after the due date"), (
                "ours", f" (handed in {late.get('handed_in')}): {_number(late.get('penalty_percent'))}% off, "
                        f"{_number(late.get('raw_score'))} before the penalty.")])
        rows = []
        for name in questions:
            q = result.questions.get(name)
            if q is None:
                rows.append((name, "not graded", "0"))
            else:
                if q.written:
                    mark = NOT_MARKED if q.awaiting_marks else "no answer" if q.unanswered else "marked by hand"
                else:
                    mark = "passed" if q.passed else "not yet"
                rows.append((q.title or name, mark, f"{_number(q.score)} / {_number(q.max_score)}"))
        blocks.append(Block(paragraphs=intro, table=rows))
        details = [(n, result.questions[n]) for n in questions
                   if n in result.questions and not result.questions[n].passed and not result.questions[n].written]
        if details:
            blocks.append(Block([("ours", "What to look at")]))
            for name, q in details:
                said = [[("message", m)] for m in dict.fromkeys(q.messages)] or [[("ours", "a hidden test did not pass")]]
                blocks.append(Block([("ours", q.title or name)], level=3, items=said))
        comments = [(result.questions[n], result.questions[n].grader_comments) for n in written]
        if any(said for _, said in comments):
            blocks.append(Block([("ours", "Comments on your written answers")]))
            for q, said in comments:
                if said:
                    heading = f"{q.title or q.name}: {_number(q.score)} / {_number(q.max_score)}"
                    blocks.append(Block([("ours", heading)], level=3, items=[[("theirs", m)] for m in said]))
    if result.cell_errors:
        items = []
        for error in result.cell_errors:
            part = f" (part {error.get('question')})" if error.get("question") not in (None, "", "None") else ""
            items.append([("theirs", f"cell {error.get('cell')}{part}: {error.get('type')}: {error.get('message')}")])
        blocks.append(Block([("ours", "Cells that raised an error")], paragraphs=[[(
            "ours", "The rest of the notebook still ran; answers set in or after these cells may be missing.")]],
            items=items))
    return blocks


def feedback_markdown(blocks: list[Block]) -> str:
    """The feedback page as Markdown: everything a student or grader wrote shows as text, never as markup."""
    shown = {"ours": str, "theirs": markdown_safe, "message": message_safe,
             "strong": lambda t: f"**{t}**", "em": lambda t: f"*{t}*"}

    def spans(paragraph: Paragraph) -> str:
        return "".join(shown[kind](text) for kind, text in paragraph)

    lines: list[str] = []
    for block in blocks:
        if block.heading:
            lines += [f"{'#' * block.level} {spans(block.heading)}", ""]
        for paragraph in block.paragraphs:
            lines += [spans(paragraph), ""]
        if block.table:
            lines += ["| Question | Result | Points |", "|---|---|---|"]
            lines += [f"| {q} | {r} | {p} |" for q, r, p in block.table]
            lines.append("")
        if block.items:
            lines += [f"- {spans(item)}" for item in block.items]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CODE_SPAN = re.compile(r"`([^`]*)`")

#: The page runs nothing and loads nothing: styles are inline.
FEEDBACK_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_FEEDBACK_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.25rem 0.75rem; text-align: left; }
.passed { color: #1b6e20; } .not-yet { color: #a4000f; } code { background: #f3f3f3; padding: 0 0.2rem; }
li { white-space: pre-wrap; }
"""


def feedback_html(blocks: list[Block]) -> str:
    """The feedback page as a self-contained HTML document; every text is escaped, so it reads as typed."""
    def spans(paragraph: Paragraph) -> str:
        out = []
        for kind, text in paragraph:
            escaped = html.escape(plain_text(text))
            if kind == "message":
                escaped = _CODE_SPAN.sub(r"<code>\1</code>", escaped)
            out.append(f"<{kind}>{escaped}</{kind}>" if kind in ("strong", "em") else escaped)
        return "".join(out)

    title = html.escape(plain_text("".join(text for _, text in blocks[0].heading))) if blocks else "Feedback"
    body = []
    for block in blocks:
        if block.heading:
            body.append(f"<h{block.level}>{spans(block.heading)}</h{block.level}>")
        body += [f"<p>{spans(p)}</p>" for p in block.paragraphs]
        if block.table:
            body.append("<table><thead><tr><th>Question</th><th>Result</th><th>Points</th></tr></thead><tbody>")
            for question, mark, points in block.table:
                css = {"passed": "passed", "not yet": "not-yet"}.get(mark, "")
                body.append(f'<tr><td>{html.escape(plain_text(question))}</td><td class="{css}">{html.escape(mark)}</td>'
                            f"<td>{html.escape(points)}</td></tr>")
            body.append("</tbody></table>")
        if block.items:
            body.append("<ul>" + "".join(f"<li>{spans(item)}</li>" for item in block.items) + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{FEEDBACK_CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{_FEEDBACK_STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_feedback(result: SubmissionResult, questions: list[str], folder: Path) -> Path:
    """The student's feedback pages, ``<submission>.md`` and ``<submission>.html``: per question, passed
    or not, points, what to fix, the grader's comments; returns the Markdown page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = feedback_blocks(result, questions)
    (folder / f"{result.submission}.html").write_text(feedback_html(blocks), encoding="utf-8")
    path = folder / f"{result.submission}.md"
    path.write_text(feedback_markdown(blocks), encoding="utf-8")
    return path


def write_results_json(results: list[SubmissionResult], path: Path) -> Path:
    """Everything in machine-readable form, including the full messages per question."""
    data = [
        {
            "submission": r.submission, "path": r.path, "status": r.status, "score": r.score,
            "max_score": r.max_score, "message": r.message, "seconds": round(r.seconds, 2),
            "isolation": r.isolation, "cell_errors": r.cell_errors, "late": r.late,
            "variant": r.variant, "variant_note": r.variant_note,
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
            "cell_errors": result.cell_errors, "isolation": result.isolation, "late": result.late}


def write_submission_results(results: list[SubmissionResult], questions: list[str], folder: Path) -> list[Path]:
    """``folder/<submission>.json`` for every submission."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = folder / f"{result.submission}.json"
        path.write_text(json.dumps(submission_result(result, questions), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def summary_table(results: list[SubmissionResult], questions: list[str], most_failed: int = 5) -> str:
    """A Markdown summary: count per status, mean score, the questions most often failed."""
    counts = Counter(r.status for r in results)
    graded = [r for r in results if r.status == GRADED]
    lines = ["| status | submissions |", "|---|---|"]
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
            # most failures first, ties in question order: the same summary whatever order grading finished in
            ranked = sorted(failures.items(), key=lambda item: (-item[1], questions.index(item[0])))[:most_failed]
            lines += [f"| {name} | {count} of {len(graded)} |" for name, count in ranked]
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
    text = " ".join(plain_text(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_MESSAGE_SPECIAL = re.compile(r"([\\\[\]|])")


def message_safe(text: str) -> str:
    """A check message in Markdown: our checks write names and values in `backticks`, which stay
    code; anything a student's answer put into the message (a figure title, say) still cannot
    become HTML, a link, an image or a table cell, so the page shows only what the check said."""
    text = " ".join(plain_text(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MESSAGE_SPECIAL.sub(r"\\\1", text)


#: First characters that make a spreadsheet read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A grades.csv cell a spreadsheet will not run as a formula (OWASP's CSV-injection rule)."""
    text = plain_text(text)
    return "'" + text if text[:1] in _FORMULA_START else text


def spreadsheet_unquoted(cell: str) -> str:
    """A cell ``spreadsheet_safe`` wrote, as the text it stands for (without the quote before a formula-like text)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in _FORMULA_START else cell
