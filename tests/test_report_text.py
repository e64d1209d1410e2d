"""What the feedback pages and the grade table do with text a student controls."""
from __future__ import annotations

import pytest

from lmm_seminar.grading.report import markdown_safe, message_safe, spreadsheet_safe

# (text a check message may carry, what must appear, what must not appear)
MESSAGE_CASES = [
    ("`correlation` is still `...`", "`correlation` is still `...`", "\\`"),
    ("title is <script>alert(1)</script>", "&lt;script&gt;", "<script>"),
    ("see [here](javascript:alert(1))", "\\[here\\]", "[here]("),
    ("![x](http://example.org/a.png)", "!\\[x\\]", "![x]("),
    ("a | b", "a \\| b", " | "),
    ("two\nlines", "two lines", "\n"),
]


@pytest.mark.parametrize("text, shown, absent", MESSAGE_CASES, ids=[c[0][:24] for c in MESSAGE_CASES])
def test_check_messages_keep_code_spans_but_never_become_markup(text, shown, absent):
    safe = message_safe(text)
    assert shown in safe
    assert absent not in safe


def test_names_a_student_chose_are_shown_as_plain_text():
    assert markdown_safe("my_*notebook*") == "my\\_\\*notebook\\*"


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)"])
def test_spreadsheet_formulas_are_neutralised(name):
    assert spreadsheet_safe(name) == "'" + name
