"""Late hand-ins: a due date, a penalty per day or hour late, a cap, a grace period and a last date.

Each started day (or hour) after the due date and its grace period costs the
penalty, up to the cap; after the last accepted time a hand-in scores 0. The
raw score is kept beside the penalised one, in grades.csv, results.json and on
the feedback page. The time a hand-in came in is, first found: nbgrader's
``timestamp.txt`` beside the notebook (what ``nbgrader collect`` keeps), the
instructor's times file (``--handed-in-times``: ``id`` and ``handed_in`` columns),
else the file's modification time.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .results import GRADED, SubmissionResult
from .submissions import Submission

_PENALTY = re.compile(r"^\s*(?P<percent>\d+(?:\.\d+)?)\s*%\s*(?:/|per)\s*(?P<unit>day|hour)\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(?P<percent>\d+(?:\.\d+)?)\s*%?\s*$")
_DURATION = re.compile(r"^\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>m|min|h|hours?|d|days?)\s*$", re.IGNORECASE)
UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


class LatePolicyError(ValueError):
    """A due date, penalty or times file that does not parse; the message says which and how to write it."""


@dataclass(frozen=True)
class LatePolicy:
    due: datetime
    percent: float = 0.0  # per started unit late
    unit: str = "day"
    cap: float = 100.0  # most percent taken
    grace: timedelta = timedelta(0)
    cutoff: datetime | None = None  # nothing handed in after it is accepted

    def penalty(self, handed_in: datetime) -> tuple[float, timedelta]:
        """The percent taken off a hand-in of ``handed_in`` and how late it was (zero when on time)."""
        late = handed_in - self.due
        if self.cutoff is not None and handed_in > self.cutoff:
            return 100.0, late
        if late <= self.grace:
            return 0.0, max(late, timedelta(0))
        started = math.ceil((late - self.grace) / UNITS[self.unit])
        return min(self.percent * started, self.cap, 100.0), late


def parse_time(text: str, what: str) -> datetime:
    """A date and time as ISO 8601; without an offset, the grading machine's local time."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LatePolicyError(f"{what} {text!r} is not a date and time: write it as 2026-12-01T23:59 "
                              "(the machine's local time) or 2026-12-01T23:59+01:00") from None
    return moment if moment.tzinfo else moment.astimezone()


def parse_policy(due: str, penalty: str | None = None, cap: str | None = None, grace: str | None = None,
                 cutoff: str | None = None) -> LatePolicy:
    """The policy of ``grade``'s options (``--due``, ``--late-penalty 10%/day``, ``--late-cap 50%``,
    ``--grace 15m``, ``--cutoff``); a clear ``LatePolicyError`` for anything that does not parse."""
    percent, unit = 0.0, "day"
    if penalty:
        match = _PENALTY.match(penalty)
        if not match:
            raise LatePolicyError(f"--late-penalty {penalty!r}: write it as 10%/day or 2%/hour")
        percent, unit = float(match.group("percent")), match.group("unit").lower()
    top = 100.0
    if cap:
        match = _PERCENT.match(cap)
        if not match or float(match.group("percent")) > 100:
            raise LatePolicyError(f"--late-cap {cap!r}: write it as a percent up to 100, like 50%")
        top = float(match.group("percent"))
    allowed = timedelta(0)
    if grace:
        match = _DURATION.match(grace)
        if not match:
            raise LatePolicyError(f"--grace {grace!r}: write it as 15m, 2h or 1d")
        size = {"m": "minutes", "h": "hours", "d": "days"}[match.group("unit")[0].lower()]
        allowed = timedelta(**{size: float(match.group("amount"))})
    policy = LatePolicy(parse_time(due, "--due"), percent, unit, top, allowed,
                        parse_time(cutoff, "--cutoff") if cutoff else None)
    if policy.cutoff is not None and policy.cutoff < policy.due:
        raise LatePolicyError(f"--cutoff {cutoff!r} is before --due {due!r}")
    return policy


def read_times(path: Path) -> dict[str, datetime]:
    """The instructor's hand-in times: a CSV with ``id`` and ``handed_in`` columns; bad rows name their line."""
    times: dict[str, datetime] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            for column in ("id", "handed_in"):
                if column not in (reader.fieldnames or []):
                    raise LatePolicyError(f"{path}, line 1: no column {column!r} (expected: id,handed_in)")
            for line, row in enumerate(reader, start=2):
                student = (row["id"] or "").strip()
                if student in times:
                    raise LatePolicyError(f"{path}, line {line}: id {student!r} again")
                times[student] = parse_time(row["handed_in"] or "", f"{path}, line {line}: handed_in")
    except OSError as error:
        raise LatePolicyError(f"{path}: cannot read the hand-in times: {error}") from None
    return times


def handed_in_at(submission: Submission, times: dict[str, datetime]) -> tuple[datetime, str]:
    """When a hand-in came in, and where that was read (see the module's docstring for the order)."""
    stamp = submission.path.parent / "timestamp.txt"
    if stamp.is_file() and not stamp.is_symlink():
        from nbgrader.utils import parse_utc  # nbgrader's own reading of its own file

        try:
            moment = parse_utc(stamp.read_text(encoding="utf-8").strip())
            # nbgrader gives UTC without saying so
            return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)), "nbgrader's timestamp.txt"
        except (ValueError, OverflowError, OSError, TypeError):
            pass
    if submission.id in times:
        return times[submission.id], "the hand-in times file"
    return datetime.fromtimestamp(submission.path.lstat().st_mtime, timezone.utc), "the file's modification time"


def apply_late_policy(results: list[SubmissionResult], submissions: list[Submission], policy: LatePolicy,
                      times: dict[str, datetime]) -> None:
    """Take each late hand-in's penalty off its score; keep the raw score and the reason in ``late``."""
    by_id = {s.id: s for s in submissions}
    for result in results:
        submission = by_id.get(result.submission)
        if submission is None:
            continue
        moment, source = handed_in_at(submission, times)
        percent, late = policy.penalty(moment)
        raw = result.score
        if result.status == GRADED and raw is not None:
            result.score = round(raw * (1 - percent / 100), 6)
        result.late = {"handed_in": moment.isoformat(timespec="seconds"), "source": source,
                       "late_hours": round(late.total_seconds() / 3600, 2), "penalty_percent": percent,
                       "raw_score": raw, "after_cutoff": policy.cutoff is not None and moment > policy.cutoff}
