"""The second seminar's hidden tests judge like a careful instructor, under both engines.

The corpus (``corpus_slopes.py``) is graded once by each engine; every correct
route gets full marks, every one-mistake case loses exactly what it should and is
told why, and the two engines give the same points.
"""

from __future__ import annotations

import pytest

from corpus_slopes import CORRECT_SLOPES, Q, WRONG_SLOPES

#: Grades a whole corpus: minutes. `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


def verdict(run, name: str) -> dict[str, float]:
    row = run.rows[name]
    assert row["status"] == "graded", row["message"]
    return {q: float(row[q]) for q in Q}


def test_the_solution_scores_full_marks_and_the_blank_nothing_in_both_engines(graded_slopes, graded_slopes_by_otter):
    for run in (graded_slopes, graded_slopes_by_otter):
        assert verdict(run, "solution") == Q
        assert verdict(run, "blank") == {q: 0 for q in Q}


def test_the_corpus_covers_every_question_with_thirty_cases_or_more():
    assert len(CORRECT_SLOPES) + len(WRONG_SLOPES) >= 30
    assert {q for v in WRONG_SLOPES for q in v.points} == set(Q)


@pytest.mark.parametrize("variant", CORRECT_SLOPES, ids=lambda v: v.name)
def test_correct_route_gets_full_marks(graded_slopes, variant):
    assert verdict(graded_slopes, variant.name) == Q


@pytest.mark.parametrize("variant", WRONG_SLOPES, ids=lambda v: v.name)
def test_one_mistake_loses_exactly_the_expected_points(graded_slopes, variant):
    assert verdict(graded_slopes, variant.name) == {**Q, **variant.points}


@pytest.mark.parametrize("variant", WRONG_SLOPES, ids=lambda v: v.name)
def test_one_mistake_is_told_what_is_wrong(graded_slopes, variant):
    questions = graded_slopes.details[variant.name]["questions"]
    for question, words in variant.messages.items():
        messages = " ".join(questions[question]["messages"])
        assert words in messages, f"{question}: {messages}"


@pytest.mark.parametrize("variant", CORRECT_SLOPES + WRONG_SLOPES, ids=lambda v: v.name)
def test_both_engines_give_the_same_points(graded_slopes, graded_slopes_by_otter, variant):
    assert verdict(graded_slopes, variant.name) == verdict(graded_slopes_by_otter, variant.name)
