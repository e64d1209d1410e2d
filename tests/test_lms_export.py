"""``lmm-seminar export``: from a grading output and a roster to the file Canvas or Moodle imports.

The grades come from a real grading run (the solution handed in by ada, the untouched notebook by
ben, and the solution by zed, who is on no roster). Canvas's API is played by a small server on
loopback, never the internet.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from conftest import ASSIGNMENT, lmm_seminar

ROSTER = """id,name,canvas_id,sis_user_id,section,email
ada,"Lovelace, Ada",101,s-ada,A,ada@uni.example
ben,Ben Okafor,102,s-ben,A,ben@uni.example
cy,Cy Tran,103,s-cy,B,cy@uni.example
"""


@pytest.fixture(scope="module")
def graded(release, tmp_path_factory) -> Path:
    hand_ins = tmp_path_factory.mktemp("hand-ins")
    shutil.copy(release.solution_notebook, hand_ins / "ada.ipynb")
    shutil.copy(release.student_notebook, hand_ins / "ben.ipynb")
    shutil.copy(release.solution_notebook, hand_ins / "zed.ipynb")
    out = tmp_path_factory.mktemp("graded")
    completed = lmm_seminar("grade", str(hand_ins), "--autograder", str(release.autograder_zip), "--out", str(out),
                            "--jobs", "2", "--no-progress")
    assert completed.returncode == 0, completed.stderr
    return out


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def export(graded: Path, roster: Path, to: str, out: Path, *extra: str):
    return lmm_seminar("export", str(graded), "--assignment", ASSIGNMENT, "--to", to, "--roster", str(roster),
                       "--out", str(out), *extra)


def rows_of(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_file_has_canvas_columns_points_possible_and_the_assignment_column(graded, roster, tmp_path):
    completed = export(graded, roster, "canvas", tmp_path / "canvas.csv", "--title", f"{ASSIGNMENT}=Seminar 1 (4567)")
    assert completed.returncode == 0, completed.stderr
    rows = rows_of(tmp_path / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Seminar 1 (4567)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "9"]
    assert rows[2:] == [["Lovelace, Ada", "101", "s-ada", "", "A", "9"], ["Ben Okafor", "102", "s-ben", "", "A", "0"],
                        ["Cy Tran", "103", "s-cy", "", "B", ""]]


def test_moodle_file_has_the_identifier_and_one_column_per_grade_item(graded, roster, tmp_path):
    completed = export(graded, roster, "moodle", tmp_path / "moodle.csv", "--missing", "zero")
    assert completed.returncode == 0, completed.stderr
    assert rows_of(tmp_path / "moodle.csv") == [["email", ASSIGNMENT], ["ada@uni.example", "9"],
                                                ["ben@uni.example", "0"], ["cy@uni.example", "0"]]


def test_plain_csv_keeps_the_roster_columns_and_the_maximum(graded, roster, tmp_path):
    assert export(graded, roster, "csv", tmp_path / "plain.csv").returncode == 0
    rows = rows_of(tmp_path / "plain.csv")
    assert rows[0] == ["id", "name", "canvas_id", "sis_user_id", "section", "email", ASSIGNMENT, "max_total"]
    assert rows[1][0] == "ada" and rows[1][-2:] == ["9", "9"]


def test_a_student_without_a_hand_in_gets_what_the_instructor_chose(graded, roster, tmp_path):
    blank = export(graded, roster, "moodle", tmp_path / "blank.csv")
    assert "1 student(s) of the roster handed nothing in and get a blank: cy" in blank.stdout
    assert rows_of(tmp_path / "blank.csv")[3] == ["cy@uni.example", ""]


def test_a_hand_in_of_nobody_on_the_roster_is_listed_never_dropped(graded, roster, tmp_path):
    completed = export(graded, roster, "canvas", tmp_path / "canvas.csv")
    assert "1 hand-in(s) match nobody on the roster and are NOT in canvas.csv" in completed.stdout and "zed" in completed.stdout
    assert rows_of(tmp_path / "canvas-not-on-roster.csv") == [["id", ASSIGNMENT], ["zed", "9"]]
    assert not any("zed" in cell for row in rows_of(tmp_path / "canvas.csv") for cell in row)


def test_a_course_output_gives_a_column_per_assignment(graded, roster, tmp_path):
    course = tmp_path / "course"
    for name in (ASSIGNMENT, "sleepstudy-slopes"):
        (course / name).mkdir(parents=True)
        shutil.copy(graded / "grades.csv", course / name / "grades.csv")
    completed = lmm_seminar("export", str(course), "--to", "moodle", "--roster", str(roster), "--out", str(tmp_path / "m.csv"))
    assert completed.returncode == 0, completed.stderr
    assert rows_of(tmp_path / "m.csv")[:2] == [["email", ASSIGNMENT, "sleepstudy-slopes"], ["ada@uni.example", "9", "9"]]


BAD_INPUTS = [
    ("duplicate_id", ROSTER + "ada,Ada Again,104,s-x,A,a2@uni.example\n", (), "roster.csv, line 5: id 'ada' again (first on line 2)"),
    ("no_id_column", ROSTER.replace("id,name", "student,name", 1), (), "roster.csv, line 1: no column 'id'"),
    ("empty_canvas_id", ROSTER.replace(",103,", ",,"), (), "roster.csv, line 4: canvas_id is empty for 'cy'"),
    ("title_without_name", ROSTER, ("--title", "Seminar 1"), "--title 'Seminar 1': write it as NAME=TITLE"),
    ("title_of_another_assignment", ROSTER, ("--title", "seminar-9=X"), "no assignment 'seminar-9' in these grades"),
    ("push_without_canvas_ids", ROSTER, ("--push", "http://127.0.0.1:9/courses/1"), "needs the Canvas assignment of"),
]


@pytest.mark.parametrize(("case", "roster_text", "extra", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_one_clear_message_and_no_file(graded, tmp_path, case, roster_text, extra, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text, encoding="utf-8")
    env_token = {"CANVAS_API_TOKEN": "t"}
    os.environ.update(env_token)
    try:
        completed = export(graded, roster, "canvas", tmp_path / "out.csv", *extra)
    finally:
        os.environ.pop("CANVAS_API_TOKEN", None)
    assert completed.returncode == 2 and message in completed.stderr, completed.stderr
    assert not (tmp_path / "out.csv").exists()


def test_grades_of_another_assignment_are_refused(graded, roster, tmp_path):
    course = tmp_path / "course"
    (course / "sleepstudy-slopes").mkdir(parents=True)
    shutil.copy(graded / "grades.csv", course / "sleepstudy-slopes" / "grades.csv")
    completed = lmm_seminar("export", str(course), "--assignment", ASSIGNMENT, "--to", "csv", "--roster", str(roster))
    assert completed.returncode == 2
    assert f"no grades of assignment '{ASSIGNMENT}' (there are: sleepstudy-slopes)" in completed.stderr


# ----------------------------------------------------------------------------------- Canvas's API


class FakeCanvas(BaseHTTPRequestHandler):
    """The three calls a bulk grade update makes, as Canvas answers them; what was posted is kept."""

    posted: list[dict] = []
    tokens: list[str] = []

    def _answer(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.tokens.append(self.headers.get("Authorization", ""))
        if self.path.startswith("/api/v1/courses/77/assignments/4567"):
            self._answer({"id": 4567, "course_id": 77, "name": "Seminar 1", "points_possible": 9})
        elif self.path.startswith("/api/v1/courses/77"):
            self._answer({"id": 77, "name": "Mixed models"})
        else:
            self.send_error(404)

    def do_POST(self):  # noqa: N802
        self.tokens.append(self.headers.get("Authorization", ""))
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        self.posted.append({"path": self.path, "form": {k: v[0] for k, v in form.items()}})
        self._answer({"id": 1, "workflow_state": "queued", "url": "http://127.0.0.1/api/v1/progress/1"})

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_canvas():
    FakeCanvas.posted, FakeCanvas.tokens = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCanvas)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_push_sends_every_graded_students_score_in_one_bulk_update(graded, roster, tmp_path, fake_canvas, monkeypatch):
    monkeypatch.setenv("CANVAS_API_TOKEN", "secret-token")
    completed = export(graded, roster, "canvas", tmp_path / "canvas.csv", "--title", f"{ASSIGNMENT}=Seminar 1 (4567)",
                       "--push", f"{fake_canvas}/courses/77")
    assert completed.returncode == 0, completed.stderr
    assert "Sent 2 grade(s) of sleepstudy-lmm to Canvas assignment 4567" in completed.stdout
    (post,) = FakeCanvas.posted
    assert post["path"] == "/api/v1/courses/77/assignments/4567/submissions/update_grades"
    assert post["form"] == {"grade_data[101][posted_grade]": "9", "grade_data[102][posted_grade]": "0"}
    assert set(FakeCanvas.tokens) == {"Bearer secret-token"}


def test_push_without_a_token_says_where_it_looks(graded, roster, tmp_path, fake_canvas, monkeypatch):
    monkeypatch.delenv("CANVAS_API_TOKEN", raising=False)
    completed = export(graded, roster, "canvas", tmp_path / "canvas.csv", "--title", f"{ASSIGNMENT}=Seminar 1 (4567)",
                       "--push", f"{fake_canvas}/courses/77")
    assert completed.returncode == 2 and "$CANVAS_API_TOKEN" in completed.stderr
    assert FakeCanvas.posted == []
