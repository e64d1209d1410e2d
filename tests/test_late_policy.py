"""A late policy: each started day (or hour) after the due date and grace costs its percent, up to the cap;
after the cutoff nothing counts. The raw score stays beside the penalised one everywhere."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ASSIGNMENT, lmm_seminar
from lmm_seminar.grading.late_policy import LatePolicyError, parse_policy

DUE = "2026-12-02T00:00+00:00"
UTC = timezone.utc


def at(hours_after_due: float) -> datetime:
    return datetime(2026, 12, 2, tzinfo=UTC) + timedelta(hours=hours_after_due)


POLICY = parse_policy(DUE, "10%/day", "50%", "15m", "2026-12-08T00:00Z")

#: hours after the due date → percent taken off
PENALTIES = [
    ("early", -5, 0.0),
    ("on_the_dot", 0, 0.0),
    ("within_the_grace", 0.25, 0.0),
    ("just_past_the_grace", 0.26, 10.0),
    ("one_day_and_a_minute", 24.27, 20.0),
    ("capped", 24 * 5.5, 50.0),
    ("after_the_cutoff", 24 * 6 + 1, 100.0),
]


@pytest.mark.parametrize(("case", "hours", "percent"), PENALTIES, ids=[p[0] for p in PENALTIES])
def test_penalty_per_started_day_after_the_grace(case, hours, percent):
    assert POLICY.penalty(at(hours))[0] == pytest.approx(percent)


def test_a_penalty_per_hour():
    policy = parse_policy(DUE, "2%/hour")
    assert policy.penalty(at(3.5))[0] == pytest.approx(8.0)


BAD_OPTIONS = [
    (dict(due="next friday"), "--due 'next friday' is not a date and time"),
    (dict(due=DUE, penalty="10 percent"), "--late-penalty '10 percent': write it as 10%/day or 2%/hour"),
    (dict(due=DUE, cap="150%"), "--late-cap '150%'"),
    (dict(due=DUE, grace="a while"), "--grace 'a while': write it as 15m, 2h or 1d"),
    (dict(due=DUE, cutoff="2026-11-30T00:00Z"), "is before --due"),
]


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_an_option_that_does_not_parse_says_how_to_write_it(options, message):
    with pytest.raises(LatePolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_policy(**options)


@pytest.fixture(scope="module")
def late_class(release, tmp_path_factory):
    """The solution handed in on time, a day late (file time), late by nbgrader's timestamp, by the times file,
    and after the cutoff."""
    folder = tmp_path_factory.mktemp("late-hand-ins")
    for name, hours in (("ontime", -1), ("by_file_time", 25), ("after_cutoff", 24 * 7)):
        shutil.copy(release.solution_notebook, folder / f"{name}.ipynb")
        stamp = at(hours).timestamp()
        os.utime(folder / f"{name}.ipynb", (stamp, stamp))
    nbgrader = folder / "by_nbgrader" / ASSIGNMENT  # nbgrader's layout: submitted/<student>/<assignment>/
    nbgrader.mkdir(parents=True)
    shutil.copy(release.solution_notebook, nbgrader / f"{ASSIGNMENT}.ipynb")
    (nbgrader / "timestamp.txt").write_text("2026-12-02 05:00:00.000000 UTC")
    shutil.copy(release.solution_notebook, folder / "by_times_file.ipynb")
    times = folder.parent / "times.csv"
    times.write_text("id,handed_in\nby_times_file,2026-12-04T12:00+00:00\n")
    out = tmp_path_factory.mktemp("late-graded")
    completed = lmm_seminar("grade", str(folder), "--autograder", str(release.autograder_zip), "--out", str(out),
                            "--jobs", "2", "--no-progress", "--due", DUE, "--late-penalty", "10%/day", "--late-cap", "50%",
                            "--grace", "15m", "--cutoff", "2026-12-08T00:00Z", "--handed-in-times", str(times))
    assert completed.returncode == 0, completed.stderr
    with (out / "grades.csv").open(newline="") as f:
        return out, {row["submission"]: row for row in csv.DictReader(f)}


@pytest.mark.parametrize(("student", "score", "percent"), [
    ("ontime", "9", "0"), ("by_file_time", "7.2", "20"), ("by_nbgrader", "8.1", "10"),
    ("by_times_file", "6.3", "30"), ("after_cutoff", "0", "100")])
def test_grades_csv_has_the_penalised_score_beside_the_raw_one(late_class, student, score, percent):
    _, rows = late_class
    assert (rows[student]["score"], rows[student]["raw_score"], rows[student]["late_penalty_percent"]) == (score, "9", percent)


def test_the_feedback_page_says_how_late_and_what_it_cost(late_class):
    out, _ = late_class
    page = (out / "feedback" / "by_file_time.md").read_text(encoding="utf-8")
    assert "**Late: 25 hours after the due date**" in page and "20% off, 9 before the penalty" in page
    assert "after the last accepted time" in (out / "feedback" / "after_cutoff.md").read_text(encoding="utf-8")


def test_results_json_keeps_where_the_time_was_read(late_class):
    out, _ = late_class
    late = {r["submission"]: r["late"] for r in json.loads((out / "results.json").read_text())}
    assert late["by_nbgrader"]["source"] == "nbgrader's timestamp.txt"
    assert late["by_times_file"]["source"] == "the hand-in times file"
    assert late["by_file_time"]["source"] == "the file's modification time"


def test_the_export_carries_the_penalised_score(late_class, tmp_path):
    out, _ = late_class
    roster = tmp_path / "roster.csv"
    roster.write_text("id,email\nby_file_time,b@uni.example\n")
    completed = lmm_seminar("export", str(out), "--assignment", ASSIGNMENT, "--to", "moodle", "--roster", str(roster),
                            "--out", str(tmp_path / "m.csv"))
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "m.csv").read_text().splitlines()[1] == "b@uni.example,7.2"


def test_a_late_option_without_a_due_date_is_refused(release, tmp_path):
    shutil.copy(release.solution_notebook, tmp_path / "a.ipynb")
    completed = lmm_seminar("grade", str(tmp_path / "a.ipynb"), "--autograder", str(release.autograder_zip),
                            "--out", str(tmp_path / "out"), "--late-penalty", "10%/day")
    assert completed.returncode == 2 and "--late-penalty needs --due" in completed.stderr
