"""``lmm-seminar export``: a grading output and a roster in, the file an LMS imports out."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from ..roster import RosterError, read_roster
from .lms_export import ExportError, build_export, read_grades, write_export


def run_export_command(args: argparse.Namespace) -> int:
    """0 when the file was written (every mismatch listed), 2 when the inputs cannot be used."""
    try:
        grades = read_grades(args.graded, args.assignment)
        titles = _titles(args.title, grades.assignments)
        required = {"canvas": ("name", "canvas_id"), "moodle": (args.moodle_identifier,), "csv": ()}[args.to]
        roster = read_roster(args.roster, required)
        export = build_export(grades, roster, args.to, missing=args.missing, titles=titles,
                              identifier=args.moodle_identifier)
        if args.push:
            from .canvas_push import assignment_ids, course_of

            if args.to != "canvas":
                raise ExportError("--push sends grades to Canvas: use it with --to canvas")
            course_of(args.push)  # both checked before anything is written or sent
            assignment_ids(titles)
    except (ExportError, RosterError) as error:
        print(f"lmm-seminar export: {error}", file=sys.stderr)
        return 2
    out: Path = args.out or Path(f"{args.to}-grades.csv")
    write_export(export, out)
    print(f"Wrote {out}: {len(roster)} student(s) of {args.roster.name}, {len(grades.assignments)} assignment(s) "
          f"({', '.join(grades.assignments)}) for {args.to}")
    if export.without_hand_in:
        shown = "a zero" if args.missing == "zero" else "a blank"
        print(f"{len(export.without_hand_in)} student(s) of the roster handed nothing in and get {shown}: "
              + ", ".join(export.without_hand_in))
    for student, reasons in sorted(grades.ungraded.items()):
        for name, reason in reasons.items():
            print(f"{student}'s hand-in of {name} could not be graded and counts 0 ({reason[:120]})")
    if export.not_on_roster:
        listed = out.with_name(f"{out.stem}-not-on-roster.csv")
        with listed.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", *grades.assignments])
            for student in export.not_on_roster:
                writer.writerow([student, *(f"{grades.scores[student][n]:g}" if n in grades.scores[student] else ""
                                            for n in grades.assignments)])
        print(f"{len(export.not_on_roster)} hand-in(s) match nobody on the roster and are NOT in {out.name} "
              f"(add them to the roster, or fix their ids): {', '.join(export.not_on_roster)}; listed in {listed}")
    if args.push:
        from .canvas_push import TOKEN_VARIABLE, push_grades

        token = os.environ.get(TOKEN_VARIABLE, "")
        if not token:
            print(f"lmm-seminar export: --push needs a Canvas API token in ${TOKEN_VARIABLE}", file=sys.stderr)
            return 2
        try:
            for pushed in push_grades(args.push, token, grades, roster, titles):
                print(f"Sent {pushed.grades} grade(s) of {pushed.name} to Canvas assignment {pushed.canvas_id} "
                      f"(Canvas's job: {pushed.progress or 'accepted'})")
        except ExportError as error:
            print(f"lmm-seminar export: {error}", file=sys.stderr)
            return 2
    return 0


def _titles(given: list[str] | None, assignments: list[str]) -> dict[str, str]:
    """The LMS's column title of every assignment: its ``NAME=TITLE`` pair, else its name."""
    titles = dict(zip(assignments, assignments))
    for pair in given or []:
        name, equals, title = pair.partition("=")
        if not equals or not title.strip():
            raise ExportError(f"--title {pair!r}: write it as NAME=TITLE")
        if name not in assignments:
            raise ExportError(f"--title {pair!r}: no assignment {name!r} in these grades ({', '.join(assignments)})")
        titles[name] = title.strip()
    return titles
