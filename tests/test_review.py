"""Written answers: review pages by question, manual-scores.csv, and the scores merged into the grades.

One folder of hand-ins with written answers of every awkward kind is reviewed
once by the installed command (``reviewed``); the pages are read as HTML and
in a real headless browser. Merging runs ``lmm-seminar grade --manual-scores``
for real on two of the hand-ins; bad score files are a table of cases.
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import nbformat
import pytest

from browser import browse
from conftest import REPO, Release, lmm_seminar

matplotlib.use("Agg")

WRITTEN = ["q1b_written", "q3b_written", "q3c_written", "q4c_written", "q5b_written", "q5c_written", "q6b_written"]
WRITTEN_POINTS = {"q1b_written": 0.5, "q3b_written": 0.25, "q3c_written": 0.25, "q4c_written": 0.5,
                  "q5b_written": 0.25, "q5c_written": 0.25, "q6b_written": 1.0}
ATTACK = '<script>document.title="owned"</script><img src=x onerror="document.title=1"> <b>bold?</b>'
FORMULA = "The slope is $\\beta_1 \\approx 22$ ms per day, so **308** slows down far more than 309."


def with_written(notebook: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The notebook with some written answer cells (by question index in WRITTEN) replaced."""
    edited = copy.deepcopy(notebook)
    cells = [c for c in edited.cells if c.cell_type == "markdown" and "otter_answer_cell" in c.metadata.get("tags", [])]
    assert len(cells) == len(WRITTEN)
    for name, text in answers.items():
        cells[WRITTEN.index(name)].source = text
    return edited


def png_of_a_histogram() -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.hist([250, 260, 300, 310, 320, 400])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def review(release: Release, folder: Path, out: Path) -> subprocess.CompletedProcess:
    """``lmm-seminar review`` of a folder of the first seminar's hand-ins, with that seminar's autograder."""
    return lmm_seminar("review", str(folder), "--out", str(out), "--autograder", str(release.autograder_zip))


@dataclass(frozen=True)
class Reviewed:
    folder: Path
    out: Path
    completed: subprocess.CompletedProcess

    def page(self, question: str) -> str:
        return (self.out / f"{question}.html").read_text(encoding="utf-8")

    def scores(self) -> dict[str, dict[str, str]]:
        with (self.out / "manual-scores.csv").open(newline="", encoding="utf-8") as f:
            return {row["submission"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="session")
def written_folder(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hand-ins whose written answers are empty, untouched, formulas, very long, hostile, copied, with a figure."""
    folder = tmp_path_factory.mktemp("written")
    student = nbformat.read(release.student_notebook, as_version=4)
    solution = nbformat.read(release.solution_notebook, as_version=4)
    nbformat.write(student, folder / "template_left.ipynb")
    nbformat.write(with_written(student, {q: "" for q in WRITTEN}), folder / "emptied.ipynb")
    nbformat.write(with_written(student, {"q4c_written": FORMULA, "q6b_written": "Same slope, different intercepts."}), folder / "formula.ipynb")
    nbformat.write(with_written(student, {"q3b_written": "independent " * 3000}), folder / "very_long.ipynb")
    nbformat.write(with_written(student, {"q5c_written": ATTACK}), folder / "attacker.ipynb")
    copied = "Rows of one person are alike, so they are not independent."
    nbformat.write(with_written(student, {"q3b_written": copied}), folder / "copy_one.ipynb")
    nbformat.write(with_written(student, {"q3b_written": "  " + copied.upper()}), folder / "copy_two.ipynb")
    # the solution with written answers and the histogram's output, as an executed export has it
    answered = with_written(solution, {q: f"My own answer to {q}." for q in WRITTEN})
    cell = next(c for c in answered.cells if c.cell_type == "code" and c.source.startswith("fig_1b, ax"))
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png_of_a_histogram(), "text/plain": "<Figure>"})]
    with zipfile.ZipFile(folder / "exported.zip", "w") as archive:
        archive.writestr("sleepstudy-lmm.ipynb", nbformat.writes(answered))
    (folder / "broken.ipynb").write_text("{ not a notebook", encoding="utf-8")
    # a notebook rebuilt by hand: the written questions' cells are gone
    rebuilt = copy.deepcopy(student)
    rebuilt.cells = [c for c in rebuilt.cells if "QUESTION -->" not in c.source]
    nbformat.write(rebuilt, folder / "rebuilt.ipynb")
    return folder


@pytest.fixture(scope="session")
def reviewed(release: Release, written_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    out = tmp_path_factory.mktemp("review")
    completed = review(release, written_folder, out)
    return Reviewed(written_folder, out, completed)


SUBMISSIONS = ["attacker", "broken", "copy_one", "copy_two", "emptied", "exported", "formula", "rebuilt", "template_left",
               "very_long"]


def test_review_writes_a_page_per_written_question_an_index_and_the_scores_file(reviewed):
    assert reviewed.completed.returncode == 0, reviewed.completed.stderr
    assert sorted(p.name for p in reviewed.out.iterdir()) == sorted(
        [f"{q}.html" for q in WRITTEN] + ["index.html", "manual-scores.csv"])
    assert "1 could not be read" in reviewed.completed.stdout


def test_scores_file_has_a_row_per_submission_and_two_columns_per_question(reviewed):
    with (reviewed.out / "manual-scores.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["submission"] + [c for q in WRITTEN for c in (q, f"{q} comment")]
    assert sorted(reviewed.scores()) == SUBMISSIONS


@pytest.mark.parametrize("submission", ["template_left", "emptied", "broken", "rebuilt"])
def test_empty_untouched_and_unreadable_answers_start_at_zero(reviewed, submission):
    assert all(reviewed.scores()[submission][q] == "0" for q in WRITTEN)


def test_untouched_answers_start_with_a_comment_that_says_why(reviewed):
    from lmm_seminar.grading.results import NO_ANSWER

    scores = reviewed.scores()
    assert all(scores["template_left"][f"{q} comment"] == NO_ANSWER for q in WRITTEN)
    assert scores["formula"]["q4c_written comment"] == "" and scores["formula"]["q1b_written comment"] == NO_ANSWER


def test_written_answers_start_blank_for_the_grader(reviewed):
    scores = reviewed.scores()
    assert all(scores["exported"][q] == "" for q in WRITTEN)
    assert scores["formula"]["q4c_written"] == "" and scores["formula"]["q1b_written"] == "0"


def test_page_shows_question_points_model_answer_and_rubric(reviewed):
    page = reviewed.page("q6b_written")
    assert "6b (written) · 1 point" in page
    assert "What is the same and what differs between the two lines?" in page
    assert "Both lines rise by the same 10.47 ms per day" in page
    assert "Half the points: same slope, different intercepts" in page


def test_identical_answers_are_grouped_and_empty_ones_listed(reviewed):
    page = reviewed.page("q3b_written")
    assert "Handed in word for word by 2: copy_one, copy_two" in page
    assert "Left empty or as the template (5)" in page  # template_left, emptied, formula, attacker, rebuilt


def test_a_notebook_without_the_question_is_flagged_for_a_look(reviewed):
    assert "rebuilt (this question is not in the notebook: check it by hand)" in reviewed.page("q6b_written")


def test_markdown_is_rendered_and_the_figure_shown(reviewed):
    assert "<strong>308</strong>" in reviewed.page("q4c_written")
    assert "$\\beta_1 \\approx 22$" in reviewed.page("q4c_written")  # formulas stay as the student wrote them
    assert reviewed.page("q1b_written").count('src="data:image/png;base64,') == 1  # only the export has outputs


def test_html_in_an_answer_is_shown_as_text_never_run(reviewed):
    page = reviewed.page("q5c_written")
    assert "&lt;script&gt;" in page and "<script" not in page and "onerror=\"" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_a_very_long_answer_is_shown_in_full(reviewed):
    assert reviewed.page("q3b_written").count("independent") >= 3000


def test_unreadable_submissions_are_listed_with_the_reason(reviewed):
    assert "broken: the notebook is not valid JSON" in reviewed.page("q1b_written")


def test_running_review_again_keeps_what_the_grader_entered(release, written_folder, tmp_path):
    out = tmp_path / "review"
    assert review(release, written_folder, out).returncode == 0
    path = out / "manual-scores.csv"
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    for row in rows:
        if row["submission"] == "formula":
            row["q4c_written"], row["q4c_written comment"] = "0.25", "Intercepts right, slopes missing."
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert review(release, written_folder, out).returncode == 0
    again = {row["submission"]: row for row in csv.DictReader(path.open(newline="", encoding="utf-8"))}
    assert (again["formula"]["q4c_written"], again["formula"]["q4c_written comment"]) == ("0.25", "Intercepts right, slopes missing.")
    assert "formula · marked 0.25" in (out / "q4c_written.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ in a real browser

def test_page_in_a_browser_shows_question_model_answer_and_every_student(reviewed, tmp_path):
    dom = browse(reviewed.out / "q5c_written.html", "--dump-dom").stdout
    for words in ["What does a large positive random intercept mean", "subject 337, about +72 ms",
                  *[s for s in SUBMISSIONS if s != "broken"], "broken: the notebook is not valid JSON"]:
        assert words in dom
    assert "<title>5c (written)</title>" in dom  # the student's script did not run (it would rename the page)


def test_screenshot_of_a_page_is_a_drawn_page(reviewed, tmp_path):
    import matplotlib.image as mpimg
    import numpy as np

    shot = tmp_path / "q4c_written.png"
    browse(reviewed.out / "q4c_written.html", "--window-size=1200,1600", f"--screenshot={shot}")
    pixels = mpimg.imread(shot)[:, :, :3]
    assert pixels.shape[:2] == (1600, 1200)
    ink = (pixels < 0.5).all(axis=2)  # dark text
    rows_with_text = np.flatnonzero(ink.any(axis=1))
    assert ink.mean() > 0.005 and rows_with_text.size > 300  # headings, question, model answer, answers
    tinted = (np.ptp(pixels, axis=2) > 0.02).mean()  # the coloured boxes of the question, model answer and rubric
    assert tinted > 0.05


# ------------------------------------------------------------------------------ merging into grade

@pytest.fixture(scope="session")
def merged(release: Release, tmp_path_factory: pytest.TempPathFactory):
    """Two hand-ins graded with their written parts marked: the solution (answers written) and the template."""
    folder = tmp_path_factory.mktemp("to-merge")
    solution = nbformat.read(release.solution_notebook, as_version=4)
    nbformat.write(with_written(solution, {q: f"My answer to {q}." for q in WRITTEN}), folder / "ada.ipynb")
    nbformat.write(nbformat.read(release.student_notebook, as_version=4), folder / "ben.ipynb")
    review = tmp_path_factory.mktemp("merge-review")
    assert lmm_seminar("review", str(folder), "--out", str(review), "--autograder", str(release.autograder_zip)).returncode == 0
    scores = review / "manual-scores.csv"
    rows = {row["submission"]: row for row in csv.DictReader(scores.open(newline="", encoding="utf-8"))}
    rows["ada"].update({"q1b_written": "0.5", "q3b_written": "0.25", "q4c_written": "0.25", "q4c_written comment": "Slopes: *say* which is steeper.",
                        "q6b_written": "1", "q6b_written comment": "Clear."})
    with scores.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows["ada"]))
        writer.writeheader()
        writer.writerows(rows.values())
    out = tmp_path_factory.mktemp("merged")
    completed = lmm_seminar("grade", str(folder), "--autograder", str(release.autograder_zip), "--out", str(out),
                            "--manual-scores", str(scores), "--jobs", "2", "--no-progress", timeout=600)
    assert completed.returncode == 0, completed.stderr
    grades = {row["submission"]: row for row in csv.DictReader((out / "grades.csv").open(newline="", encoding="utf-8"))}
    return out, grades


def test_merged_grade_table_is_out_of_twelve_with_a_column_per_written_part(merged):
    _, grades = merged
    assert grades["ada"]["max_score"] == "12" and grades["ben"]["max_score"] == "12"
    assert all(q in grades["ada"] for q in WRITTEN)
    # ada: 9 autograded + 0.5 + 0.25 + 0.25 + 1 written; the parts left blank count 0 until marked
    assert grades["ada"]["score"] == "11" and grades["ada"]["q4c_written"] == "0.25" and grades["ada"]["q3c_written"] == "0"
    assert grades["ben"]["score"] == "0"


def test_feedback_carries_the_graders_comments(merged):
    out, _ = merged
    feedback = (out / "feedback" / "ada.md").read_text(encoding="utf-8")
    assert "**Score: 11 / 12** (autograded 9 / 9, written 2 / 3)" in feedback
    assert "## Comments on your written answers" in feedback
    assert "### 4c (written): 0.25 / 0.5" in feedback and "Slopes: \\*say\\* which is steeper." in feedback
    assert "| 3c (written) | not marked yet | 0 / 0.25 |" in feedback
    assert "q3c_written" not in feedback and "q4c_written" not in feedback  # parts go by the names students know


def test_an_unanswered_part_reads_no_answer_not_marked_by_hand(merged):
    out, _ = merged
    feedback = (out / "feedback" / "ben.md").read_text(encoding="utf-8")
    assert "| 4c (written) | no answer | 0 / 0.5 |" in feedback and "marked by hand" not in feedback


def test_grade_names_the_written_parts_still_unmarked_and_whose(merged):
    out, _ = merged
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "**Written parts still unmarked**" in summary
    assert "- q3c_written: 1 hand-in(s): `ada`" in summary
    assert "q4c_written:" not in summary  # marked for everybody


def test_results_json_marks_written_parts(merged):
    out, _ = merged
    ada = next(r for r in json.loads((out / "results.json").read_text()) if r["submission"] == "ada")
    assert ada["max_score"] == 12 and ada["questions"]["q6b_written"] == {
        "score": 1.0, "max_score": 1.0, "messages": ["Clear."], "kind": "written"}
    tests = {t["name"]: t for t in json.loads((out / "results" / "ada.json").read_text())["tests"]}
    assert (tests["q6b_written"]["status"], tests["q6b_written"]["message"]) == ("marked", "Clear.")
    assert tests["q3c_written"]["status"] == "not marked yet"


BAD_SCORES = [
    ("above_the_points", {"q6b_written": "1.5"}, "row 2 (ada): q6b_written is 1.5, outside 0 to 1"),
    ("negative", {"q4c_written": "-0.25"}, "row 2 (ada): q4c_written is -0.25, outside 0 to 0.5"),
    ("not_a_number", {"q1b_written": "half"}, "row 2 (ada): q1b_written is 'half', not a number"),
    ("unknown_submission", {"submission": "zed"}, "row 2 (zed): no submission called 'zed' was graded"),
]


@pytest.fixture(scope="module")
def two_notebooks(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("two")
    for name in ("ada", "ben"):
        shutil.copy(release.student_notebook, folder / f"{name}.ipynb")
    return folder


def write_scores(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or ["submission"] + [c for q in WRITTEN for c in (q, f"{q} comment")]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def refused(release: Release, folder: Path, scores: Path, out: Path) -> subprocess.CompletedProcess:
    completed = lmm_seminar("grade", str(folder), "--autograder", str(release.autograder_zip), "--out", str(out),
                            "--manual-scores", str(scores), "--no-progress")
    assert completed.returncode == 2
    assert not out.exists(), "nothing may be written from a bad scores file"
    return completed


@pytest.mark.parametrize(("case", "change", "message"), BAD_SCORES, ids=[c[0] for c in BAD_SCORES])
def test_bad_scores_are_refused_naming_the_row(release, two_notebooks, tmp_path, case, change, message):
    rows = [{"submission": "ada", **change}, {"submission": "ben"}]
    completed = refused(release, two_notebooks, write_scores(tmp_path / "scores.csv", rows), tmp_path / "out")
    assert message in completed.stderr


def test_a_second_row_for_a_submission_is_refused(release, two_notebooks, tmp_path):
    scores = write_scores(tmp_path / "scores.csv", [{"submission": "ada"}, {"submission": "ada"}])
    assert "row 3 (ada): a second row for 'ada'" in refused(release, two_notebooks, scores, tmp_path / "out").stderr


def test_a_missing_column_is_refused(release, two_notebooks, tmp_path):
    header = ["submission"] + [c for q in WRITTEN if q != "q6b_written" for c in (q, f"{q} comment")]
    scores = write_scores(tmp_path / "scores.csv", [{"submission": "ada"}], header)
    assert "no column 'q6b_written'" in refused(release, two_notebooks, scores, tmp_path / "out").stderr


def test_a_misspelt_column_is_refused(release, two_notebooks, tmp_path):
    header = ["submission"] + [c for q in WRITTEN for c in (q, f"{q} comment")] + ["q7"]
    scores = write_scores(tmp_path / "scores.csv", [{"submission": "ada"}], header)
    assert "unknown column 'q7'" in refused(release, two_notebooks, scores, tmp_path / "out").stderr


def test_a_missing_scores_file_is_refused(release, two_notebooks, tmp_path):
    assert "no manual-scores file" in refused(release, two_notebooks, tmp_path / "nope.csv", tmp_path / "out").stderr


def test_review_of_nothing_says_so(tmp_path):
    completed = lmm_seminar("review", str(tmp_path), "--out", str(tmp_path / "out"))
    assert completed.returncode == 2 and "no submissions" in completed.stderr


def test_the_source_keeps_model_answer_and_rubric_of_every_written_part():
    from lmm_seminar.written_parts import written_questions

    questions = written_questions(REPO / "source" / "sleepstudy-lmm" / "sleepstudy-lmm.ipynb")
    assert [q.name for q in questions] == WRITTEN
    assert {q.name: q.points for q in questions} == WRITTEN_POINTS
    assert all(q.model_answer and q.rubric and q.prompt for q in questions)
    assert "Rubric" not in " ".join(q.model_answer for q in questions)


def test_a_formula_like_submission_name_is_quoted_in_the_scores_file_and_read_back(tmp_path):
    from lmm_seminar.grading.manual_scores import read_file, update_file
    from lmm_seminar.written_parts import written_questions

    questions = written_questions(REPO / "source" / "sleepstudy-lmm" / "sleepstudy-lmm.ipynb")
    path = tmp_path / "manual-scores.csv"
    update_file(path, questions, {"@SUM(A1)": {q: "" for q in WRITTEN}, "ada": {q: "0" for q in WRITTEN}})
    assert "'@SUM(A1)" in path.read_text(encoding="utf-8")
    update_file(path, questions, {"@SUM(A1)": {q: "" for q in WRITTEN}})  # run again: still one row each
    scores = read_file(path, questions, {"@SUM(A1)", "ada"})
    assert sorted(scores) == ["@SUM(A1)", "ada"] and scores["ada"]["q6b_written"].points == 0.0


def test_marks_of_a_formula_like_submission_count_as_entered(tmp_path):
    # the file quotes the name for spreadsheets; progress on the pages must still find the grader's mark
    from lmm_seminar.grading.manual_scores import update_file
    from lmm_seminar.written_parts import written_questions

    questions = written_questions(REPO / "source" / "sleepstudy-lmm" / "sleepstudy-lmm.ipynb")
    path = tmp_path / "manual-scores.csv"
    update_file(path, questions, {"@SUM(A1)": {q: "" for q in WRITTEN}})
    path.write_text(path.read_text(encoding="utf-8").replace("'@SUM(A1),,", "'@SUM(A1),0.5,"), encoding="utf-8")
    marks = update_file(path, questions, {"@SUM(A1)": {q: "" for q in WRITTEN}})
    assert marks["@SUM(A1)"][WRITTEN[0]] == "0.5"


# ---------------------------------------------------------------- one bad file never stops the review

@pytest.fixture(scope="module")
def hostile_review(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    """Files that once stopped `review` for the whole class, names that look alike, and a disguised copy."""
    folder = tmp_path_factory.mktemp("hostile-written")
    student = nbformat.read(release.student_notebook, as_version=4)
    copied = "Rows of one person are alike, so they are not independent."
    nbformat.write(with_written(student, {"q3b_written": copied}), folder / "alice.ipynb")
    # the same answer with zero-width spaces and joiners inside its words, under an id that looks like alice's
    disguised = "Ro\u200bws of one per\u200dson are alike, so they are not inde\ufeffpendent."
    nbformat.write(with_written(student, {"q3b_written": disguised}), folder / "\u0430lice.ipynb")
    text = nbformat.writes(student)
    (folder / "deeply_nested.ipynb").write_text(text.replace('"metadata": {', '"metadata": {"x": ' + "[" * 100_000 + "]" * 100_000 + ",", 1))
    with zipfile.ZipFile(folder / "long_member_name.zip", "w") as archive:
        archive.writestr("n" * 300 + ".ipynb", text)
    with zipfile.ZipFile(folder / "control_characters_in_names.zip", "w") as archive:
        archive.writestr("\x1b[2Jone\u202e.ipynb", text)
        archive.writestr("\x07two.ipynb", text)
    numbered = json.loads(text)
    next(c for c in numbered["cells"] if c["cell_type"] == "markdown")["source"] = 42
    (folder / "markdown_source_is_a_number.ipynb").write_text(json.dumps(numbered))
    out = tmp_path_factory.mktemp("hostile-review")
    return Reviewed(folder, out, review(release, folder, out))


def test_review_of_a_class_with_bad_files_completes(hostile_review):
    assert hostile_review.completed.returncode == 0, hostile_review.completed.stderr
    assert "Traceback" not in hostile_review.completed.stderr
    assert len(hostile_review.scores()) == 6


@pytest.mark.parametrize(("submission", "reason"), [
    ("deeply_nested", "nested too deeply"),
    ("markdown_source_is_a_number", "malformed"),
    ("control_characters_in_names", "holds 2 notebooks"),
], ids=["deeply_nested", "markdown_source_is_a_number", "two_notebooks_with_control_characters"])
def test_each_bad_file_is_listed_with_its_reason(hostile_review, submission, reason):
    page = hostile_review.page("q1b_written")
    assert f"{submission}: " in page and reason in page.split(f"{submission}: ")[1].split("</li>")[0]


def test_a_notebook_under_a_long_member_name_is_read(hostile_review):
    assert "long_member_name" in hostile_review.page("q1b_written")
    assert "long_member_name: " not in hostile_review.page("q1b_written")  # not among those that could not be read


def test_control_characters_of_member_names_never_reach_a_page(hostile_review):
    for page in hostile_review.out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not any(char in text for char in "\x1b\x07\u202e"), page.name


def test_a_copy_with_zero_width_characters_is_grouped_with_the_original(hostile_review):
    assert "Handed in word for word by 2: alice, \u0430lice" in hostile_review.page("q3b_written")


def test_ids_that_look_alike_are_named_on_the_index(hostile_review):
    index = (hostile_review.out / "index.html").read_text(encoding="utf-8")
    assert "Ids that look alike" in index and "alice / \u0430lice" in index
