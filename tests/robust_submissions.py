"""Awkward things students really hand in, written as files for the grading tests.

``EXPECTED`` maps each submission id to the status its row must have and words
its message must contain ("" where the row must have no message).
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import nbformat

import notebooks

EXPECTED = {
    "correct": ("graded", ""),
    "untouched": ("graded", ""),
    "cell_raises": ("graded", ""),
    "hangs": ("timeout", "grading took longer than"),
    # the process exits in its first answer cell: what it answered before (nothing) is graded, and the row says why
    "kernel_dies": ("graded", "stopped before its last cell"),
    "invalid_json": ("error", "not valid JSON"),
    "empty_notebook": ("error", "empty notebook"),
    "zip_without_notebook": ("error", "the zip holds no notebook"),
    "not_a_zip": ("error", "not a valid zip file"),
    "exported": ("graded", ""),
    "other_assignment": ("error", "this is assignment 'sleepstudy-lmm'"),
    "twin": ("graded", ""),
    "twin-2": ("graded", ""),
}


def with_cell(nb, index: int, source: str):
    edited = copy.deepcopy(nb)
    edited.cells.insert(index, nbformat.v4.new_code_cell(source))
    return edited


def write_all(release, folder: Path) -> None:
    folder.mkdir(parents=True)
    solution = notebooks.read(release.solution_notebook)
    student = notebooks.read(release.student_notebook)
    first_answer = min(notebooks.answer_cells(solution).values())

    nbformat.write(solution, folder / "correct.ipynb")
    nbformat.write(student, folder / "untouched.ipynb")
    # A cell that raises early on: the rest of the notebook is still graded.
    nbformat.write(with_cell(solution, first_answer + 1, "raise ValueError('I was experimenting')"), folder / "cell_raises.ipynb")
    nbformat.write(with_cell(solution, first_answer, "import time\nwhile True:\n    time.sleep(1)"), folder / "hangs.ipynb")
    nbformat.write(with_cell(solution, first_answer, "import os\nos._exit(1)"), folder / "kernel_dies.ipynb")
    (folder / "invalid_json.ipynb").write_text(json.dumps(nbformat.writes(solution))[:500])
    empty = copy.deepcopy(solution)
    empty.cells = []
    nbformat.write(empty, folder / "empty_notebook.ipynb")
    with zipfile.ZipFile(folder / "zip_without_notebook.zip", "w") as archive:
        archive.writestr("notes.txt", "my answers are in my head")
    (folder / "not_a_zip.zip").write_bytes(b"this is not a zip archive")
    # What grader.export() hands in: the notebook and Otter's log side by side in a zip.
    with zipfile.ZipFile(folder / "exported.zip", "w") as archive:
        archive.writestr("sleepstudy-lmm.ipynb", nbformat.writes(solution))
        archive.writestr(".OTTER_LOG", b"")
    other = copy.deepcopy(solution)
    other.metadata["otter"]["assignment_name"] = "another-assignment"
    nbformat.write(other, folder / "other_assignment.ipynb")
    # Two hand-ins under the same student name, one good and one blank: both keep their own row.
    nbformat.write(solution, folder / "twin.ipynb")
    (folder / "resubmitted").mkdir()
    nbformat.write(student, folder / "resubmitted" / "twin.ipynb")
