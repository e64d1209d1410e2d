"""A class split over machines: ``grade --shard I/N`` grades a fixed part, ``merge`` joins the parts.

Which shard grades a hand-in follows from its id alone (a hash of it), and every
shard finds the same hand-ins with the same ids, so N machines that never talk
split a class exactly: an Actions matrix, a Kubernetes Indexed Job, or anything
else that hands each job its index. Each shard writes ``shard.json`` beside its
grades (its index, N, the assignment and every id of the class); ``merge`` checks
that the shards are N different ones of the same class and writes what one
unsharded run writes.

Why not a library: the split is a hash and a modulo; the engines that run the
shards (Actions, Kubernetes) are the existing tools, this is only what they call.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .report import LATE_COLUMNS
from .results import QuestionResult, SubmissionResult

SHARD_FILE = "shard.json"


class ShardError(ValueError):
    """The shards cannot be merged (or a shard was asked for wrongly); the message says which and why."""


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (from 1) of ``count`` parts of a class."""

    index: int
    count: int

    def holds(self, submission_id: str) -> bool:
        """Whether this shard grades the hand-in with this id (the same answer on every machine)."""
        digest = hashlib.sha256(submission_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def parse_shard(text: str) -> Shard:
    """``"2/5"`` → the second of five shards; a clear ``ShardError`` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ShardError(f"--shard takes I/N, e.g. 2/5 (the second of five), not {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise ShardError(f"--shard {text}: I must be between 1 and N")
    return Shard(index, count)


def write_shard_file(out: Path, shard: Shard, assignment: str, every_id: list[str]) -> Path:
    """``shard.json``: which part of which class this output folder holds."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / SHARD_FILE
    path.write_text(json.dumps({"shard": shard.index, "of": shard.count, "assignment": assignment,
                                "submissions": sorted(every_id)}, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class ShardOutput:
    folder: Path
    shard: Shard
    assignment: str
    every_id: tuple[str, ...]


def read_shards(folders: list[Path]) -> list[ShardOutput]:
    """The shard outputs, checked to be all N shards of one class, each once; ``ShardError`` names the problem."""
    shards = []
    for folder in folders:
        try:
            data = json.loads((folder / SHARD_FILE).read_text(encoding="utf-8"))
            shard = Shard(int(data["shard"]), int(data["of"]))
            shards.append(ShardOutput(folder, shard, str(data["assignment"]), tuple(map(str, data["submissions"]))))
        except (OSError, ValueError, KeyError, TypeError):
            raise ShardError(f"{folder} is not the output of `lmm-seminar grade --shard I/N` (no readable {SHARD_FILE})") from None
    if not shards:
        raise ShardError("no shard outputs to merge")
    first = shards[0]
    for other in shards[1:]:
        if (other.shard.count, other.assignment, other.every_id) != (first.shard.count, first.assignment, first.every_id):
            raise ShardError(f"{other.folder} is a shard of another split or class than {first.folder} "
                             f"({other.assignment}, {other.shard.count} shards, {len(other.every_id)} hand-ins; "
                             f"{first.assignment}, {first.shard.count} shards, {len(first.every_id)} hand-ins)")
    seen: dict[int, Path] = {}
    for output in shards:
        if output.shard.index in seen:
            raise ShardError(f"shard {output.shard.index} of {first.shard.count} is given twice: {seen[output.shard.index]} "
                             f"and {output.folder}")
        seen[output.shard.index] = output.folder
    missing = [i for i in range(1, first.shard.count + 1) if i not in seen]
    if missing:
        raise ShardError(f"shard(s) {', '.join(map(str, missing))} of {first.shard.count} are missing: merge needs every shard")
    return sorted(shards, key=lambda s: s.shard.index)


def results_of(folder: Path) -> list[SubmissionResult]:
    """The results a grading run wrote into ``folder/results.json``, read back."""
    rows = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return [SubmissionResult(
        submission=row["submission"], path=row["path"], status=row["status"], max_score=float(row["max_score"]),
        score=row["score"], message=row["message"], seconds=float(row["seconds"]), isolation=row["isolation"],
        late=row.get("late"), variant=row.get("variant"), variant_note=row.get("variant_note", ""),
        cell_errors=row["cell_errors"],
        questions={name: QuestionResult(name, float(q["score"]), float(q["max_score"]), list(q["messages"]),
                                        written=q.get("kind") == "written")
                   for name, q in row["questions"].items()},
    ) for row in rows]


def merge_shards(shards: list[ShardOutput], out: Path) -> tuple[list[SubmissionResult], list[str]]:
    """Every shard's results in one list (each id once, every id there) and the grade table's question columns.

    The per-submission files (``results/``, ``feedback/``) are copied into ``out`` as they are.
    """
    results: dict[str, SubmissionResult] = {}
    for output in shards:
        for result in results_of(output.folder):
            if result.submission in results:
                raise ShardError(f"{result.submission} was graded by two shards (the second in {output.folder})")
            results[result.submission] = result
    missing = sorted(set(shards[0].every_id) - set(results))
    if missing:
        raise ShardError(f"no shard graded {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    for output in shards:
        for sub in ("results", "feedback"):
            if (output.folder / sub).is_dir():
                shutil.copytree(output.folder / sub, out / sub, dirs_exist_ok=True)
    # every shard compared the whole class's hand-ins (each sees them all): the first one's comparison is the class's
    for name in ("similarity.html", "similarity.csv"):
        if (shards[0].folder / name).is_file():
            shutil.copyfile(shards[0].folder / name, out / name)
    with (shards[0].folder / "grades.csv").open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    questions = [column for column in header[header.index("max_score") + 1:header.index("message")]
                 if column not in (*LATE_COLUMNS, "variant")]
    return list(results.values()), questions
