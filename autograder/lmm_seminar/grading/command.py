"""``lmm-seminar grade``: grade every submission found, in parallel, and report."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from ..progress import progress_bar

from ..written_parts import WrittenQuestion
from .late_policy import LatePolicy, LatePolicyError, apply_late_policy, parse_policy, read_times
from .manual_scores import apply_manual_scores, read_file, unmarked_note
from .release_files import assignment_name, find_autograders, written_parts
from .engine import DEFAULT_TIMEOUT, GradingEngine, OtterRunEngine, SandboxEngine, autograded_questions
from .sandbox import SandboxUnavailable
from .report import (markdown_safe, summary_table, write_feedback, write_grades_csv, write_results_json,
                     write_submission_results)
from .results import ERROR, SubmissionResult
from .shards import parse_shard, write_shard_file
from .submissions import Submission, assignment_submissions, check_paths, lookalike_ids, route_submissions


def run_grade_command(args: argparse.Namespace) -> int:
    """Grade ``args.paths``; 0 when every submission got its row, 2 when the command cannot run.

    A release of one assignment (or ``--assignment NAME``) writes its grades into ``args.out``;
    a release of several grades each hand-in against the assignment its notebook belongs to,
    into ``args.out/<assignment>/``, with ``gradebook.csv`` (a row per student, a column per
    assignment) and ``unmatched.csv`` (hand-ins of no assignment of the release) on top.
    """
    try:
        check_paths(args.paths)
        autograders = find_autograders(args.autograder, args.source, args.release, only=getattr(args, "assignment", None))
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"lmm-seminar grade: {error}", file=sys.stderr)
        return 2
    if len(autograders) == 1:
        ((name, autograder),) = autograders.items()
        try:
            # ids among this assignment's hand-ins; a notebook of another assignment is its own row, refused
            mine, others = assignment_submissions(args.paths, name)
            submissions = mine + [submission for submission, _ in others]
            if not submissions:
                raise FileNotFoundError(f"no submissions (.ipynb or .zip) found in {', '.join(map(str, args.paths))}")
            shard = parse_shard(args.shard) if getattr(args, "shard", None) else None
        except (FileNotFoundError, ValueError) as error:
            print(f"lmm-seminar grade: {error}", file=sys.stderr)
            return 2
        if shard is None:
            return grade_assignment(args, autograder, submissions, args.out, args.manual_scores, compared=submissions)
        # every shard found the same hand-ins with the same ids; this one grades its part of them
        write_shard_file(args.out, shard, name, [s.id for s in submissions])
        mine = [s for s in submissions if shard.holds(s.id)]
        print(f"Shard {shard.index} of {shard.count}: {len(mine)} of {len(submissions)} submission(s)")
        return grade_assignment(args, autograder, mine, args.out, args.manual_scores, compared=submissions)
    for option, value in (("--shard", getattr(args, "shard", None)), ("--due", getattr(args, "due", None))):
        if value:
            print(f"lmm-seminar grade: {option} is for one assignment: add --assignment NAME", file=sys.stderr)
            return 2
    return grade_course(args, autograders)


def grade_course(args: argparse.Namespace, autograders: dict[str, Path]) -> int:
    """Grade a folder holding hand-ins of several assignments, each against its own assignment's tests."""
    from .course import write_gradebook, write_unmatched

    routed, unmatched = route_submissions(args.paths, list(autograders))
    if not any(routed.values()) and not unmatched:
        print(f"lmm-seminar grade: no submissions (.ipynb or .zip) found in {', '.join(map(str, args.paths))}", file=sys.stderr)
        return 2
    scores_folder = args.manual_scores
    if scores_folder is not None and not scores_folder.is_dir():
        print(f"lmm-seminar grade: the release has {len(autograders)} assignments: pass --manual-scores the folder "
              "`lmm-seminar review` wrote (one manual-scores.csv per assignment in it)", file=sys.stderr)
        return 2
    out: Path = args.out
    graded: dict[str, list[SubmissionResult]] = {name: [] for name in autograders}
    for name, autograder in autograders.items():
        if not routed[name]:
            continue
        print(f"\n== {name}")
        scores = scores_folder / name / "manual-scores.csv" if scores_folder is not None else None
        code = grade_assignment(args, autograder, routed[name], out / name,
                                scores if scores is not None and scores.is_file() else None, keep=graded[name],
                                compared=routed[name])
        if code:
            return code
    write_unmatched(unmatched, out / "unmatched.csv")
    parts = [f"## {name}\n\n" + (out / name / "summary.md").read_text(encoding="utf-8") for name in autograders
             if (out / name / "summary.md").is_file()]
    if unmatched:
        parts.append(f"## Hand-ins of no assignment of this release\n\n{len(unmatched)}: see unmatched.csv")
    (out / "summary.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    maxima = {name: sum(autograded_questions(zip_path)[1].values()) for name, zip_path in autograders.items()}
    gradebook = write_gradebook(graded, maxima, out / "gradebook.csv")
    print(f"\nWrote {gradebook} ({len(autograders)} assignments)"
          + (f" and {out / 'unmatched.csv'}: {len(unmatched)} hand-in(s) of no assignment of this release" if unmatched else ""))
    return 0


def grade_assignment(args: argparse.Namespace, autograder: Path, submissions: list[Submission], out: Path,
                     manual_scores: Path | None, keep: list[SubmissionResult] | None = None,
                     compared: list[Submission] | None = None) -> int:
    """Grade one assignment's hand-ins into ``out``; 0 when every submission got its row, 2 when it cannot run.
    ``compared``: the hand-ins to look through for unusually alike code (the whole class, also for a shard)."""
    try:
        written, manual = read_manual_scores(manual_scores, autograder, submissions)
        policy, times = read_late_policy(args)
        engine = make_engine(args.engine, autograder, args.timeout or DEFAULT_TIMEOUT, args.require_sandbox, args.jobs,
                             getattr(args, "isolation", "auto"))
    except (FileNotFoundError, ValueError, RuntimeError, SandboxUnavailable) as error:  # LatePolicyError too
        print(f"lmm-seminar grade: {error}", file=sys.stderr)
        return 2

    print(f"Grading {len(submissions)} submission(s) with {engine.autograder_zip.name}, {args.jobs} at a time")
    print(f"Student code: {engine.isolation}")
    try:
        results = grade_all(engine, submissions, args.jobs, progress=getattr(args, "progress", None))
    finally:
        engine.close()

    questions = list(engine.questions)
    note = ""
    if written:
        apply_manual_scores(results, written, manual)
        questions += [q.name for q in written]
        note = unmarked_note(results, written)
    if policy is not None:  # on the whole score, written parts included
        apply_late_policy(results, submissions, policy, times)
        note += late_note(results)
    if compared is not None and len(compared) > 1:
        note += compare_hand_ins(compared, engine.autograder_zip, out)
    summary = write_outputs(results, questions, list(engine.questions), engine.isolation, [s.id for s in submissions],
                            out, note=note)
    print()
    print(summary)  # the isolation line was printed before grading began
    print(f"\nWrote {out / 'grades.csv'}, {out / 'results.json'}, {out / 'summary.md'}, {out / 'results'}/ and {out / 'feedback'}/")
    if keep is not None:
        keep.extend(results)
    return 0


def write_outputs(results: list[SubmissionResult], questions: list[str], autograded: list[str], isolation: str,
                  ids: list[str], out: Path, feedback: bool = True, note: str = "") -> str:
    """grades.csv, results.json, results/, feedback/ and summary.md of one assignment (``note`` ends the
    summary); returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    write_grades_csv(results, questions, out / "grades.csv")
    write_results_json(results, out / "results.json")
    if feedback:
        write_submission_results(results, questions, out / "results")
        for result in results:
            write_feedback(result, questions, out / "feedback")
    from ..course_tools.analytics import write_analytics

    summary = (summary_table(results, autograded) + lookalike_note(ids) + variant_note(results) + note + "\n\n"
               + write_analytics(results, autograded, out) + "\n\nanalytics.html has the score distribution and the "
               "time per hand-in.")
    (out / "summary.md").write_text(f"Student code: {markdown_safe(isolation)}\n\n{summary}\n", encoding="utf-8")
    return summary


def run_merge_command(args: argparse.Namespace) -> int:
    """``lmm-seminar merge SHARD... --out DIR``: the output of one unsharded run, from every shard's output."""
    from .shards import ShardError, merge_shards, read_shards

    try:
        shards = read_shards(args.shards)
        out: Path = args.out
        results, questions = merge_shards(shards, out)
    except ShardError as error:
        print(f"lmm-seminar merge: {error}", file=sys.stderr)
        return 2
    autograded = [q for q in questions if not any(q in r.questions and r.questions[q].written for r in results)]
    isolation = next((r.isolation for r in results if r.isolation), "")
    note = ""
    if (out / "similarity.csv").is_file():
        from ..course_tools.similarity import read_similarity_csv, similarity_note

        note = similarity_note(read_similarity_csv(out / "similarity.csv"))
    summary = write_outputs(results, questions, autograded, isolation, list(shards[0].every_id), out, feedback=False,
                            note=note)
    print(summary)
    print(f"\nMerged {len(shards)} shards ({len(results)} submissions) into {out}")
    return 0


def read_late_policy(args: argparse.Namespace) -> tuple[LatePolicy | None, dict]:
    """The late policy of ``--due`` and its companions, and the hand-in times file; None without ``--due``."""
    due = getattr(args, "due", None)
    if due is None:
        for option in ("late_penalty", "late_cap", "grace", "cutoff", "handed_in_times"):
            if getattr(args, option, None):
                raise LatePolicyError(f"--{option.replace('_', '-')} needs --due")
        return None, {}
    policy = parse_policy(due, args.late_penalty, args.late_cap, args.grace, args.cutoff)
    return policy, read_times(args.handed_in_times) if args.handed_in_times else {}


def late_note(results: list[SubmissionResult]) -> str:
    """The summary's line on late hand-ins."""
    late = [r for r in results if r.late and r.late.get("penalty_percent")]
    if not late:
        return "\n\nNo hand-in was late."
    refused = sum(bool(r.late.get("after_cutoff")) for r in late)
    return (f"\n\n**Late hand-ins:** {len(late)} penalised"
            + (f", {refused} of them after the last accepted time (scored 0)" if refused else "")
            + "; grades.csv keeps each raw score beside the penalised one.")


def compare_hand_ins(submissions: list[Submission], autograder: Path, out: Path) -> str:
    """similarity.html and .csv in ``out``, and the summary's section on them; a failure here costs no grade."""
    from ..course_tools.similarity import (DEFAULT_THRESHOLD, find_similar, handed_out_notebooks, read_hand_ins,
                                           similarity_note, write_similarity)

    try:
        hand_ins, _ = read_hand_ins(submissions)
        pairs = find_similar(hand_ins, handed_out_notebooks(autograder), DEFAULT_THRESHOLD)
        write_similarity(pairs, assignment_name(autograder) or autograder.stem, len(hand_ins), DEFAULT_THRESHOLD, out)
    except Exception as error:  # the grades are written either way; the comparison is only a hint
        return f"\n\nThe hand-ins could not be compared for alike code ({type(error).__name__}: {error})."
    return similarity_note(pairs)


def variant_note(results: list[SubmissionResult]) -> str:
    """A summary section naming the hand-ins whose variant deserves a look (for the grader only), or nothing."""
    flagged = sorted((r for r in results if r.variant_note), key=lambda r: r.submission)
    if not flagged:
        return ""
    lines = [f"- `{markdown_safe(r.submission)}`: {markdown_safe(r.variant_note)}" for r in flagged]
    return ("\n\n**Variants to look at** (each hand-in was judged against its student's own variant; the students "
            "are not told):\n" + "\n".join(lines))


def lookalike_note(ids: list[str]) -> str:
    """A summary section naming ids that look the same to a reader, or nothing."""
    groups = lookalike_ids(ids)
    if not groups:
        return ""
    lines = [f"- {' / '.join(f'`{markdown_safe(i)}`' for i in group)}" for group in groups]
    return ("\n\n**Ids that look alike** (different characters that read the same; check who handed in which):\n"
            + "\n".join(lines))


def read_manual_scores(scores_file: Path | None, autograder: Path,
                       submissions: list[Submission]) -> tuple[list[WrittenQuestion], dict]:
    """The written parts the release carries and the checked manual scores, when a scores file is given.

    Read before any grading, so a bad file stops the command before it writes anything.
    """
    if scores_file is None:
        return [], {}
    if not scores_file.is_file():
        raise FileNotFoundError(f"no manual-scores file at {scores_file}")
    written = written_parts(autograder)
    return written, read_file(scores_file, written, {s.id for s in submissions})


def make_engine(name: str, autograder: Path, timeout: float, require_sandbox: bool, jobs: int = 1,
                isolation: str = "auto") -> GradingEngine:
    """The engine called ``name``: ``sandbox`` (default; ``isolation`` picks its tier) or ``otter``."""
    if name == "otter":
        if require_sandbox or isolation != "auto":
            raise SandboxUnavailable("the otter engine runs hidden tests inside the student's kernel: it isolates nothing")
        return OtterRunEngine(autograder, timeout=timeout)
    return SandboxEngine(autograder, timeout=timeout, require_sandbox=require_sandbox, jobs=jobs, isolation=isolation)


def grade_all(engine: GradingEngine, submissions: list[Submission], jobs: int,
              progress: bool | None = None) -> list[SubmissionResult]:
    """Grade every submission with ``jobs`` at once; an unexpected failure becomes an error row.
    ``progress``: draw a bar (True), never (False), on a terminal only (None)."""
    results: list[SubmissionResult] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(engine.grade, s): s for s in submissions}
        bar = progress_bar(len(submissions), "submission", progress)
        for future in as_completed(futures):
            submission = futures[future]
            try:
                results.append(future.result())
            except Exception as error:  # a bug or an OS error must not lose the other rows
                # the details (with the grader's own paths) go to the grader's log, not to the student
                print(f"lmm-seminar grade: internal error on {submission.id}: {type(error).__name__}: {error}", file=sys.stderr)
                results.append(SubmissionResult(submission.id, str(submission.path), ERROR, engine.max_score,
                                                message=f"internal error while grading ({type(error).__name__}); "
                                                        "the grader's log has the details",
                                                isolation=engine.isolation))
            bar.set_postfix_str(f"{submission.id}: {results[-1].status}", refresh=False)
            bar.update()
        bar.close()
    return results
