"""The ``lmm-seminar`` command: build a release, grade submissions, review written answers."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .progress import add_progress_options

DESCRIPTION = ("An auto-graded course on linear mixed-effects models: build the release from the source notebooks, "
               "grade a class (locally, over several machines, or on Gradescope) and mark the written answers.")
DEFAULT_SOURCE = Path("source")
DEFAULT_RELEASE = Path("assignments")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lmm-seminar", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    release = commands.add_parser(
        "release", help="build the student, solution and autograder files",
        description="Check each source notebook under --source, run Otter Assign on it (which also runs every test "
                    "against the solution) and write, per assignment, the student notebook and data, the solution "
                    "notebook and the autograder zip (for `grade`, `otter run` and Gradescope), and the same course "
                    "for nbgrader. Building twice gives the same bytes.")
    release.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder of source assignments (default: source/)")
    release.add_argument("--out", type=Path, default=DEFAULT_RELEASE, help="where to write the release (default: assignments/)")
    release.add_argument("--assignment", metavar="NAME", help="build this assignment only (default: every folder under --source)")
    release.add_argument("--roster", type=Path, metavar="CSV",
                         help="the class (a CSV with an id column): also write one notebook per student, of the variant "
                              "a keyed hash of the course secret binds to them (default: one notebook for everybody)")
    release.add_argument("--secret", type=Path, metavar="FILE",
                         help="the course secret behind the variants, made on first use; keep it, never hand it out "
                              "(default: .course-secret in the --out folder)")
    release.set_defaults(run=_release)

    grade = commands.add_parser(
        "grade", help="grade a class's submissions",
        description="Grade every notebook (.ipynb, or .zip from the export cell) under PATH against the release's "
                    "autograder: student code isolated (bubblewrap, or a uid of its own), hidden tests in a judge "
                    "process. Writes grades.csv, results.json, a feedback page per student and summary.md; a broken "
                    "or hostile hand-in is a row with its reason.")
    _add_hand_ins_and_release(grade)
    grade.add_argument("--out", type=Path, default=Path("grading-output"), help="where to write grades.csv and feedback/ (default: grading-output/)")
    grade.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1, help="submissions graded at once (default: number of cores)")
    grade.add_argument("--timeout", type=_positive_float, default=None, help="seconds allowed per submission (default: 300)")
    grade.add_argument("--engine", choices=("sandbox", "otter"), default="sandbox",
                       help="sandbox (default): student code in a sandboxed warm worker, hidden tests outside it; "
                            "otter: one `otter run` per submission, tests in the student's kernel")
    grade.add_argument("--require-sandbox", action="store_true",
                       help="refuse to grade when student code cannot be isolated (bubblewrap, or a uid of its own; both need root)")
    grade.add_argument("--isolation", choices=("auto", "bubblewrap", "uid"), default="auto",
                       help="auto (default): the strongest tier that works here; bubblewrap: namespaces; "
                            "uid: a uid of its own per submission, for containers that refuse namespaces")
    add_progress_options(grade)
    grade.add_argument("--shard", metavar="I/N",
                       help="grade the I-th of N fixed parts of the class (for N machines; join them with `merge`)")
    grade.add_argument("--assignment", metavar="NAME",
                       help="grade against this assignment of the release only (default: each hand-in against its own)")
    grade.add_argument("--manual-scores", type=Path, metavar="FILE",
                       help="add the written parts' points and comments from this manual-scores.csv (see review)")
    late = grade.add_argument_group("late hand-ins", "a penalty off the whole score (raw score kept); the hand-in "
                                    "time is nbgrader's timestamp.txt, else --handed-in-times, else the file's time")
    late.add_argument("--due", metavar="DATETIME", help="due date and time, e.g. 2026-12-01T23:59 or 2026-12-01T23:59+01:00")
    late.add_argument("--late-penalty", metavar="RATE", help="percent off per started day or hour late: 10%%/day, 2%%/hour")
    late.add_argument("--late-cap", metavar="PERCENT", help="most taken off for lateness (default: 100%%)")
    late.add_argument("--grace", metavar="DURATION", help="lateness forgiven: 15m, 2h, 1d")
    late.add_argument("--cutoff", metavar="DATETIME", help="nothing handed in after this is accepted (scores 0)")
    late.add_argument("--handed-in-times", type=Path, metavar="FILE", help="CSV of id,handed_in times (ISO 8601)")
    grade.set_defaults(run=_grade)

    review = commands.add_parser(
        "review", help="pages for marking the written answers, one per question",
        description="Write one HTML page per written part (the question, model answer, rubric and every student's "
                    "answer with its figure) and manual-scores.csv to fill in; `grade --manual-scores` adds them. "
                    "Running it again keeps the scores already entered.")
    _add_hand_ins_and_release(review)
    review.add_argument("--out", type=Path, default=Path("review"),
                        help="where to write the pages and manual-scores.csv (default: review/)")
    add_progress_options(review)
    review.set_defaults(run=_review)

    gradescope = commands.add_parser(
        "gradescope", help="grade one Gradescope submission (what the autograder zip's run_autograder calls)",
        description="Grade the hand-in in AUTOGRADER_ROOT/submission with the tests in AUTOGRADER_ROOT/source (the "
                    "autograder zip, unpacked), student code isolated by bubblewrap or, where the container refuses "
                    "namespaces, by a uid of its own; write AUTOGRADER_ROOT/results/results.json for Gradescope.")
    gradescope.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")),
                            help="Gradescope's autograder folder (default: $AUTOGRADER_ROOT or /autograder)")
    gradescope.add_argument("--isolation", choices=("auto", "bubblewrap", "uid"), default="auto",
                            help="auto (default): bubblewrap where it runs, else a uid of its own; never unisolated")
    gradescope.add_argument("--timeout", type=_positive_float, default=None, help="seconds allowed (default: 300)")
    gradescope.set_defaults(run=_gradescope)

    export = commands.add_parser(
        "export", help="write the grades as the file Canvas or Moodle imports",
        description="Read a grading output (one assignment's, or a course's) and a roster mapping hand-in ids to the "
                    "LMS's students, and write Canvas's gradebook CSV, Moodle's grade import CSV or a plain CSV. "
                    "Hand-ins of nobody on the roster are listed and written beside it, never dropped.")
    export.add_argument("graded", type=Path, metavar="GRADED", help="the --out folder of `lmm-seminar grade` (or a grades.csv)")
    export.add_argument("--to", choices=("canvas", "moodle", "csv"), required=True, help="the file's layout")
    export.add_argument("--roster", type=Path, required=True,
                        help="CSV with an id column (the hand-in ids) and the LMS's fields: name and canvas_id for "
                             "Canvas (sis_user_id, sis_login_id and section if you have them), the identifier for Moodle")
    export.add_argument("--out", type=Path, help="the file to write (default: <to>-grades.csv)")
    export.add_argument("--assignment", metavar="NAME", help="the assignment of a single grades.csv, or one of a course")
    export.add_argument("--missing", choices=("blank", "zero"), default="blank",
                        help="what a roster student without a hand-in gets (default: blank)")
    export.add_argument("--title", action="append", metavar="NAME=TITLE",
                        help="the LMS's column for an assignment; for Canvas \"Seminar 1 (4567)\" updates assignment 4567")
    export.add_argument("--moodle-identifier", default="email", metavar="COLUMN",
                        help="the roster column Moodle matches users on (default: email)")
    export.add_argument("--push", metavar="COURSE_URL",
                        help="also send the grades to this Canvas course (https://.../courses/ID) through its API, "
                             "with the token in $CANVAS_API_TOKEN")
    export.set_defaults(run=_export)

    similarity = commands.add_parser(
        "similarity", help="list hand-ins whose code is unusually alike, side by side on a page",
        description="Compare the code each student wrote (the notebook's given code and scaffold left out; names, strings "
                    "and comments ignored) with copydetect's winnowing, and write similarity.html (each pair side by side, "
                    "the code in common marked) and similarity.csv. For a person to look at: no grade changes.")
    _add_hand_ins_and_release(similarity)
    similarity.add_argument("--assignment", metavar="NAME", help="the assignment, when the release has several")
    similarity.add_argument("--threshold", type=float, default=None, metavar="SHARE",
                            help="list a pair when this share of either hand-in's own code is in the other's (default: 0.6)")
    similarity.add_argument("--out", type=Path, default=Path("similarity-output"), help="where to write (default: similarity-output/)")
    similarity.set_defaults(run=_similarity)

    merge = commands.add_parser("merge", help="join the outputs of `grade --shard I/N` into one grading output",
                                description="Join the output folders of every `lmm-seminar grade --shard I/N` run of one "
                                            "class into the output one unsharded run writes. Every shard must be there, once.")
    merge.add_argument("shards", nargs="+", type=Path, metavar="SHARD_OUTPUT", help="the --out folder of each shard")
    merge.add_argument("--out", type=Path, default=Path("grading-output"), help="where to write the merged output (default: grading-output/)")
    merge.set_defaults(run=_merge)
    return parser


def _add_hand_ins_and_release(command: argparse.ArgumentParser) -> None:
    """The hand-ins a command reads and the release it reads them against (grade, review, similarity)."""
    command.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="submissions (.ipynb or .zip) or folders of them")
    command.add_argument("--autograder", type=Path, metavar="ZIP_OR_FOLDER",
                         help="the release's autograder zip, or the release folder (default: the current release, built if missing)")
    command.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=argparse.SUPPRESS)
    command.add_argument("--release", type=Path, default=DEFAULT_RELEASE, help=argparse.SUPPRESS)


def _release(args: argparse.Namespace) -> int:
    from .release import SECRET_NAME, ReleaseError, Roster, build_release
    from .roster import RosterError
    from .source_checks import SourceNotebookError
    from .variants import VariantError

    try:
        roster = Roster.read(args.roster, args.secret or args.out / SECRET_NAME) if args.roster else None
        if roster is not None and roster.secret_made:
            print(f"Made the course secret {roster.secret_path}: keep it (the same secret gives every student the same "
                  f"variant on every release) and never hand it out.")
        releases = build_release(args.source, args.out, only=args.assignment, roster=roster)
    except (ReleaseError, SourceNotebookError, RosterError, VariantError) as error:
        print(f"lmm-seminar release: {error}", file=sys.stderr)
        return 1
    for release in releases:
        points = release.summary.points
        auto = sum(points[q] for q in release.summary.autograded)
        manual = sum(points[q] for q in release.summary.manual)
        print(f"{release.name}: {len(release.summary.autograded)} autograded questions ({auto:g} points), "
              f"{len(release.summary.manual)} written ({manual:g} points)")
        folders = set(release.student_folders.values())
        for path in release.files:
            if path.parent not in folders:
                print(f"  wrote {path}")
        if release.student_folders:
            print(f"  wrote {len(folders)} student notebooks under {release.root / 'students'}, each of the student's own "
                  f"variant (who has which: {release.root / 'variants.csv'}; the variants' figures: {release.root / 'variants.md'})")
        elif roster is not None:
            print(f"  {release.name} offers no variants: every student gets {release.student_notebook.parent}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grading.command import run_grade_command

    return run_grade_command(args)


def _merge(args: argparse.Namespace) -> int:
    from .grading.command import run_merge_command

    return run_merge_command(args)


def _gradescope(args: argparse.Namespace) -> int:
    from .grading.gradescope import run_gradescope_command

    return run_gradescope_command(args)


def _export(args: argparse.Namespace) -> int:
    from .course_tools.export_command import run_export_command

    return run_export_command(args)


def _similarity(args: argparse.Namespace) -> int:
    from .course_tools.similarity import DEFAULT_THRESHOLD
    from .course_tools.similarity_command import run_similarity_command

    if args.threshold is None:
        args.threshold = DEFAULT_THRESHOLD
    return run_similarity_command(args)


def _review(args: argparse.Namespace) -> int:
    from .grading.review_command import run_review_command

    return run_review_command(args)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


if __name__ == "__main__":
    sys.exit(main())
