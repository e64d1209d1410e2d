"""``lmm-seminar similarity``: which hand-ins of an assignment have unusually alike code, as a page to read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..grading.release_files import find_autograders
from ..grading.submissions import assignment_submissions, check_paths
from .similarity import DEFAULT_THRESHOLD, find_similar, handed_out_notebooks, read_hand_ins, write_similarity


def run_similarity_command(args: argparse.Namespace) -> int:
    """0 when the page was written, 2 when the inputs cannot be used."""
    try:
        check_paths(args.paths)
        if not 0 < args.threshold <= 1:
            raise ValueError(f"--threshold {args.threshold:g}: give a share between 0 and 1, such as {DEFAULT_THRESHOLD}")
        autograders = find_autograders(args.autograder, args.source, args.release, only=args.assignment)
        if len(autograders) != 1:
            raise ValueError(f"the release has {len(autograders)} assignments ({', '.join(sorted(autograders))}): "
                             "choose one with --assignment NAME")
        ((name, autograder),) = autograders.items()
        mine, _ = assignment_submissions(args.paths, name)
        if not mine:
            raise FileNotFoundError(f"no hand-in of {name} (.ipynb or .zip) found in {', '.join(map(str, args.paths))}")
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"lmm-seminar similarity: {error}", file=sys.stderr)
        return 2
    hand_ins, unreadable = read_hand_ins(mine)
    pairs = find_similar(hand_ins, handed_out_notebooks(autograder), args.threshold)
    page, table = write_similarity(pairs, name, len(hand_ins), args.threshold, args.out)
    for pair in pairs:
        print(f"{pair.first} and {pair.second}: {pair.first_share:.0%} / {pair.second_share:.0%} of their own code in common")
    if unreadable:
        print(f"Not compared (not a readable notebook): {', '.join(unreadable)}")
    print(f"{len(pairs)} pair(s) of {len(hand_ins)} hand-ins at or above {args.threshold:.0%}; wrote {page} and {table}")
    return 0
