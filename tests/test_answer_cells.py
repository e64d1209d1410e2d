"""Where each part of a hand-in is judged: its check cell, else its answer cell (by id), else the end."""

from __future__ import annotations

import copy

import nbformat
import pytest

import notebooks
from lmm_seminar.answer_cells import (answer_cells_json, answer_cells_of, expected_notebook_name, mark_for_otter_run,
                                      read_answer_cells, unchecked_answer_positions)
from test_release import SEMINAR_QUESTIONS


@pytest.fixture(scope="module")
def student(release) -> nbformat.NotebookNode:
    return notebooks.read(release.student_notebook)


def test_the_release_records_an_answer_cell_of_every_autograded_part_in_both_notebooks(release):
    recorded = read_answer_cells(release.autograder_zip)
    assert sorted(recorded) == sorted(SEMINAR_QUESTIONS)
    assert all(len(ids) == 2 for ids in recorded.values())  # the student notebook's and the solution's
    solution = notebooks.read(release.solution_notebook)
    for question, index in notebooks.answer_cells(solution).items():
        assert solution.cells[index].id in recorded[question]


def test_a_part_with_its_check_cell_is_judged_there(student):
    ids = {q: [i] for q, i in answer_cells_of(student).items()}
    assert unchecked_answer_positions(student.cells, ids, SEMINAR_QUESTIONS) == {}


def test_a_part_whose_check_cell_is_gone_is_judged_after_its_answer_cell(student):
    ids = {q: [i] for q, i in answer_cells_of(student).items()}
    edited = copy.deepcopy(student)
    edited.cells = [c for c in edited.cells if not notebooks.is_check_cell(c)]
    positions = unchecked_answer_positions(edited.cells, ids, SEMINAR_QUESTIONS)
    assert sorted(positions) == sorted(SEMINAR_QUESTIONS)
    assert all(edited.cells[index].id in ids[q] for q, index in positions.items())


def test_a_part_whose_answer_cell_is_gone_too_is_judged_at_the_end(student):
    ids = {q: [i] for q, i in answer_cells_of(student).items()}
    edited = copy.deepcopy(student)
    edited.cells = [c for c in edited.cells if not notebooks.is_check_cell(c) and c.get("id") not in ids["q2c"]]
    assert "q2c" not in unchecked_answer_positions(edited.cells, ids, SEMINAR_QUESTIONS)


def test_otter_run_gets_its_own_check_metadata_only_where_the_check_cell_is_gone(student):
    ids = {q: [i] for q, i in answer_cells_of(student).items()}
    edited = copy.deepcopy(student)
    edited.cells = [c for c in edited.cells if not notebooks.is_check_cell(c) or "q1a" not in c.source]
    edited.cells[2].metadata["otter"] = {"tests": ["q6a"]}  # a student's own metadata is not obeyed
    assert mark_for_otter_run(edited, ids, SEMINAR_QUESTIONS) == ["q1a"]
    marked = [(c.id, c.metadata["otter"].get("tests")) for c in edited.cells if c.metadata.get("otter", {}).get("tests")]
    assert marked == [(ids["q1a"][0], ["q1a"])]


def test_the_file_name_comes_from_the_notebooks_own_otter_cell(student):
    assert expected_notebook_name(student.cells, "other") == "sleepstudy-lmm.ipynb"
    assert expected_notebook_name([nbformat.v4.new_code_cell("x = 1")], "sleepstudy-lmm") == "sleepstudy-lmm.ipynb"


def test_the_recorded_file_merges_ids_per_question():
    assert answer_cells_json({"q1a": "a"}, {"q1a": "b", "q1b": "c"}) == '{\n  "q1a": [\n    "a",\n    "b"\n  ],\n  "q1b": [\n    "c"\n  ]\n}\n'
