"""Where each part of a hand-in is judged: its check cell, else its answer cell, else the end.

A careful instructor marks each part on the cell that answers it, not on what a
later exploration cell left behind. The student notebook has one answer cell per
autograded part (Otter tags it ``otter_answer_cell``) followed by its
``grader.check("q...")`` cell, and Jupyter keeps each cell's id when a student
edits, adds or deletes other cells. So:

* where the part's check cell is still there, the part is judged right after it
  (as ``otter run`` judges it, since the check runs the tests at that point);
* where the student deleted it, right after the answer cell, found by the id the
  release recorded (``answer-cells.json`` in the autograder zip, with the ids of
  the student notebook's and the solution notebook's answer cells);
* where neither can be found (a notebook rebuilt from scratch), at the end.

The release writes the file (``answer_cells_of``), both engines read it: the
sandbox engine tells its worker after which cells to report answers, and the
otter engine marks those cells with Otter's own ``tests`` cell metadata, after
which ``otter run`` inserts a check of its own.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat

# What a check cell is, and which notebook file a notebook opens: the worker's own reading of them,
# so the grader and the worker never disagree.
from .runner.worker import checked_question, opened_notebook

#: The file in the autograder zip that maps each autograded question to its answer cell's id.
ANSWER_CELLS_FILE = "answer-cells.json"


def answer_cells_of(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """For each check cell of a released notebook, the id of the code cell just before it (its answer cell)."""
    found: dict[str, str] = {}
    previous: str | None = None
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        question = checked_question(cell.source)
        if question and previous:
            found.setdefault(question, previous)
        elif not question:
            previous = cell.get("id")
    return found


def answer_cells_json(*notebooks: dict[str, str]) -> str:
    """The file's text: each question's answer cell ids in every notebook given (the student's, the solution)."""
    merged: dict[str, list[str]] = {}
    for cells in notebooks:
        for question, cell_id in cells.items():
            merged.setdefault(question, [])
            if cell_id not in merged[question]:
                merged[question].append(cell_id)
    return json.dumps(dict(sorted(merged.items())), indent=2) + "\n"


def read_answer_cells(autograder_zip: Path) -> dict[str, list[str]]:
    """The answer cell ids the release recorded; empty for a zip without them (then: check cell or the end)."""
    try:
        with zipfile.ZipFile(autograder_zip) as archive:
            data = json.loads(archive.read(ANSWER_CELLS_FILE))
    except (KeyError, ValueError, zipfile.BadZipFile):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(q): [str(i) for i in (ids if isinstance(ids, list) else [ids])] for q, ids in data.items()}


def unchecked_answer_positions(cells: list[nbformat.NotebookNode], answer_ids: dict[str, list[str]],
                               questions: list[str]) -> dict[str, int]:
    """For each question whose check cell the hand-in lacks, the position (in ``cells``) of its answer cell.

    The last cell with the recorded id counts (a student who copied the cell
    and kept working in the copy answers in the later one); a question whose
    answer cell is gone too is left out, and is judged at the end.
    """
    checked = {checked_question(c.source) for c in cells if c.cell_type == "code"}
    positions: dict[str, int] = {}
    for question in questions:
        if question in checked or question not in answer_ids:
            continue
        found = [i for i, c in enumerate(cells) if c.cell_type == "code" and c.get("id") in answer_ids[question]]
        if found:
            positions[question] = found[-1]
    return positions


def expected_notebook_name(cells: list[nbformat.NotebookNode], assignment: str | None) -> str | None:
    """The file name the notebook's ``otter.Notebook("...")`` cell opens (else the assignment's).

    Under ``otter run`` that cell reads the notebook by this name; a hand-in saved
    under another name must be graded under this one, or its checks do nothing.
    """
    opened = opened_notebook([cell.source for cell in cells if cell.cell_type == "code"])
    return opened or (f"{assignment}.ipynb" if assignment else None)


def mark_for_otter_run(nb: nbformat.NotebookNode, answer_ids: dict[str, list[str]], questions: list[str]) -> list[str]:
    """Give each answer cell whose check cell is gone Otter's ``tests`` metadata, in place.

    ``otter run`` inserts a check of those questions right after such a cell
    (its ``GradingPreprocessor.add_checks``), so the part is judged there, as
    the sandbox engine judges it. Returns the questions marked.
    """
    for cell in nb.cells:  # only the grader decides where otter run checks
        otter = cell.get("metadata", {}).get("otter")
        if isinstance(otter, dict):
            otter.pop("tests", None)
    positions = unchecked_answer_positions(nb.cells, answer_ids, questions)
    for question, index in positions.items():
        otter = nb.cells[index].setdefault("metadata", {}).setdefault("otter", {})
        otter["tests"] = sorted(set(otter.get("tests", [])) | {question})
    return sorted(positions)
