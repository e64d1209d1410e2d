"""What the class got right and wrong: per-question figures, the score distribution, time per hand-in.

Written by every grading run (``grade`` and ``merge``) beside the grade table, for the instructor:
a section of ``summary.md``, ``analytics.html`` (no script; the plot inline) and ``scores.png``.

Per autograded question, over the hand-ins that could be graded: the mean points, the share that
got full marks, the discrimination (the correlation of the question's points with the rest of the
total: high when the students who do well elsewhere do well here, near zero or negative when the
question does not tell strong from weak work) and the failing message seen most often.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..grading.results import GRADED, SubmissionResult

#: What the page may load: its own styles and the plot it carries inline, nothing else.
ANALYTICS_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class QuestionStats:
    name: str
    max_score: float
    mean: float
    share_full: float  # of graded hand-ins, 0 to 1
    discrimination: float | None  # None where it is undefined (every hand-in scored the same)
    common_failure: str  # the failing message seen most often, "" when nobody failed
    failures: int


def question_stats(results: list[SubmissionResult], questions: list[str]) -> list[QuestionStats]:
    """The figures of each autograded question over the graded hand-ins (see the module's docstring)."""
    import numpy as np

    graded = [r for r in results if r.status == GRADED]
    stats = []
    for name in questions:
        points = np.array([r.questions[name].score if name in r.questions else 0.0 for r in graded], dtype=float)
        top = max((r.questions[name].max_score for r in graded if name in r.questions), default=0.0)
        rest = np.array([sum(q.score for n, q in r.questions.items() if n in questions and n != name) for r in graded])
        discrimination = None
        if len(graded) > 2 and points.std() > 0 and rest.std() > 0:
            discrimination = float(np.corrcoef(points, rest)[0, 1])
        failing = Counter(m for r in graded if name in r.questions and not r.questions[name].passed
                          for m in dict.fromkeys(r.questions[name].messages or ["a hidden test did not pass"]))
        stats.append(QuestionStats(
            name=name, max_score=top, mean=float(points.mean()) if len(points) else 0.0,
            share_full=float(np.mean(points >= top)) if len(points) and top > 0 else 0.0,
            discrimination=discrimination,
            common_failure=failing.most_common(1)[0][0] if failing else "",
            failures=sum(1 for r in graded if name in r.questions and not r.questions[name].passed)))
    return stats


def summary_section(stats: list[QuestionStats]) -> str:
    """The per-question table of ``summary.md``."""
    from ..grading.report import message_safe

    lines = ["**Per question** (graded hand-ins; discrimination: correlation with the rest of the score)", "",
             "| question | mean | full marks | discrimination | failing message seen most |", "|---|---|---|---|---|"]
    for s in stats:
        said = message_safe(s.common_failure)[:160] if s.common_failure else ""
        lines.append(f"| {s.name} | {s.mean:.2f} / {s.max_score:g} | {s.share_full:.0%} | {_corr(s.discrimination)} | {said} |")
    return "\n".join(lines)


def score_plot_png(results: list[SubmissionResult]) -> bytes:
    """A histogram of the graded hand-ins' scores, as PNG bytes (matplotlib, no screen needed)."""
    from matplotlib.figure import Figure

    scores = [r.score or 0.0 for r in results if r.status == GRADED]
    top = max((r.max_score for r in results), default=1.0) or 1.0
    figure = Figure(figsize=(6, 3.2), dpi=100)
    ax = figure.subplots()
    ax.hist(scores, bins=min(20, max(5, int(top * 2))), range=(0, top), color="#4a6fa5", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("hand-ins")
    ax.set_title(f"Scores of {len(scores)} graded hand-in(s), out of {top:g}")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})  # no version string: same bytes every run
    return buffer.getvalue()


def analytics_html(results: list[SubmissionResult], stats: list[QuestionStats], png: bytes) -> str:
    """The instructor's page: per-question table, the score plot inline, and time per hand-in (slowest first)."""
    e = html.escape
    graded = [r for r in results if r.status == GRADED]
    rows = "".join(_row([e(s.name), f"{s.mean:.2f} / {s.max_score:g}", f"{s.share_full:.0%}", _corr(s.discrimination),
                         str(s.failures), e(s.common_failure)]) for s in stats)
    times = "".join(_row([e(r.submission), e(r.status), f"{r.seconds:.1f}"]) for r in sorted(results, key=lambda r: -r.seconds))
    mean = sum(r.score or 0 for r in graded) / len(graded) if graded else 0.0
    image = base64.b64encode(png).decode()
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{ANALYTICS_CSP}">'
        "<title>What the class got right and wrong</title><style>body{font-family:sans-serif;max-width:62rem;"
        "margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;"
        "padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f2f2f2}</style></head>\n<body>\n"
        "<h1>What the class got right and wrong</h1>\n"
        f"<p>{len(results)} hand-in(s), {len(graded)} graded; mean score {mean:.2f}.</p>\n"
        f'<img alt="Histogram of the scores" src="data:image/png;base64,{image}">\n'
        "<h2>Per question</h2>\n<p>Discrimination is the correlation of a question's points with the rest of the "
        "score: near 1 when it separates strong from weak work, near 0 or below when it does not.</p>\n"
        "<table><tr><th>question</th><th>mean</th><th>full marks</th><th>discrimination</th><th>failed by</th>"
        f"<th>failing message seen most</th></tr>{rows}</table>\n"
        f"<h2>Time per hand-in</h2>\n<table><tr><th>hand-in</th><th>status</th><th>seconds</th></tr>{times}</table>\n"
        "</body></html>\n")


def write_analytics(results: list[SubmissionResult], questions: list[str], out: Path) -> str:
    """``analytics.html`` and ``scores.png`` in ``out``; returns the summary's section."""
    stats = question_stats(results, questions)
    png = score_plot_png(results)
    (out / "scores.png").write_bytes(png)
    (out / "analytics.html").write_text(analytics_html(results, stats, png), encoding="utf-8")
    return summary_section(stats)


def _row(cells: list[str]) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>\n" for cell in cells) + "</tr>\n"


def _corr(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"
