"""Which variant of an assignment the hidden tests judge: the one assigned to the student being graded.

Shipped inside the autograder zip beside the tests, so it imports nothing but the standard library.
The grader sets the variable below in the process that runs the hidden tests, from who handed in
(the roster's variant of that student), never from anything in the notebook; a zip made for one
variant (for ``otter run``) carries its number in a file instead. In an nbgrader course the hidden
tests run in the folder nbgrader grades the student in (``autograded/<student>/<assignment>``) and
read the roster's variants from the course's ``grading/<assignment>/variants.json``. None of these:
variant 0, the assignment as published.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Callable

#: The environment variable holding the variant number of the student being judged.
VARIANT_VARIABLE = "LMM_SEMINAR_VARIANT"
#: Beside this module in an autograder zip made for one variant (for ``otter run``): that variant's number.
VARIANT_FILE = "assigned-variant.txt"
#: In an nbgrader course, ``grading/<assignment>/`` holds this table: each roster id's variant, each variant's replacements.
VARIANTS_TABLE = "variants.json"


def assigned_variant() -> int:
    """The variant number the grader assigned to the hand-in being judged (0 when none was).

    A zip made for one variant says so in a file beside this module, and that comes first: under
    ``otter run`` the student's code shares the process with the tests and could set the variable.
    nbgrader's student folder comes next, for the same reason.
    """
    beside = Path(__file__).with_name(VARIANT_FILE)
    if beside.is_file():
        return int(beside.read_text(encoding="ascii").strip() or 0)
    if (graded := nbgrader_hand_in()) is not None:
        return graded[0]
    value = os.environ.get(VARIANT_VARIABLE, "").strip()
    return int(value) if value else 0


def nbgrader_hand_in(folder: Path | None = None) -> tuple[int, dict[str, str]] | None:
    """The variant and replacements of the student nbgrader grades in ``folder`` (the working folder).

    nbgrader runs a hand-in in ``<course>/autograded/<student>/<assignment>/``; the release puts the
    roster's variants in ``<course>/grading/<assignment>/variants.json``. None when ``folder`` is not
    such a place or the course has no variants; variant 0 for a student not on the roster.
    """
    try:  # a sandboxed judge may not be allowed to look at its working folder: then it is no nbgrader course
        here = (folder or Path.cwd()).resolve()
        if len(here.parents) < 3 or here.parents[1].name != "autograded":
            return None
        table = here.parents[2] / "grading" / here.name / VARIANTS_TABLE
        if not table.is_file():
            return None
        data = json.loads(table.read_text(encoding="utf-8"))
    except OSError:
        return None
    variant = int(data["students"].get(here.parent.name, 0))
    return variant, {str(k): str(v) for k, v in data["replacements"][variant].items()}


def call_with_their_names(test: Callable[..., object], names: tuple[str, ...], namespace: dict) -> object:
    """Call a hidden test in an nbgrader course on the answers of the student being graded.

    The test takes the answers under the published names (``names``); a variant may store them under
    others (``m_308`` as ``m_352``), so each is looked up in ``namespace`` (the notebook's) under the
    student's own name, and a failing test's message names the answers as the student's notebook does.
    """
    graded = nbgrader_hand_in()
    theirs = {name: substitute(name, graded[1]) for name in names} if graded else {name: name for name in names}
    try:
        return test(**{name: namespace.get(theirs[name]) for name in names})
    except AssertionError as error:
        renamed = {ours: mine for ours, mine in theirs.items() if mine != ours}
        if not renamed:
            raise
        raise AssertionError(in_their_names(str(error), renamed)) from None


def in_their_names(message: str, renamed: dict[str, str]) -> str:
    """``message`` with each answer name in ``renamed`` (the tests' name → the student's) written as the
    student's notebook has it; only whole names are replaced."""
    if not renamed:
        return message
    pattern = re.compile(r"\b(" + "|".join(re.escape(name) for name in sorted(renamed, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda match: renamed[match.group(1)], message)


def substitute(text: str, replacements: dict[str, str]) -> str:
    """``text`` with every key of ``replacements`` replaced at once (a replacement is never replaced again).

    A key of digits is an id and matches only as a whole number (``m_308`` and ``Subject 308`` match,
    ``1308`` and ``308.5`` do not); any other key matches literally. Longer keys win.
    """
    if not replacements:
        return text
    parts = []
    for key in sorted(replacements, key=len, reverse=True):
        escaped = re.escape(key)
        parts.append(rf"(?<![\d.]){escaped}(?!\d|\.\d)" if key.isdigit() else escaped)
    pattern = re.compile("|".join(parts))
    return pattern.sub(lambda match: replacements[match.group(0)], text)
