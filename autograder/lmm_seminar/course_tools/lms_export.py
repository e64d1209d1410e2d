"""Grades out of the project's own tables and into the files a learning management system imports.

``lmm-seminar export`` reads a grading output (one assignment's ``grades.csv``,
or a course run's folder of them) and a roster that maps hand-in ids to the
LMS's own identifiers, and writes:

* ``canvas``: Canvas's gradebook CSV. Canvas matches students on its leading
  columns (``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``)
  and an assignment on its column header: ``Name (assignment id)`` updates that
  assignment, a bare name makes a new one. A ``Points Possible`` row follows the
  header, as in Canvas's own exports.
* ``moodle``: Moodle's grade import CSV: one identifier column (the roster
  column chosen, mapped to a user field during the import) and one column per
  grade item.
* ``csv``: the roster's columns and one score column per assignment, for any
  other system.

Students of the roster without a hand-in get a blank or a zero (the instructor
chooses); hand-ins that match no roster row are returned, for the command to
list and write beside the export, never dropped silently. The CSV writing is
the standard library's; what is ours is only the layout each LMS documents.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.report import spreadsheet_safe, spreadsheet_unquoted
from ..roster import Student

FORMATS = ("canvas", "moodle", "csv")
#: Canvas's leading columns, in the order its own gradebook export writes them.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Roster columns that fill them (``name`` and ``canvas_id`` are required for Canvas).
CANVAS_ROSTER = {"Student": "name", "ID": "canvas_id", "SIS User ID": "sis_user_id", "SIS Login ID": "sis_login_id",
                 "Section": "section"}


class ExportError(ValueError):
    """A roster or grades file the export cannot use; the message names the file and line."""





@dataclass
class ClassGrades:
    """What the export needs of a grading output: each assignment's maximum and each hand-in's score."""

    assignments: list[str]
    maxima: dict[str, float]
    #: hand-in id → assignment → score (a hand-in that could not be graded counts 0, as in gradebook.csv)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    #: hand-in id → assignment → why it could not be graded (listed by the command)
    ungraded: dict[str, dict[str, str]] = field(default_factory=dict)


def read_grades(graded: Path, assignment: str | None = None) -> ClassGrades:
    """The grades of a grading output: a course folder (``<assignment>/grades.csv`` each) or one ``grades.csv``.

    ``assignment`` names a single assignment's output (its grades.csv does not carry the name), or
    picks one assignment of a course output.
    """
    if graded.is_file():
        graded_files = {assignment or "": graded}
    elif (graded / "grades.csv").is_file():
        graded_files = {assignment or "": graded / "grades.csv"}
    else:
        graded_files = {p.parent.name: p for p in sorted(graded.glob("*/grades.csv"))}
        if assignment is not None:
            if assignment not in graded_files:
                raise ExportError(f"{graded}: no grades of assignment {assignment!r} (there are: "
                                  f"{', '.join(graded_files) or 'none'})")
            graded_files = {assignment: graded_files[assignment]}
    if not graded_files:
        raise ExportError(f"{graded}: no grades.csv (pass the --out folder of `lmm-seminar grade`)")
    if "" in graded_files:
        raise ExportError(f"{graded_files['']}: one assignment's grades: say which assignment they are (--assignment NAME)")
    grades = ClassGrades(list(graded_files), {})
    for name, path in graded_files.items():
        _read_grades_file(path, name, grades)
    return grades


def _read_grades_file(path: Path, assignment: str, grades: ClassGrades) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"submission", "status", "score", "max_score"} - set(reader.fieldnames or [])
        if missing:
            raise ExportError(f"{path}, line 1: not a grades.csv of `lmm-seminar grade` (no column {sorted(missing)[0]!r})")
        for line, row in enumerate(reader, start=2):
            student = spreadsheet_unquoted(row["submission"])  # grades.csv quotes a formula-like id
            try:
                maximum = float(row["max_score"])
                score = float(row["score"]) if row["status"] == "graded" else 0.0
            except ValueError:
                raise ExportError(f"{path}, line {line}: the score or max_score is not a number") from None
            known = grades.maxima.setdefault(assignment, maximum)
            if known != maximum:
                raise ExportError(f"{path}, line {line}: max_score {maximum:g}, but earlier rows say {known:g} "
                                  "(grades of two different gradings mixed?)")
            if assignment in grades.scores.get(student, {}):
                raise ExportError(f"{path}, line {line}: a second row for {student!r}")
            grades.scores.setdefault(student, {})[assignment] = score
            if row["status"] != "graded":
                grades.ungraded.setdefault(student, {})[assignment] = row.get("message", "") or row["status"]


@dataclass
class Export:
    """The rows to write and what did not fit: hand-ins of nobody on the roster, roster students without one."""

    header: list[str]
    rows: list[list[str]]
    not_on_roster: list[str]
    without_hand_in: list[str]


def build_export(grades: ClassGrades, roster: list[Student], to: str, *, missing: str = "blank",
                 titles: dict[str, str] | None = None, identifier: str = "email") -> Export:
    """The export table in the layout of ``to``; ``missing`` (``blank`` or ``zero``) for students without a
    hand-in; ``titles`` the LMS column title per assignment (Canvas: ``Name (id)`` to update an existing one)."""
    if to not in FORMATS:
        raise ExportError(f"no export format {to!r}: choose {', '.join(FORMATS)}")
    titles = {name: (titles or {}).get(name, name) for name in grades.assignments}
    empty = "0" if missing == "zero" else ""
    on_roster = {s.id for s in roster}

    def cells(student: Student) -> list[str]:
        mine = grades.scores.get(student.id, {})
        return [f"{mine[name]:g}" if name in mine else empty for name in grades.assignments]

    if to == "canvas":
        header = [*CANVAS_COLUMNS, *(titles[n] for n in grades.assignments)]
        rows = [["    Points Possible", "", "", "", "", *(f"{grades.maxima[n]:g}" for n in grades.assignments)]]
        rows += [[s.fields.get(CANVAS_ROSTER[c], "") for c in CANVAS_COLUMNS] + cells(s) for s in roster]
    elif to == "moodle":
        header = [identifier, *(titles[n] for n in grades.assignments)]
        rows = [[s.fields[identifier]] + cells(s) for s in roster]
    else:
        extra = [c for c in (roster[0].fields if roster else {}) if c != "id"]
        header = ["id", *extra, *(titles[n] for n in grades.assignments), "max_total"]
        total = f"{sum(grades.maxima.values()):g}"
        rows = [[s.id, *(s.fields[c] for c in extra)] + cells(s) + [total] for s in roster]
    return Export(header, rows, sorted(set(grades.scores) - on_roster),
                  [s.id for s in roster if s.id not in grades.scores])


def write_export(export: Export, path: Path) -> Path:
    """Write the export (UTF-8; every LMS here reads it) and, beside it, the hand-ins of nobody on the roster."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(export.header)
        writer.writerows([[_spreadsheet_safe(cell) for cell in row] for row in export.rows])
    return path


def _spreadsheet_safe(text: str) -> str:
    # "    Points Possible" and negative numbers are ours; a name from the roster could start a formula
    return text if text.strip() == "Points Possible" or _is_number(text) else spreadsheet_safe(text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

