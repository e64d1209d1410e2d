"""The judge process: every judgement bounded in time, a stalled one costs only its own submission."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmm_seminar.grading.judge import Judge, JudgeTimeout
from lmm_seminar.shipped import answer_facts, answer_probes

#: A test that never ends on one answer, as a catastrophic pattern or a huge read-out would.
STALLING_TEST = '''from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 1

@test_case(points=1, hidden=True)
def test_q1_is_right(value):
    if value == "stall":
        while True:
            pass
    assert value == "right", "not right"
'''


@pytest.fixture
def judge(tmp_path: Path):
    files, tests = tmp_path / "files", tmp_path / "tests"
    files.mkdir()
    tests.mkdir()
    for module in (answer_facts, answer_probes):
        shutil.copy(module.__file__, files)
    (files / "sleepstudy_reference.py").write_text("def answers():\n    return {}\n")
    (tests / "q1.py").write_text(STALLING_TEST)
    judge = Judge(files, tests, timeout=3)
    yield judge
    judge.close()


def worker_output(folder: Path, name: str, value: str) -> Path:
    path = folder / f"{name}.jsonl"
    lines = [{"question": "q1", "at": "cell 2", "answers": {"value": {"kind": "text", "value": value}}}, {"end": True}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_a_stalled_judgement_raises_for_its_submission_and_the_next_is_judged(judge, tmp_path):
    assert judge.judge(worker_output(tmp_path, "before", "right"))["questions"]["q1"]["score"] == 1.0
    with pytest.raises(JudgeTimeout, match="longer than 3 s"):
        judge.judge(worker_output(tmp_path, "stalls", "stall"))
    after = judge.judge(worker_output(tmp_path, "after", "wrong"))["questions"]["q1"]
    assert after["score"] == 0.0 and after["messages"] == ["not right"]
