"""A class split over machines: ``grade --shard I/N`` on each, ``merge`` of all, equals one unsharded run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import corpus
from conftest import lmm_seminar
from lmm_seminar.grading.shards import Shard, ShardError, parse_shard

#: A small class: right and wrong answers and a file that cannot be read (whose feedback holds no output
#: of the notebook's own that may differ from run to run).
PICKED = ("statsmodels_api_with_add_constant", "spearman_correlation", "histogram_of_days", "shape_as_columns_rows",
          "ols_coefficients_swapped")


@pytest.fixture(scope="module")
def runs(release, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shard-class")
    corpus.write_variants(release.solution_notebook, folder / "class", [v for v in corpus.VARIANTS if v.name in PICKED])
    (folder / "class" / "broken.ipynb").write_text("{ not json")
    out = tmp_path_factory.mktemp("shard-out")

    def grade(*extra: str) -> Path:
        target = out / ("all" if not extra else extra[-1].replace("/", "-of-"))
        completed = lmm_seminar("grade", str(folder / "class"), "--autograder", str(release.autograder_zip), "--out", str(target),
                                "--jobs", "2", "--no-progress", *extra)
        assert completed.returncode == 0, completed.stderr
        return target

    shards = [grade("--shard", "1/2"), grade("--shard", "2/2")]
    merged = out / "merged"
    completed = lmm_seminar("merge", *map(str, shards), "--out", str(merged))
    assert completed.returncode == 0, completed.stderr
    return grade(), shards, merged


def _without_timings(path: Path) -> list[dict]:
    rows = json.loads(path.read_text())
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_each_shard_grades_a_part_and_together_they_grade_everybody_once(runs):
    _, shards, _ = runs
    parts = [{row["submission"] for row in json.loads((s / "results.json").read_text())} for s in shards]
    assert parts[0] and parts[1] and not parts[0] & parts[1] and len(parts[0] | parts[1]) == len(PICKED) + 1


@pytest.mark.parametrize("name", ["grades.csv", "summary.md"])
def test_merged_table_and_summary_equal_the_unsharded_ones(runs, name):
    unsharded, _, merged = runs
    assert (merged / name).read_text() == (unsharded / name).read_text()


def test_merged_results_equal_the_unsharded_ones_timings_aside(runs):
    unsharded, _, merged = runs
    assert _without_timings(merged / "results.json") == _without_timings(unsharded / "results.json")


@pytest.mark.parametrize("folder", ["feedback", "results"])
def test_merged_per_submission_files_equal_the_unsharded_ones(runs, folder):
    unsharded, _, merged = runs
    names = sorted(p.name for p in (unsharded / folder).iterdir())
    assert names == sorted(p.name for p in (merged / folder).iterdir())
    for name in names:
        assert (merged / folder / name).read_text() == (unsharded / folder / name).read_text(), name


@pytest.mark.parametrize(("shards", "message"), [
    ([0], "shard(s) 2 of 2 are missing"),
    ([0, 0, 1], "shard 1 of 2 is given twice"),
], ids=["missing", "duplicated"])
def test_a_missing_or_duplicated_shard_is_an_error_that_names_it(runs, tmp_path, shards, message):
    _, outputs, _ = runs
    completed = lmm_seminar("merge", *(str(outputs[i]) for i in shards), "--out", str(tmp_path / "m"))
    assert completed.returncode == 2 and message in completed.stderr


def test_a_folder_that_is_no_shard_is_refused(runs, tmp_path):
    unsharded, outputs, _ = runs
    completed = lmm_seminar("merge", str(outputs[0]), str(unsharded), "--out", str(tmp_path / "m"))
    assert completed.returncode == 2 and "is not the output of `lmm-seminar grade --shard" in completed.stderr


@pytest.mark.parametrize(("text", "shard"), [("1/1", Shard(1, 1)), ("2/5", Shard(2, 5)), (" 3 / 3 ", Shard(3, 3))])
def test_a_shard_is_written_i_of_n(text, shard):
    assert parse_shard(text) == shard


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_wrong_shard_is_refused(text):
    with pytest.raises(ShardError):
        parse_shard(text)


def test_the_shards_split_any_class_exactly():
    ids = [f"student-{n}" for n in range(500)]
    parts = [[i for i in ids if Shard(index, 4).holds(i)] for index in range(1, 5)]
    assert sorted(sum(parts, [])) == sorted(ids) and all(80 < len(part) < 170 for part in parts)
