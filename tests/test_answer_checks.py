"""The hidden tests' building blocks fail with messages a student can act on."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import sleepstudy_reference  # noqa: E402
from lmm_seminar.shipped import answer_checks as ac  # noqa: E402
from lmm_seminar.shipped.answer_facts import from_plain, to_plain  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "source" / "sleepstudy-lmm" / "data" / "sleepstudy.csv"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("value", [True, Ellipsis, None, "3.0", float("nan"), [1.0]])
def test_only_finite_numbers_count_as_numbers(value):
    assert not ac.is_number(value)


@pytest.mark.parametrize("value", [3, 3.5, np.float64(2.0), np.int64(4), np.array(1.5)])
def test_python_and_numpy_numbers_count(value):
    assert ac.is_number(value)


def test_blank_answer_is_named():
    with pytest.raises(AssertionError, match=r"`correlation` is still `...`"):
        ac.check_number("correlation", ..., 0.5)


def test_known_slip_gets_its_own_message():
    with pytest.raises(AssertionError, match="Spearman"):
        ac.check_number("correlation", 0.52, 0.53, rtol=1e-6, known_slips=[(0.52, "this is Spearman's rank correlation")])


def test_numbers_in_messages_are_plain():
    with pytest.raises(AssertionError, match=r"`x` is 323.324, which is not"):
        ac.check_number("x", np.float64(323.324148955113), 1.0)


def test_student_function_that_raises_is_reported_not_crashed():
    def drop_invalid(df):
        return df[...]

    with pytest.raises(AssertionError, match=r"`drop_invalid` raised KeyError.*still a `...`"):
        ac.probe_answer("drop_invalid", drop_invalid, "all_valid")


def test_a_probed_function_gets_the_same_message_from_its_facts():
    def drop_invalid(df):
        return df[...]

    facts = from_plain(json.loads(json.dumps(to_plain(drop_invalid, "drop_invalid"))))
    with pytest.raises(AssertionError, match=r"`drop_invalid` raised KeyError.*still a `...`"):
        ac.probe_answer("drop_invalid", facts, "all_valid")


def test_kept_rows_must_be_unchanged_in_every_column():
    def blanks_day_zero(df):
        df = df.replace({"Days": {0: np.nan}})
        return df[df["Reaction"].notna() & (df["Reaction"] != 0)]

    result = ac.probe_answer("drop_invalid", blanks_day_zero, "all_valid")
    with pytest.raises(AssertionError, match="changes the Days column"):
        ac.check_kept_rows("drop_invalid", result, ac.expected_probe_output(sleepstudy_reference.drop_invalid, "all_valid"))


def test_rows_of_a_cleaned_copy_are_rows_of_the_file():
    data = sleepstudy_reference.load_sleepstudy(DATA)
    ac.check_rows_of_file("sleep_study_data", data.iloc[5:], data, "the file")
    changed = data.assign(Reaction=data["Reaction"] + 1)
    with pytest.raises(AssertionError, match="180 row\\(s\\) that are not in the file"):
        ac.check_rows_of_file("sleep_study_data", changed, data, "the file")


def test_a_model_is_checked_from_its_facts_as_from_itself():
    data = sleepstudy_reference.load_sleepstudy(DATA)
    live = sleepstudy_reference.fit_random_intercept(data)
    facts = from_plain(json.loads(json.dumps(to_plain(live))))
    for value in (live, facts):
        got = ac.require_model("m", value, "MixedLM", "")
        assert got.method == "REML" and got.k_re == 1 and got.n_groups == 18
        assert np.allclose(got.fe_params, sleepstudy_reference.fixed_effects(live))
    with pytest.raises(AssertionError, match="should be a statsmodels OLS fit"):
        ac.require_model("model", facts, "OLS", "smf.ols")


def test_axes_instead_of_figure_gets_a_hint():
    _, ax = plt.subplots()
    with pytest.raises(AssertionError, match=r"not Axes \(store its figure instead: `fig_2b = <that object>.figure`\)"):
        ac.require_figure("fig_2b", ax)


def labelled_axes_nothing_drawn():
    fig, ax = plt.subplots()
    ax.set_xlabel("Days")
    ax.set_ylabel("Reaction (ms)")
    return fig


def scatter_drawn_into_another_figure():
    fig, ax = plt.subplots()
    ax.set_xlabel("Days")
    ax.set_ylabel("Reaction (ms)")
    pd.DataFrame({"Days": [0, 1], "Reaction": [250.0, 260.0]}).plot.scatter(x="Days", y="Reaction")
    return fig


@pytest.mark.parametrize(("make", "message"), [
    (lambda: plt.figure(), "empty figure with no axes"),
    (labelled_axes_nothing_drawn, "axes but nothing drawn on them"),
    (scatter_drawn_into_another_figure, "axes but nothing drawn on them"),
])
def test_no_figure_test_passes_on_an_empty_figure(make, message):
    fig = make()
    facts = from_plain(json.loads(json.dumps(to_plain(fig))))
    for value in (fig, facts):
        with pytest.raises(AssertionError, match=message):
            ac.require_figure("fig_2b", value)
        with pytest.raises(AssertionError, match="shows no data"):
            ac.check_labels_filled("fig_2b", value)


def test_a_figure_must_show_what_the_part_asks_for():
    fig, ax = plt.subplots()
    ax.scatter([0.0, 1.0], [250.0, 260.0])
    ac.require_figure("fig_1b", fig, shows="points")
    with pytest.raises(AssertionError, match=r"`fig_1b` shows no bars: draw the histogram on it with `ax.hist"):
        ac.require_figure("fig_1b", fig, shows="bars")
    with pytest.raises(AssertionError, match=r"`fig_3b` shows no lines"):
        ac.require_figure("fig_3b", fig, shows=("points", "lines"))


def test_labels_are_required_on_panels_with_data_only():
    fig, (ax, unused) = plt.subplots(1, 2)
    ax.hist([250.0, 260.0, 270.0])
    ax.set_xlabel("Reaction (ms)")
    ax.set_ylabel("Count")
    unused.axis("off")
    ac.check_labels_filled("fig_1b", fig)


@pytest.mark.parametrize("check", [
    lambda fig: ac.check_labels_filled("fig_6a", fig),
    lambda fig: ac.check_equation_text("fig_6a", fig, 2.0, 1.0, "the line"),
    lambda fig: ac.check_legend_names("fig_6a", fig, ["308"], "subject(s)"),
])
def test_every_text_check_names_a_placeholder_left_on_the_figure(check):
    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [1.0, 3.0], label="Subject 308: Reaction = 1.0 + 2.0 * Days")
    ax.set_xlabel("Days")
    ax.set_ylabel("Reaction (ms)")
    ax.set_title("___")
    ax.legend()
    with pytest.raises(AssertionError, match=r'`fig_6a`: the title still reads "___", a placeholder: replace it'):
        check(fig)


def test_a_frame_that_is_the_students_own_cleaning_of_the_file_counts_as_read():
    data = sleepstudy_reference.load_sleepstudy(DATA)
    damaged = data.assign(Days=data["Days"].replace(0, np.nan))
    with pytest.raises(AssertionError, match="not in the file"):
        ac.check_rows_of_file("sleep_study_data", damaged, data, "the file")
    ac.check_rows_of_file("sleep_study_data", damaged, data, "the file", cleaned_by=damaged.sample(frac=1, random_state=0))


@pytest.mark.parametrize("cleaned_by", [None, ac.NO_OUTPUT], ids=["cleaning_returned_nothing", "no_cleaning"])
def test_a_missing_table_never_counts_as_read(cleaned_by):
    # a cleaning function that returns nothing, stored, must not make a missing table "the same table"
    data = sleepstudy_reference.load_sleepstudy(DATA)
    with pytest.raises(AssertionError, match="not defined"):
        ac.check_rows_of_file("sleep_study_data", None, data, "the file", cleaned_by=cleaned_by)


def test_output_on_probe_never_fails():
    def raises(df):
        raise ValueError("no")

    assert ac.output_on_probe("drop_invalid", raises, "all_valid") is ac.NO_OUTPUT
    assert ac.output_on_probe("drop_invalid", None, "all_valid") is ac.NO_OUTPUT
    assert len(ac.output_on_probe("drop_invalid", lambda df: df, "all_valid")) == 4


def test_a_kept_row_is_found_by_every_column():
    frame = pd.DataFrame({"Subject": [1.0, np.nan], "Days": [0, 2], "Reaction": [250.0, 260.0]})
    assert ac.contains_row(frame, pd.Series({"Subject": np.nan, "Days": 2, "Reaction": 260.0}))
    assert not ac.contains_row(frame, pd.Series({"Subject": 1.0, "Days": 2, "Reaction": 260.0}))
    assert not ac.contains_row("not a table", pd.Series({"Days": 2}))


def test_histogram_of_the_wrong_column_is_named():
    fig, ax = plt.subplots()
    days, reaction = np.arange(10.0), np.linspace(200, 400, 10)
    ax.hist(days, bins=5)
    with pytest.raises(AssertionError, match="histogram of Days; the question asks for Reaction"):
        ac.check_histogram_of("fig_1b", fig, reaction, "Reaction", others={"Days": days})


@pytest.mark.parametrize(("draw", "passes"), [
    (lambda ax, v: ax.hist(v), True),
    (lambda ax, v: ax.hist(v, bins=40, density=True), True),
    (lambda ax, v: ax.hist(v, bins=range(150, 520, 10)), True),
    (lambda ax, v: ax.hist(v, bins=[-1e6, 1e6]), False),
    (lambda ax, v: ax.hist(v, bins=[0, 600, 1200, 1800, 2400]), False),
    (lambda ax, v: ax.hist(v, bins=2), False),
], ids=["default_bins", "density", "explicit_range", "one_bar_over_everything", "bins_far_wider_than_the_data",
        "two_bins"])
def test_a_histogram_must_show_how_the_values_spread(draw, passes):
    values = sleepstudy_reference.load_sleepstudy(DATA)["Reaction"]
    fig, ax = plt.subplots()
    draw(ax, values)
    if passes:
        ac.check_histogram_of("fig_1b", fig, values, "Reaction")
    else:
        with pytest.raises(AssertionError, match="the bars do not count"):
            ac.check_histogram_of("fig_1b", fig, values, "Reaction")


#: Three subjects' own lines (slope, intercept), as a hidden test of 3c passes them.
LINES = {308: (21.76, 244.19), 309: (2.26, 205.05), 310: (6.11, 203.48)}


def _lines_with_labels(labels):
    fig, ax = plt.subplots()
    days = np.arange(10.0)
    for (slope, intercept), label in zip(LINES.values(), labels):
        ax.plot(days, intercept + slope * days, label=label)
    ax.legend()
    return fig


@pytest.mark.parametrize(("labels", "message"), [
    (["Subject 308", "Subject 309", "Subject 310"], None),
    (["308", "309.0", "S310"], None),
    (["308309310", "a", "b"], "does not name subject"),
    (["Subjects 308, 309 and 310", "a", "b"], "names 3 subject"),
    (["Subject 309", "Subject 308", "Subject 310"], "is the line of 308"),
], ids=["named", "bare_and_float_ids", "one_run_of_digits", "one_entry_lists_all", "labels_on_the_wrong_lines"])
def test_each_legend_entry_names_one_subject_on_its_own_line(labels, message):
    fig = _lines_with_labels(labels)
    if message is None:
        ac.check_legend_names("fig_3c", fig, list(LINES), "subject(s)", lines=LINES)
    else:
        with pytest.raises(AssertionError, match=message):
            ac.check_legend_names("fig_3c", fig, list(LINES), "subject(s)", lines=LINES)


def test_swapped_scatter_is_named():
    fig, ax = plt.subplots()
    ax.scatter([200.0, 250.0], [0.0, 1.0])
    with pytest.raises(AssertionError, match="x and y are swapped"):
        ac.check_scatter_of("fig_2b", fig, [0.0, 1.0], [200.0, 250.0], "Days", "Reaction")


#: Subject 308's line, as the hidden tests of 4a know it.
SLOPE_308, INTERCEPT_308 = 21.7647, 244.1927


def _plot_308_with(*texts: str):
    fig, ax = plt.subplots()
    days = np.arange(10.0)
    ax.plot(days, INTERCEPT_308 + SLOPE_308 * days)
    for height, text in enumerate(texts):
        ax.text(0, height, text)
    return fig


@pytest.mark.parametrize("text", [
    "Reaction = 244.19 + 21.76 * Days",
    "y = 21.8x + 244.2",
    "Reaction = 244.19 ms + 21.76 × Days",
    "Reaction = 244.19 ms + 21.76 ms/day · Days",
    "y = 21.76·x + 244.19",
    "Reaction = 21.76 * Days + 244.19",
    r"$\mathrm{Reaction} = 244.19\,\mathrm{ms} + 21.76\,\mathrm{Days}$",
    "Subject 308: y = 21.76x + 244.19 (R² = 0.70)",
], ids=["plain", "rounded_to_one_decimal", "units_and_times_sign", "units_on_both_terms", "slope_first_middle_dot",
        "slope_first_star", "latex_with_units", "label_and_r_squared"])
def test_an_equation_written_any_usual_way_passes(text):
    ac.check_equation_text("fig_4a", _plot_308_with(text), SLOPE_308, INTERCEPT_308, "the line")


@pytest.mark.parametrize(("text", "message"), [
    ("Reaction = 21.76 + 244.19 * Days", "the wrong way round"),
    ("Reaction = 244 + 22 * Days", "no text on the plot shows the equation"),
    ("Reaction = 244.19 ms", "no text on the plot shows the equation"),
    ("slope 21.76, intercept 244.19", "no text on the plot shows the equation"),
], ids=["swapped", "rounded_to_whole_numbers", "intercept_only", "numbers_without_an_equation"])
def test_a_wrong_equation_is_told_what_is_wrong(text, message):
    with pytest.raises(AssertionError, match=message):
        ac.check_equation_text("fig_4a", _plot_308_with(text), SLOPE_308, INTERCEPT_308, "the line")


def test_an_equation_with_units_is_never_called_swapped():
    # "248.11 ms" once read as a coefficient of ms: the message claimed a swap the student never made
    with pytest.raises(AssertionError) as failure:
        ac.check_equation_text("fig_4a", _plot_308_with("Reaction = 244 ms + 22 × Days"), SLOPE_308, INTERCEPT_308, "the line")
    assert "wrong way round" not in str(failure.value)


def test_an_equation_whose_line_is_not_drawn_gets_nothing():
    fig, ax = plt.subplots()
    ax.plot([0.0, 9.0], [100.0, 120.0])
    ax.text(0, 0, "Reaction = 244.19 + 21.76 * Days")
    with pytest.raises(AssertionError, match="no line on the plot follows it"):
        ac.check_equation_text("fig_4a", fig, SLOPE_308, INTERCEPT_308, "the line")


SPRAY = [f"y = {slope:.2f}x + {intercept:.2f}" for slope in np.arange(20.0, 23.0, 0.01)
         for intercept in np.arange(243.0, 246.0, 0.05)]


@pytest.mark.parametrize(("texts", "message"), [
    (SPRAY[::40], "different equations but draws 1 straight line"),
    (["; ".join(SPRAY)], "different equations but draws 1 straight line"),
    (["y = " + " + ".join(f"{s:.2f}x" for s in np.arange(20.0, 23.0, 0.01)) + " + "
      + " + ".join(f"{i:.2f}" for i in np.arange(243.0, 246.0, 0.01))], "no text on the plot shows the equation"),
], ids=["one_text_each", "one_text_of_many_equations", "one_sum_of_every_candidate"])
def test_a_figure_that_sprays_candidate_equations_gets_nothing(texts, message):
    with pytest.raises(AssertionError, match=message):
        ac.check_equation_text("fig_4a", _plot_308_with(*texts), SLOPE_308, INTERCEPT_308, "the line")


def test_one_column_table_of_random_effects_is_accepted():
    table = pd.DataFrame({"Group": [1.5, -1.5]}, index=["308", "309"])
    assert ac.series_by_id("random_intercepts", table, "Subject").to_dict() == {308: 1.5, 309: -1.5}


def fit_beside_residuals(x, y):
    """The data and its line in one panel, the residuals in another: a common, correct 3b figure."""
    fig, (fit, residuals) = plt.subplots(1, 2)
    fit.scatter(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    residuals.scatter(x, y - (intercept + slope * x))
    return fig


def test_a_scatter_is_judged_on_the_panel_that_answers_the_part():
    x, y = np.arange(10.0), 3 + 2 * np.arange(10.0) + np.sin(np.arange(10.0))
    ac.check_scatter_of("fig", fit_beside_residuals(x, y), x, y, "Days", "Reaction")
    with pytest.raises(AssertionError, match="x and y are swapped"):
        ac.check_scatter_of("fig", fit_beside_residuals(y, x), x, y, "Days", "Reaction")
    with pytest.raises(AssertionError, match="shows 5 points; it should show 10"):
        ac.check_scatter_of("fig", fit_beside_residuals(x[:5], y[:5]), x, y, "Days", "Reaction")


def test_points_split_over_panels_still_count_together():
    x, y = np.arange(10.0), np.arange(10.0) ** 2
    fig, axes = plt.subplots(1, 2)
    axes[0].scatter(x[:5], y[:5])
    axes[1].scatter(x[5:], y[5:])
    ac.check_scatter_of("fig", fig, x, y, "Days", "Reaction")


def test_a_histogram_is_judged_on_the_panel_that_answers_the_part():
    values = np.array([1.0, 2.0, 2.5, 3.0, 3.5, 7.0])
    fig, (hist, other) = plt.subplots(1, 2)
    hist.hist(values, bins=3)
    other.bar([0, 1], [4, 9])
    ac.check_histogram_of("fig", fig, values, "Reaction")


def test_a_histogram_of_values_computed_another_way_counts_every_value():
    # the same slopes from another routine differ in the last bits; the histogram's outer edges come from
    # the student's numbers, so the reference's largest value may lie a hair beyond the last edge
    values = np.array([-2.881, 0.5, 3.3, 6.4, 9.4, 12.5, 15.6, 18.7, 21.764702424242415])
    fig, ax = plt.subplots()
    ax.hist(values * (1 - 1e-15), bins=8)
    ac.check_histogram_of("fig_1b", fig, values, "the slopes")
