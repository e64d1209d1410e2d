"""The judge process: every judgement bounded in time, a stalled one costs only its own submission."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmm_seminar.grading.judge import Judge, JudgePool, JudgeTimeout
from lmm_seminar.shipped import answer_facts

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


def judge_files(tmp_path: Path) -> tuple[Path, Path]:
    """An assignment's files and tests: the shared facts module, a reference with no answers, one test."""
    files, tests = tmp_path / "files", tmp_path / "tests"
    files.mkdir()
    tests.mkdir()
    shutil.copy(answer_facts.__file__, files)
    (files / "toy_reference.py").write_text("def answers():\n    return {}\n")
    (tests / "q1.py").write_text(STALLING_TEST)
    return files, tests


@pytest.fixture
def judge(tmp_path: Path):
    judge = Judge(*judge_files(tmp_path), timeout=3)
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


def test_a_stalled_judgement_holds_up_only_its_own_hand_in(tmp_path):
    import threading
    import time

    pool = JudgePool(*judge_files(tmp_path), timeout=30, most=2)
    try:
        pool.wait_until_ready()
        stalled: list[BaseException] = []

        def judge_the_stall():
            try:
                pool.judge(worker_output(tmp_path, "stalls", "stall"))
            except JudgeTimeout as error:
                stalled.append(error)

        thread = threading.Thread(target=judge_the_stall)
        thread.start()
        time.sleep(1)
        start = time.monotonic()
        verdict = pool.judge(worker_output(tmp_path, "beside", "right"))
        assert verdict["questions"]["q1"]["score"] == 1.0
        assert time.monotonic() - start < 25  # a second judge, not the end of the stall's 30 s
        thread.join()
        assert stalled  # the stall still ends as its own submission's timeout
    finally:
        pool.close()
