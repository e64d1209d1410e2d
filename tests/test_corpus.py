"""The hidden tests judge like a careful instructor: every correct way passes, every slip is caught.

The corpus (``corpus.py``) is graded once through the built autograder by
``lmm-seminar grade`` (the ``graded_class`` fixture); each test checks one
submission's verdict on every autograded question, and that each failing
question's feedback names what is wrong.
"""

from __future__ import annotations

import pytest

from corpus import CORRECT, WRONG
from test_release import SEMINAR_QUESTIONS

#: Grades a whole corpus: minutes. `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


FULL_MARKS = {"q1a": 0.5, "q1b": 0.5, "q1c": 0.5, "q2a": 1, "q2b": 0.5, "q2c": 0.5, "q3a": 0.5, "q3b": 0.5,
              "q3c": 0.5, "q4a": 0.75, "q4b": 0.75, "q5a": 0.5, "q5b": 0.5, "q5c": 0.5, "q6a": 1}


def verdict(graded_class, name: str) -> dict[str, float]:
    row = graded_class.rows[name]
    assert row["status"] == "graded", row["message"]
    return {q: float(row[q]) for q in SEMINAR_QUESTIONS}


def test_corpus_is_large_enough_and_covers_every_question():
    assert len(CORRECT) >= 10 and len(WRONG) >= 25
    assert {q for v in WRONG for q in v.points} == set(SEMINAR_QUESTIONS)


@pytest.mark.parametrize("variant", CORRECT, ids=lambda v: v.name)
def test_correct_submission_gets_full_marks(graded_class, variant):
    assert verdict(graded_class, variant.name) == FULL_MARKS


@pytest.mark.parametrize("variant", WRONG, ids=lambda v: v.name)
def test_wrong_submission_loses_exactly_the_expected_points(graded_class, variant):
    assert verdict(graded_class, variant.name) == {**FULL_MARKS, **variant.points}


@pytest.mark.parametrize("variant", WRONG, ids=lambda v: v.name)
def test_wrong_submission_is_told_what_is_wrong(graded_class, variant):
    questions = graded_class.details[variant.name]["questions"]
    for question, words in variant.messages.items():
        messages = " ".join(questions[question]["messages"])
        assert words in messages, f"{question}: {messages}"


@pytest.mark.parametrize("variant", CORRECT + WRONG, ids=lambda v: v.name)
def test_the_sandbox_engine_and_otter_run_give_the_same_verdict(graded_class, graded_class_by_otter, variant):
    # One set of hidden tests: the judge runs them on reported facts, otter run on the kernel's objects.
    assert verdict(graded_class, variant.name) == verdict(graded_class_by_otter, variant.name)
    ours = graded_class.details[variant.name]["questions"]
    otters = graded_class_by_otter.details[variant.name]["questions"]
    for question, detail in ours.items():
        assert set(detail["messages"]) <= set(otters[question]["messages"]), question
