"""What grading one submission produces, independent of the engine that graded it."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

GRADED, ERROR, TIMEOUT = "graded", "error", "timeout"

#: The message of a written part that has no points in the manual scores yet.
NOT_MARKED = "not marked yet"
#: The comment `review` starts an empty or untouched written answer with (at 0 points): the student
#: is told there was no answer, not that a person marked it.
NO_ANSWER = "no answer: the cell was left empty or as the template"


@dataclass
class QuestionResult:
    """Points earned on one autograded question and the tests' messages."""

    name: str
    score: float
    max_score: float
    messages: list[str] = field(default_factory=list)
    #: a written part marked by hand (its messages are the grader's comment), not an autograded one
    written: bool = False
    #: how students know the question, when not by its name (e.g. "1b (written)" for q1b_written)
    title: str = ""

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def awaiting_marks(self) -> bool:
        """A written part the grader has not given points yet (its first message says so)."""
        return self.written and self.messages[:1] == [NOT_MARKED]

    @property
    def unanswered(self) -> bool:
        """A written part `review` found empty or untouched, still at the 0 points it started with."""
        return self.written and self.score == 0 and self.messages == [NO_ANSWER]

    @property
    def grader_comments(self) -> list[str]:
        """What the grader wrote about a written part (without the 'not marked yet' note)."""
        return self.messages[1:] if self.awaiting_marks else list(self.messages)


@dataclass
class SubmissionResult:
    """One row of the grade table."""

    submission: str
    path: str
    status: str
    max_score: float
    score: float | None = None
    questions: dict[str, QuestionResult] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0
    #: cells of the notebook that raised: cell number, the part it belongs to, exception type and message
    cell_errors: list[dict] = field(default_factory=list)
    #: how isolated the student's code ran (see ``sandbox.Isolation.describe``)
    isolation: str = ""
    #: with a due date: when it came in, how late, the percent taken off and the raw score (``late_policy``)
    late: dict | None = None
    #: with per-student variants: the variant judged (the roster's for who handed in)
    variant: int | None = None
    #: for the grader only, never in the student's feedback: why this hand-in's variant deserves a look
    #: (the notebook is another variant's, or whoever handed it in is not on the roster)
    variant_note: str = ""


def student_safe(text: object) -> str:
    """``plain_text``, and no path of the grading machine: an absolute path keeps only its last part.

    A reason or an error can name the grader's temporary folders (``/tmp/lmm-grade-x1/hand-in/...``),
    which say nothing to a student and something about the grading machine to anyone.
    """
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1), plain_text(text))


# A path of two or more parts from the root: "/tmp/x/y.ipynb" (not "ms/day", not "data/file.csv").
_ABSOLUTE_PATH = re.compile(r"(?<![\w/.])/(?:[^\s/'\"<>]+/)+([^\s/'\"<>]*)")


def plain_text(text: object) -> str:
    """``text`` without control and formatting characters (ESC, BEL, a right-to-left override...).

    Messages carry what a student's code raised or wrote on a figure; a terminal would obey
    an escape sequence in them, and a bidirectional override would make a page read otherwise
    than it says. Tabs and line breaks become spaces; every other such character becomes U+FFFD.
    """
    out = []
    for char in str(text):
        if char in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


# One failed test case in Otter's output ends with the exception's line,
# e.g. "AssertionError: `correlation`: this is Spearman's rank correlation ...".
_FAILURE_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*(?:Error|Exception)|AssertionError)\s*:\s*(.+)$")


def failure_messages(output: str) -> list[str]:
    """The student-facing messages of the failed test cases in an Otter test output.

    Only the exception message is kept, not the line of test code Otter
    quotes above it, so hidden test code is not shown to students.
    """
    messages = []
    for block in output.split("❌ Test case failed")[1:]:
        lines = [m.group(1).strip() for m in map(_FAILURE_LINE.match, block.splitlines()) if m]
        messages.append(plain_text(lines[0]) if lines else "this test failed")
    return messages


def question_from_otter(test: dict) -> QuestionResult:
    """A ``QuestionResult`` from one entry of Otter's ``results.json``."""
    return bounded(QuestionResult(
        name=test["name"],
        score=float(test.get("score") or 0.0),
        max_score=float(test.get("max_score") or 0.0),
        messages=failure_messages(test.get("output", "")),
    ))


def bounded(question: QuestionResult, max_score: float | None = None) -> QuestionResult:
    """The question with its score kept between 0 and its maximum, whatever a results file said.

    ``max_score`` is the question's points as the autograder defines them; it
    overrides a maximum read from a results file.
    """
    top = question.max_score if max_score is None else max_score
    top = top if math.isfinite(top) and top >= 0 else 0.0
    score = question.score if math.isfinite(question.score) else 0.0
    return QuestionResult(question.name, min(max(score, 0.0), top), top, question.messages, question.written, question.title)
