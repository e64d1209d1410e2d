"""Progress bars for the long commands: drawn on a terminal, left out of logs (CI, files, pipes).

tqdm draws them; with ``disable=None`` tqdm itself leaves a bar out when its stream is not a
terminal, so a CI log keeps only the command's own lines. ``--progress`` draws one anyway,
``--no-progress`` never.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int, unit: str, choice: bool | None = None) -> tqdm:
    """A bar of ``total`` ``unit``s on stderr: ``choice`` True draws it, False never, None on a terminal only."""
    return tqdm(total=total, unit=unit, file=sys.stderr, disable=None if choice is None else not choice)


def add_progress_options(parser) -> None:
    """``--progress`` / ``--no-progress`` on a subcommand (default: on a terminal only)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="draw a progress bar even when stderr is not a terminal")
    group.add_argument("--no-progress", dest="progress", action="store_false",
                       help="never draw a progress bar (default: only on a terminal, never in a CI log)")
