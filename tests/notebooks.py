"""Helpers the tests use to read, edit and run notebooks."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

_CHECK = re.compile(r'^grader\.check\("(?P<question>[\w]+)"\)\s*$')


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_text(nb: nbformat.NotebookNode) -> str:
    """All code of a notebook, cell after cell."""
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def answer_cells(nb: nbformat.NotebookNode) -> dict[str, int]:
    """For each autograded question, the index of its answer cell: the code cell just before its check."""
    found = {}
    for index, cell in enumerate(nb.cells):
        match = _CHECK.match(cell.source.strip()) if cell.cell_type == "code" else None
        if match:
            previous = max(i for i in range(index) if nb.cells[i].cell_type == "code")
            found[match.group("question")] = previous
    return found


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    """True for a ``grader.check("q...")`` cell."""
    return cell.cell_type == "code" and bool(_CHECK.match(cell.source.strip()))


def with_answers(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose answer cells for the given questions hold the given code."""
    edited = copy.deepcopy(nb)
    cells = answer_cells(edited)
    for question, source in answers.items():
        edited.cells[cells[question]].source = source
    return edited


def filled_in(student: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook with every code blank filled in as the solution does, as a student would."""
    filled = copy.deepcopy(student)
    student_cells = answer_cells(filled)
    solution_cells = answer_cells(solution)
    assert student_cells.keys() == solution_cells.keys()
    for question, index in student_cells.items():
        filled.cells[index].source = solution.cells[solution_cells[question]].source
    return filled


def outputs_text(nb: nbformat.NotebookNode, index: int) -> str:
    """Everything a code cell printed or displayed, as text."""
    parts = []
    for output in nb.cells[index].get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(str(output.get("data", {}).get("text/plain", "")))
        if output.get("output_type") == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "\n".join(parts)
