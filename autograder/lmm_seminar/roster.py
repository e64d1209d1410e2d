"""The course roster: one row per student, an ``id`` column (the id a student's hand-ins are graded
under) and whatever else the course keeps (the LMS's own ids, names, sections).

Read by the release (each student's variant) and by the export (grades into the LMS); the CSV reading
is the standard library's.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Student:
    """One roster row: the hand-in id it answers to and the LMS's own fields."""

    id: str
    fields: dict[str, str]
    line: int


def read_roster(path: Path, required: tuple[str, ...] = ()) -> list[Student]:
    """The roster: an ``id`` column (the hand-in ids grading gave) and the LMS's fields; ``required`` columns
    must be there and filled in. Duplicate ids and missing columns are refused, naming the line."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = reader.fieldnames or []
            for column in ("id", *required):
                if column not in columns:
                    raise RosterError(f"{path}, line 1: no column {column!r} (the roster's columns: {', '.join(columns) or 'none'})")
            students: list[Student] = []
            seen: dict[str, int] = {}
            for line, row in enumerate(reader, start=2):
                if None in row:
                    raise RosterError(f"{path}, line {line}: more cells than columns")
                student = (row["id"] or "").strip()
                if not student:
                    raise RosterError(f"{path}, line {line}: the id cell is empty")
                if student in seen:
                    raise RosterError(f"{path}, line {line}: id {student!r} again (first on line {seen[student]})")
                for column in required:
                    if not (row[column] or "").strip():
                        raise RosterError(f"{path}, line {line}: {column} is empty for {student!r}")
                seen[student] = line
                students.append(Student(student, {k: (v or "").strip() for k, v in row.items()}, line))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"{path}: cannot read the roster: {error}") from None
    return students
