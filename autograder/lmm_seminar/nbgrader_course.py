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

With a roster (``variants``), each student gets a notebook of their own variant, which nbgrader
cannot hand out itself (it gives every student the one generated notebook, and restores the
locked cells, the checks among them, from its one source when it grades). So the course's checks
are the same text for every variant and find the student's subjects when they run:

* a public check a variant changes is written for the published subjects and rewritten before it
  runs by ``for_your_subjects`` (a locked cell near the top) from ``YOUR_SUBJECTS``, a plain cell
  of the student's own notebook (no points hang on a public check, so the notebook may say);
* a hidden test takes the variant from who handed in: ``variant_choice`` reads the student folder
  nbgrader grades in and the roster's variants in ``grading/<assignment>/variants.json``, and
  hands the test the answers under the student's own names;
* ``students/<id>/<assignment>/`` holds each student's notebook: the one ``nbgrader
  generate_assignment`` makes, with the variant's text in every cell that is neither locked nor
  graded, so nbgrader's checksums still hold.
"""

from __future__ import annotations

import copy
import inspect
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from .notebook_files import write_reproducible
from .shipped import variant_choice
from .shipped.variant_choice import substitute
from .source_checks import question_config, test_case
from .variants import METADATA_KEY, VARIANTS_FILE, VariantTable

COURSE_FOLDER = "nbgrader"
GRADING_FOLDER = "grading"
#: Each student's own notebook, with a roster: ``students/<id>/<assignment>/`` (the layout nbgrader collects).
STUDENTS_FOLDER = "students"
#: The grade id of the locked cell that rewrites a check for the notebook's own subjects.
HELPER_ID = "for_your_subjects"


class CourseError(RuntimeError):
    """nbgrader could not generate the assignment the students' notebooks are made from; the message has its output."""

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


def build_course(source_dir: Path, release_root: Path, shared: list[Path], own: list[Path],
                 variants: VariantTable | None = None) -> list[Path]:
    """Write the assignment in ``source_dir`` into the release's nbgrader course; return the files written.

    ``shared`` (the check library) goes to the course's ``grading/``, ``own`` (the
    assignment's reference and probes) to ``grading/<assignment>/``, so two
    assignments' modules never meet. With ``variants`` (a roster's), the checks find each
    student's variant, ``grading/<assignment>/variants.json`` says who has which, and each
    student's own notebook is written under ``students/``.
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
    for stale in sorted((course / STUDENTS_FOLDER).glob(f"*/{name}")):  # an earlier roster's notebooks
        shutil.rmtree(stale)
        if not any(stale.parent.iterdir()):
            stale.parent.rmdir()
    notebook = convert(nbformat.read(source_dir / f"{name}.ipynb", as_version=4),
                       variants.replacements if variants is not None else None)
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
    if variants is not None:
        (own_folder / VARIANTS_FILE).write_text(variants.to_json(), encoding="utf-8")
        written.append(own_folder / VARIANTS_FILE)
        written += student_notebooks(course, name, variants)
    return written


def student_notebooks(course: Path, name: str, variants: VariantTable) -> list[Path]:
    """Write ``students/<id>/<name>/`` for every student of ``variants``: the notebook nbgrader generates,
    made the student's variant (see ``for_variant``), and the data. Returns the files written."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-nbgrader-") as tmp:
        scratch = Path(tmp)  # a throwaway course, so no gradebook is left in the release
        shutil.copy2(course / "nbgrader_config.py", scratch / "nbgrader_config.py")
        shutil.copytree(course / "source" / name, scratch / "source" / name)
        # nbgrader starts `alembic` by name: this interpreter's folder goes first on PATH
        env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
        completed = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name],
                                   cwd=scratch, env=env, capture_output=True, text=True, timeout=600)
        generated = scratch / "release" / name
        if completed.returncode != 0 or not (generated / f"{name}.ipynb").is_file():
            raise CourseError(f"{name}: nbgrader generate_assignment failed, so the students' notebooks cannot be "
                              f"made:\n{(completed.stdout + completed.stderr)[-3000:]}")
        handed_out = nbformat.read(generated / f"{name}.ipynb", as_version=4)
        # one notebook per variant handed out, however many students share it (as the Otter release does)
        made = {k: for_variant(handed_out, k, variants.replacements[k]) for k in sorted(set(variants.students.values()))}
        data = [p.relative_to(generated) for p in sorted(generated.rglob("*")) if p.is_file() and p.name != f"{name}.ipynb"]
        written = []
        for student, variant in sorted(variants.students.items()):
            folder = course / STUDENTS_FOLDER / student / name
            folder.mkdir(parents=True)
            written.append(write_reproducible(made[variant], folder / f"{name}.ipynb"))
            for relative in data:
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(generated / relative, folder / relative)
                written.append(folder / relative)
    return written


def for_variant(handed_out: nbformat.NotebookNode, variant: int, replacements: dict[str, str]) -> nbformat.NotebookNode:
    """The notebook nbgrader generated, made ``variant``'s: the variant's text in every cell nbgrader neither
    locks nor grades (prose, outlines, code given), a ``YOUR_SUBJECTS`` cell before the locked helper that reads
    it, and the variant in the notebook's metadata. Locked and graded cells stay as generated: nbgrader checks
    them against its own copy."""
    made = copy.deepcopy(handed_out)
    helper_at = None
    for index, cell in enumerate(made.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == HELPER_ID:
            helper_at = index
        if not (meta.get("locked") or meta.get("grade")):
            cell.source = substitute(cell.source, replacements)
    checked = "\n".join(c.source for c in made.cells if c.metadata.get("nbgrader", {}).get("grade")
                        and c.metadata["nbgrader"].get("locked"))
    shown = {old: new for old, new in replacements.items() if substitute(checked, {old: new}) != checked}
    if helper_at is not None:
        made.cells.insert(helper_at, nbformat.v4.new_code_cell(_your_subjects_cell(variant, shown)))
    made.metadata[METADATA_KEY] = {"variant": variant}
    return made


def _your_subjects_cell(variant: int, shown: dict[str, str]) -> str:
    if variant == 0:
        intro = ("# Your subjects: this notebook was made for you, with the published notebook's subjects (variant 0).\n"
                 "# The checks read this cell. Run it, and leave it as it is.\n")
    else:
        intro = (f"# Your subjects: this notebook was made for you, with subjects of its own (variant {variant}).\n"
                 "# The questions already name them; the checks read this table (the published notebook's\n"
                 "# subject → yours) to check your answers. Run this cell, and leave it as it is.\n")
    rows = "".join(f"    {old!r}: {new!r},\n" for old, new in shown.items())
    return intro + ("YOUR_SUBJECTS = {\n" + rows + "}" if rows else "YOUR_SUBJECTS = {}")


def convert(source: nbformat.NotebookNode, replacements: list[dict[str, str]] | None = None) -> nbformat.NotebookNode:
    """The nbgrader source notebook of an Otter Assign source notebook; with ``replacements`` (each variant's),
    one whose checks find the variant of the student they check (see the module's docstring)."""
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
            out.cells.append(_test_cell(question, text, replacements))
        elif cell.cell_type == "markdown" and not howto_done and "**How this notebook works**" in text:
            out.cells.append(nbformat.v4.new_markdown_cell(text.split("**How this notebook works**")[0].rstrip()))
            out.cells.append(nbformat.v4.new_markdown_cell(_HOWTO))
            if replacements is not None:
                out.cells.append(_helper_cell())
            howto_done = True
        elif cell.cell_type == "markdown":
            out.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            out.cells.append(nbformat.v4.new_code_cell(text))
    if replacements is not None and not howto_done:  # no how-to to put it under: after the title, before any check
        out.cells.insert(1 if out.cells and out.cells[0].cell_type == "markdown" else 0, _helper_cell())
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


def _test_cell(question: dict, text: str, replacements: list[dict[str, str]] | None = None) -> nbformat.NotebookNode:
    hidden, points, body = test_case(text)
    name, params = _TEST_NAME.search(body).groups()
    names = [p.split("=")[0].strip() for p in params.split(",") if p.strip()]
    call = f"{name}(**{{_name: globals().get(_name) for _name in {tuple(names)!r}}})"
    if hidden and replacements is not None:  # the test finds the variant (and the answers' names) of who handed in
        call = f"from variant_choice import call_with_their_names\ncall_with_their_names({name}, {tuple(names)!r}, globals())"
    if hidden:
        source = (f"# A hidden test ({points:g} points): it runs when your work is graded.\n"
                  f"### BEGIN HIDDEN TESTS\n{_FIND_GRADING}\n{body.rstrip()}\n{call}\n### END HIDDEN TESTS")
    else:
        source = f"{body.rstrip()}\n{call}"
        if replacements is not None and any(substitute(source, r) != source for r in replacements):
            source = _for_your_subjects(source)
    return nbformat.v4.new_code_cell(source, metadata=_metadata(name, grade=True, solution=False, locked=True,
                                                                points=points))


def _for_your_subjects(check: str) -> str:
    """A public check a variant changes, written so that it is rewritten for the notebook's subjects before it runs."""
    quoted = f"r'''\n{check}\n'''" if "'''" not in check else repr(check)
    return ("# This check is written for the published notebook's subjects; for_your_subjects (near the top)\n"
            f"# rewrites it for the subjects of your notebook before it runs.\nexec(for_your_subjects({quoted}))")


def _helper_cell() -> nbformat.NotebookNode:
    # the one rule of substitution, from the module the graders use, so the checks read names as grading does
    rule = inspect.getsource(variant_choice.substitute).replace("def substitute(", "def _substitute(")
    source = ("# Leave this cell as it is. Some checks below are written for the published notebook's subjects:\n"
              "# for_your_subjects() rewrites such a check for the subjects of your notebook (YOUR_SUBJECTS, in the\n"
              "# cell above, when your notebook has subjects of its own) before it runs.\n"
              f"import re\n\n\n{rule}\n\n"
              "def for_your_subjects(check: str) -> str:\n"
              '    """``check`` for this notebook\'s subjects."""\n'
              '    return _substitute(check, globals().get("YOUR_SUBJECTS", {}))')
    return nbformat.v4.new_code_cell(source, metadata=_metadata(HELPER_ID, grade=False, solution=False, locked=True))


def _written_answer(question: dict, text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text, metadata=_metadata(str(question["name"]), grade=True, solution=True,
                                                                  locked=False, points=float(question.get("points", 0))))
