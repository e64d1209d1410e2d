"""The seminar as an nbgrader course, converted from the one Otter source notebook.

``build_course`` writes ``<release>/nbgrader/``: ``nbgrader_config.py``,
``source/<name>/<name>.ipynb`` (in nbgrader's format) with the data, and
``grading/``, the modules the hidden tests import. ``grading/`` sits outside
``source/``, so ``nbgrader generate_assignment`` never copies it to students;
the hidden part of every test cell finds it by walking up from the folder
the notebook runs in (``source/<name>/`` for the instructor,
``autograded/<student>/<name>/`` when nbgrader grades).

How each Otter part maps onto nbgrader's cells:

* a solution cell becomes an autograded answer cell: the solution between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``, under the Otter prompt as
  comment lines (nbgrader replaces a solution with one fixed stub, so the
  outline the Otter notebook shows in code is shown as comments here);
* each Otter test case becomes one test cell with its own points, so partial
  credit is the same: a public test is visible (0 points), a hidden one sits
  between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. The test
  function is the Otter one, called as Otter calls it (each argument from the
  notebook's globals, ``None`` when missing), so both give the same verdicts;
* a written (manual) part becomes a manually graded Markdown answer cell with
  its points; the model answer and rubric are its source (nbgrader shows
  students "YOUR ANSWER HERE" instead).

nbgrader runs each test cell right after its answer, as ``lmm-seminar grade``
judges each part where it is answered.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from .notebook_files import write_reproducible
from .source_checks import question_config, test_case

COURSE_FOLDER = "nbgrader"
GRADING_FOLDER = "grading"

_CONFIG = '''# nbgrader configuration of the lmm-seminar course, written by `lmm-seminar release`.
c = get_config()  # noqa: F821 (nbgrader provides get_config)
c.CourseDirectory.course_id = "lmm-seminar"
# The student's cells and the tests run in one kernel; fitting the models takes a few seconds.
c.Execute.timeout = 300
# A failing cell shows only its exception and message: feedback then never quotes hidden test code,
# and autograding skips IPython's long tracebacks (about half the time of a notebook with many failures).
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
# The feedback page shows each test cell's result, not the hidden tests' code: nbgrader's own preprocessor
# that empties the hidden region of a test cell runs on the feedback copy (the graded notebook keeps it).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
# grading/ holds the hidden tests' modules and the reference solution: never released, never collected.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "grading"]
'''

_HOWTO = """**How this notebook works**

- Replace each `raise NotImplementedError()` (and the line above it) with your code; the comment
  lines above it outline the answer. Replace *YOUR ANSWER HERE* in the answer cells with your own words.
- Keep the variable names the outlines give you: the tests look for exactly these names.
- The cell after each part checks for common slips. Passing it does not mean full marks: more tests
  run when your work is graded.
- Run the notebook from top to bottom (*Kernel → Restart & Run All*) and use *Validate* before you
  submit."""

# Walk up from where the notebook runs (a folder named after its assignment) to the course's grading/
# folder (kept out of the release): the shared check library there, the assignment's own modules in
# grading/<assignment>/.
_FIND_GRADING = '''import pathlib as _pathlib, sys as _sys
_here = _pathlib.Path.cwd().resolve()
_sys.path[:0] = [str(_p / "grading" / _n) for _p in (_here, *_here.parents) if (_p / "grading" / "answer_checks.py").is_file() for _n in (_here.name, "")][:2]'''

_TEST_NAME = re.compile(r"^def (test_\w+)\((.*?)\):", re.MULTILINE)


def build_course(source_dir: Path, release_root: Path, shared: list[Path], own: list[Path]) -> list[Path]:
    """Write the assignment in ``source_dir`` into the release's nbgrader course; return the files written.

    ``shared`` (the check library) goes to the course's ``grading/``, ``own`` (the
    assignment's reference and probes) to ``grading/<assignment>/``, so two
    assignments' modules never meet.
    """
    name = source_dir.name
    course = release_root / COURSE_FOLDER
    assignment = course / "source" / name
    if assignment.exists():  # other assignments of the course stay as they are
        shutil.rmtree(assignment)
    assignment.mkdir(parents=True)
    written = []
    (course / "nbgrader_config.py").write_text(_CONFIG, encoding="utf-8")
    written.append(course / "nbgrader_config.py")
    notebook = convert(nbformat.read(source_dir / f"{name}.ipynb", as_version=4))
    written.append(write_reproducible(notebook, assignment / f"{name}.ipynb"))
    for path in sorted((source_dir / "data").rglob("*")):
        if path.is_file():
            target = assignment / path.relative_to(source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            written.append(target)
    own_folder = course / GRADING_FOLDER / name
    if own_folder.exists():
        shutil.rmtree(own_folder)
    own_folder.mkdir(parents=True)
    for modules, folder in ((shared, course / GRADING_FOLDER), (own, own_folder)):
        for module in modules:
            shutil.copy2(module, folder / module.name)
            written.append(folder / module.name)
    return written


def convert(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The nbgrader source notebook of an Otter Assign source notebook."""
    out = nbformat.v4.new_notebook(metadata={"kernelspec": source.metadata.get("kernelspec", {}),
                                             "language_info": source.metadata.get("language_info", {})})
    question: dict | None = None
    state = None  # None, "solution" or "tests"
    howto_done = False
    for cell in source.cells:
        text = cell.source
        stripped = text.strip()
        if cell.cell_type == "raw":
            if (config := question_config(cell)) is not None:
                question = config
            elif stripped.startswith("# END QUESTION"):
                question = None
            elif stripped.startswith("# BEGIN SOLUTION"):
                state = "solution"
            elif stripped.startswith("# BEGIN TESTS"):
                state = "tests"
            elif stripped.startswith(("# END SOLUTION", "# END TESTS")):
                state = None
            continue  # Otter's configuration cells have no place in nbgrader's notebook
        if question and state == "solution" and cell.cell_type == "markdown":
            out.cells.append(_written_answer(question, text))
        elif question and state == "solution" and cell.cell_type == "code":
            out.cells.append(_answer_cell(question, text))
        elif question and state == "tests" and cell.cell_type == "code":
            out.cells.append(_test_cell(question, text))
        elif cell.cell_type == "markdown" and not howto_done and "**How this notebook works**" in text:
            out.cells.append(nbformat.v4.new_markdown_cell(text.split("**How this notebook works**")[0].rstrip()))
            out.cells.append(nbformat.v4.new_markdown_cell(_HOWTO))
            howto_done = True
        elif cell.cell_type == "markdown":
            out.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            out.cells.append(nbformat.v4.new_code_cell(text))
    return out


def _metadata(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    data = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        data["points"] = points
    return {"nbgrader": data}


def _answer_cell(question: dict, text: str) -> nbformat.NotebookNode:
    solution, prompt = _split_solution(text)
    outline = "\n".join(f"# {line}" if line.strip() else "#" for line in prompt.splitlines())
    source = (f"# Outline (fill in every ...):\n{outline}\n" if outline else "") + \
        f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION"
    return nbformat.v4.new_code_cell(source, metadata=_metadata(f"{question['name']}_answer", grade=False,
                                                                solution=True, locked=False))


def _split_solution(text: str) -> tuple[str, str]:
    # Otter's "# BEGIN SOLUTION NO PROMPT ... # END SOLUTION" then '""" # BEGIN PROMPT ... """ # END PROMPT'.
    solution = re.search(r"# BEGIN SOLUTION NO PROMPT\n(.*?)\n# END SOLUTION", text, re.DOTALL)
    prompt = re.search(r'""" # BEGIN PROMPT\n(.*?)\n""" # END PROMPT', text, re.DOTALL)
    if not solution:
        return text.strip("\n"), ""
    return solution.group(1), prompt.group(1) if prompt else ""


def _test_cell(question: dict, text: str) -> nbformat.NotebookNode:
    hidden, points, body = test_case(text)
    name, params = _TEST_NAME.search(body).groups()
    names = [p.split("=")[0].strip() for p in params.split(",") if p.strip()]
    call = f"{name}(**{{_name: globals().get(_name) for _name in {tuple(names)!r}}})"
    if hidden:
        source = (f"# A hidden test ({points:g} points): it runs when your work is graded.\n"
                  f"### BEGIN HIDDEN TESTS\n{_FIND_GRADING}\n{body.rstrip()}\n{call}\n### END HIDDEN TESTS")
    else:
        source = f"{body.rstrip()}\n{call}"
    return nbformat.v4.new_code_cell(source, metadata=_metadata(name, grade=True, solution=False, locked=True,
                                                                points=points))


def _written_answer(question: dict, text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text, metadata=_metadata(str(question["name"]), grade=True, solution=True,
                                                                  locked=False, points=float(question.get("points", 0))))
