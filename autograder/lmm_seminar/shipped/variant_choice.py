"""Which variant of an assignment the hidden tests judge: the one assigned to the student being graded.

Shipped inside the autograder zip beside the tests, so it imports nothing but the standard library.
The grader sets the variable below in the process that runs the hidden tests, from who handed in
(the roster's variant of that student), never from anything in the notebook. Unset, it is variant 0,
the assignment as published.
"""

from __future__ import annotations

import os

#: The environment variable holding the variant number of the student being judged.
VARIANT_VARIABLE = "LMM_SEMINAR_VARIANT"


def assigned_variant() -> int:
    """The variant number the grader assigned to the hand-in being judged (0 when none was)."""
    value = os.environ.get(VARIANT_VARIABLE, "").strip()
    return int(value) if value else 0
