"""Which variant of an assignment the hidden tests judge: the one assigned to the student being graded.

Shipped inside the autograder zip beside the tests, so it imports nothing but the standard library.
The grader sets the variable below in the process that runs the hidden tests, from who handed in
(the roster's variant of that student), never from anything in the notebook; a zip made for one
variant (for ``otter run``) carries its number in a file instead. Neither: variant 0, the assignment
as published.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: The environment variable holding the variant number of the student being judged.
VARIANT_VARIABLE = "LMM_SEMINAR_VARIANT"
#: Beside this module in an autograder zip made for one variant (for ``otter run``): that variant's number.
VARIANT_FILE = "assigned-variant.txt"


def assigned_variant() -> int:
    """The variant number the grader assigned to the hand-in being judged (0 when none was).

    A zip made for one variant says so in a file beside this module, and that comes first: under
    ``otter run`` the student's code shares the process with the tests and could set the variable.
    """
    beside = Path(__file__).with_name(VARIANT_FILE)
    value = beside.read_text(encoding="ascii").strip() if beside.is_file() else os.environ.get(VARIANT_VARIABLE, "").strip()
    return int(value) if value else 0


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
