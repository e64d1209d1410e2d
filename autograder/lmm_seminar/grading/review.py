"""Review pages for the written parts: one self-contained HTML page per question, and an index.

A grader marks one question for the whole class at a time: the page shows the
question, its points, the model answer and the rubric, then every student's
answer. Answers left empty (or as the template) come first, then answers
that several students handed in word for word, then the rest, so both are
easy to spot.

Students' Markdown is rendered with ``markdown-it-py`` with raw HTML turned
off (it shows as text), images from addresses turned off (a page must not
fetch anything), and a Content-Security-Policy that allows no script at all:
whatever a student writes, the page only shows it.
"""

from __future__ import annotations

import base64
import html
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from ..written_parts import WrittenQuestion
from .written import WrittenAnswer

#: No script, no remote resource: only inline styles and images carried in the page itself.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #1a1a1a; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.box { border: 1px solid #ccc; border-radius: 6px; padding: 0.5rem 1rem; margin: 0.75rem 0; }
.model { background: #eef7ee; } .rubric { background: #f5f5fa; } .question { background: #fdf8e8; }
.answer h3 { font-size: 1rem; margin: 0.25rem 0; } .empty { color: #777; font-style: italic; }
.same { background: #fff0f0; } img { max-width: 100%; } table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
code, pre { background: #f3f3f3; } pre { padding: 0.5rem; overflow-x: auto; white-space: pre-wrap; }
"""


@dataclass(frozen=True)
class ReviewedSubmission:
    """One submission as the review pages see it: its answers, or why it could not be read."""

    submission: str
    answers: dict[str, WrittenAnswer]
    problem: str = ""  # why the notebook could not be read; empty when it was
    #: with per-student variants: the one the student was given (the model answer is variant 0's)
    variant: int | None = None


def markdown_renderer() -> MarkdownIt:
    """CommonMark with tables, raw HTML shown as text, and no images fetched from addresses."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.disable("image")
    return md


def question_page(question: WrittenQuestion, submissions: list[ReviewedSubmission],
                  graded: dict[str, str] | None = None) -> str:
    """The review page of one written question, as a complete HTML document.

    ``graded`` maps submission to the points already entered in
    ``manual-scores.csv`` (blank when not yet marked), shown beside each answer.
    """
    md = markdown_renderer()
    graded = graded or {}
    readable = [s for s in submissions if not s.problem]
    untouched = [s for s in readable if s.answers[question.name].untouched]
    by_text: dict[str, list[ReviewedSubmission]] = defaultdict(list)
    for s in readable:
        if not s.answers[question.name].untouched:
            by_text[_normalised(s.answers[question.name].text or "")].append(s)
    same = [group for group in by_text.values() if len(group) > 1]
    single = [group[0] for group in by_text.values() if len(group) == 1]

    parts = [f"<h1>{_e(question.label)} (written) · {_points(question.points)}</h1>",
             '<p><a href="index.html">All written questions</a></p>',
             f'<div class="box question">{md.render(question.prompt)}</div>',
             f'<h2>Model answer</h2><div class="box model">{md.render(question.model_answer or "(none given)")}</div>',
             f'<h2>Rubric</h2><div class="box rubric">{md.render(question.rubric or "(none given)")}</div>']
    if any(s.variant is not None for s in submissions):
        parts.append('<p class="variants">Each student has a variant of their own: the model answer is the published '
                     "one (variant 0), and each answer below says its student's variant. The figures of every variant "
                     "(its subjects, slopes and intercepts) are in <code>variants.md</code> beside the release.</p>")
    parts.append(f"<h2>Left empty or as the template ({len(untouched)})</h2>")
    if untouched:
        parts.append("<p>These start at 0 points in manual-scores.csv.</p><ul>")
        parts += [f"<li>{_e(s.submission)}{_variant(s)}{_not_found(s.answers[question.name])}{_mark(graded.get(s.submission))}</li>"
                  for s in untouched]
        parts.append("</ul>")
    parts.append(f"<h2>Identical answers ({sum(len(g) for g in same)})</h2>")
    for group in same:
        names = ", ".join(_e(s.submission) + _variant(s) for s in group)
        first = group[0].answers[question.name]
        parts.append(f'<div class="box answer same"><h3>Handed in word for word by {len(group)}: {names}</h3>'
                     f"{md.render(first.text or '')}{_figures(first)}</div>")
    parts.append(f"<h2>Answers ({len(single)})</h2>")
    for s in sorted(single, key=lambda s: s.submission):
        answer = s.answers[question.name]
        parts.append(f'<div class="box answer" id="{_e(s.submission)}"><h3>{_e(s.submission)}{_variant(s)}{_mark(graded.get(s.submission))}</h3>'
                     f"{md.render(answer.text or '')}{_figures(answer)}</div>")
    problems = [s for s in submissions if s.problem]
    if problems:
        parts.append(f"<h2>Could not be read ({len(problems)})</h2><ul>")
        parts += [f"<li>{_e(s.submission)}: {_e(s.problem)}</li>" for s in problems]
        parts.append("</ul>")
    return _document(f"{question.label} (written)", "\n".join(parts))


def index_page(questions: list[WrittenQuestion], submissions: list[ReviewedSubmission],
               graded: dict[str, dict[str, str]], lookalikes: list[list[str]] | None = None) -> str:
    """The index: one row per written question with links and how far marking has got."""
    rows = []
    readable = [s for s in submissions if not s.problem]
    for q in questions:
        answered = sum(not s.answers[q.name].untouched for s in readable)
        marked = sum(bool(graded.get(s.submission, {}).get(q.name, "").strip()) for s in submissions)
        rows.append(f'<tr><td><a href="{_e(page_name(q))}">{_e(q.label)}</a></td><td>{_points(q.points)}</td>'
                    f"<td>{answered} of {len(submissions)}</td><td>{marked} of {len(submissions)}</td></tr>")
    total = sum(q.points for q in questions)
    body = (f"<h1>Written answers: {len(questions)} questions, {_points(total)}</h1>"
            f"<p>{len(submissions)} submission(s). Enter points and comments in <code>manual-scores.csv</code>, "
            "then run <code>lmm-seminar grade … --manual-scores manual-scores.csv</code>.</p>"
            "<table><tr><th>Question</th><th>Points</th><th>Answered</th><th>Marked</th></tr>"
            + "".join(rows) + "</table>")
    if lookalikes:
        body += ("<h2>Ids that look alike</h2><p>Different characters that read the same: check who handed in which.</p><ul>"
                 + "".join(f"<li>{' / '.join(_e(i) for i in group)}</li>" for group in lookalikes) + "</ul>")
    return _document("Written answers", body)


def course_index_page(assignments: dict[str, int], unmatched: list[tuple[str, str]]) -> str:
    """The index of a review of several assignments: a link to each one's pages, and the hand-ins of none."""
    rows = "".join(f'<tr><td><a href="{_e(name)}/index.html">{_e(name)}</a></td><td>{count}</td></tr>'
                   for name, count in assignments.items())
    body = (f"<h1>Written answers: {len(assignments)} assignments</h1>"
            "<p>Each assignment has its own pages and its own <code>manual-scores.csv</code>; "
            "pass this folder to <code>lmm-seminar grade … --manual-scores</code>.</p>"
            f"<table><tr><th>Assignment</th><th>Hand-ins</th></tr>{rows}</table>")
    if unmatched:
        body += (f"<h2>Hand-ins of no assignment of this release ({len(unmatched)})</h2><ul>"
                 + "".join(f"<li>{_e(name)}: {_e(reason)}</li>" for name, reason in unmatched) + "</ul>")
    return _document("Written answers", body)


def page_name(question: WrittenQuestion) -> str:
    """File name of a question's review page."""
    return f"{question.name}.html"


def _document(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def _figures(answer: WrittenAnswer) -> str:
    return "".join(f'<img alt="the student\'s figure" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
                   for png in answer.figures)


def _not_found(answer: WrittenAnswer) -> str:
    # The notebook no longer has the question's cells (rebuilt by hand, say): worth a look before a 0.
    return " (this question is not in the notebook: check it by hand)" if answer.text is None else ""


def _variant(submission: ReviewedSubmission) -> str:
    return "" if submission.variant is None else f' <span class="variant">(variant {submission.variant})</span>'


def _mark(points: str | None) -> str:
    return f" · marked {_e(points)}" if points and points.strip() else ""


def _normalised(text: str) -> str:
    """An answer as compared for copies: compatibility-normalised (NFKC), without format characters
    (zero-width spaces and joiners, bidirectional marks), case-folded, white space folded."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(text.casefold().split())


def _points(points: float) -> str:
    value = f"{points:g}"
    return f"{value} point" if points == 1 else f"{value} points"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
