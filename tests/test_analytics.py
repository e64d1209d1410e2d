"""The instructor's per-question figures: what the class got right and wrong, and which questions tell
strong from weak work. The properties on a small class made to show them; the page on the corpus run."""

from __future__ import annotations

import csv

import pytest

from browser import rendered
from lmm_seminar.course_tools.analytics import question_stats, summary_section
from lmm_seminar.grading.results import ERROR, GRADED, QuestionResult, SubmissionResult


def hand_in(name: str, points: dict[str, float], status: str = GRADED) -> SubmissionResult:
    questions = {q: QuestionResult(q, score, 1.0, [] if score >= 1 else [f"{q}: not yet"]) for q, score in points.items()}
    return SubmissionResult(name, f"{name}.ipynb", status, 3.0, sum(points.values()), questions)


#: strong students pass "sorts" and "hard"; weak ones fail both; nobody passes "hard" ... except the strong
CLASS = [
    hand_in("s1", {"easy": 1, "sorts": 1, "never": 0}),
    hand_in("s2", {"easy": 1, "sorts": 1, "never": 0}),
    hand_in("s3", {"easy": 1, "sorts": 1, "never": 0}),
    hand_in("w1", {"easy": 1, "sorts": 0, "never": 0}),
    hand_in("w2", {"easy": 0, "sorts": 0, "never": 0}),
    hand_in("w3", {"easy": 0, "sorts": 0, "never": 0}),
    hand_in("broken", {}, status=ERROR),
]


@pytest.fixture(scope="module")
def stats():
    return {s.name: s for s in question_stats(CLASS, ["easy", "sorts", "never"])}


def test_a_question_everybody_fails_has_no_full_marks_and_says_why(stats):
    assert (stats["never"].share_full, stats["never"].mean, stats["never"].failures) == (0.0, 0.0, 6)
    assert stats["never"].common_failure == "never: not yet"
    assert stats["never"].discrimination is None  # everybody scored the same: nothing to correlate


def test_a_question_the_strong_pass_and_the_weak_fail_discriminates(stats):
    assert stats["sorts"].discrimination > 0.5
    assert stats["sorts"].share_full == pytest.approx(0.5)


def test_hand_ins_that_could_not_be_graded_are_left_out(stats):
    assert stats["easy"].mean == pytest.approx(4 / 6)


def test_the_summary_section_is_a_table_per_question(stats):
    section = summary_section(list(stats.values()))
    assert "| sorts | 0.50 / 1 | 50% | +" in section and "| never | 0.00 / 1 | 0% | — | never: not yet |" in section


def test_grading_writes_the_page_and_the_plot(graded_class):
    out = graded_class.out
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "**Per question**" in (out / "summary.md").read_text(encoding="utf-8")


def test_the_page_in_a_browser_shows_each_question_with_the_figures_of_grades_csv(graded_class):
    out = graded_class.out
    text, tags = rendered(out / "analytics.html")
    assert "What the class got right and wrong" in text and "img" in tags and "script" not in tags
    with (out / "grades.csv").open(newline="") as f:
        graded = [row for row in csv.DictReader(f) if row["status"] == "graded"]
    mean_q2c = sum(float(row["q2c"]) for row in graded) / len(graded)
    assert f"q2c {mean_q2c:.2f} / 0.5" in text
    assert "Time per hand-in" in text and "cell_raises" in text
