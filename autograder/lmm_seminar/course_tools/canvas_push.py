"""Send exported grades straight to a Canvas course through its REST API, with ``canvasapi``.

Only where the instructor asks (``export --to canvas --push COURSE_URL``), with a token
from the environment (``CANVAS_API_TOKEN``), never from a file or the command line.
Each assignment must name its Canvas assignment (``--title NAME="Title (id)"``); the
grades go in one bulk update per assignment, Canvas's own asynchronous job.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from .lms_export import ClassGrades, ExportError, Student

TOKEN_VARIABLE = "CANVAS_API_TOKEN"
_COURSE_URL = re.compile(r"^(?P<base>https?://[^/]+(?:/.*?)?)/courses/(?P<course>\d+)/?$")
_TITLE_ID = re.compile(r"\((?P<id>\d+)\)\s*$")


@dataclass(frozen=True)
class PushedAssignment:
    name: str
    canvas_id: int
    grades: int
    progress: str  # the bulk update job's state as Canvas reported it


def course_of(url: str) -> tuple[str, int]:
    """Canvas's base URL and the course id of a course's address (``https://canvas.example.edu/courses/123``)."""
    match = _COURSE_URL.match(url.strip())
    if not match or not urlsplit(url).netloc:
        raise ExportError(f"{url!r} is not a Canvas course address (like https://canvas.example.edu/courses/123)")
    return match.group("base"), int(match.group("course"))


def assignment_ids(titles: dict[str, str]) -> dict[str, int]:
    """The Canvas assignment id each title ends with, as in ``Seminar 1 (4567)``; every assignment needs one."""
    ids = {}
    for name, title in titles.items():
        match = _TITLE_ID.search(title)
        if not match:
            raise ExportError(f"pushing to Canvas needs the Canvas assignment of {name}: --title {name}=\"Title (id)\"")
        ids[name] = int(match.group("id"))
    return ids


def push_grades(course_url: str, token: str, grades: ClassGrades, roster: list[Student],
                titles: dict[str, str]) -> list[PushedAssignment]:
    """Post every roster student's score of each assignment to Canvas (students without a hand-in are left alone);
    ``titles`` gives every assignment's title, ending in its Canvas assignment id."""
    from canvasapi import Canvas
    from canvasapi.exceptions import CanvasException

    base, course_id = course_of(course_url)
    ids = assignment_ids(titles)
    pushed = []
    with warnings.catch_warnings():
        if base.startswith("http://"):  # a local Canvas (tests use one on loopback); canvasapi warns about plain http
            warnings.simplefilter("ignore", UserWarning)
        try:
            course = Canvas(base, token).get_course(course_id)
            for name in grades.assignments:
                assignment = course.get_assignment(ids[name])
                data = {s.fields["canvas_id"]: {"posted_grade": f"{grades.scores[s.id][name]:g}"}
                        for s in roster if name in grades.scores.get(s.id, {})}
                progress = assignment.submissions_bulk_update(grade_data=data)
                pushed.append(PushedAssignment(name, ids[name], len(data), str(getattr(progress, "workflow_state", ""))))
        except CanvasException as error:
            raise ExportError(f"Canvas refused the grades ({type(error).__name__}): {error}") from None
        except OSError as error:  # requests' connection errors are OSErrors: no Canvas at that address
            raise ExportError(f"could not reach Canvas at {base}: {type(error).__name__}") from None
    return pushed
