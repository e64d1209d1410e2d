"""The plot read-outs see the same data whichever library drew the figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402

import json  # noqa: E402

from lmm_seminar.shipped import figure_inspection as fi  # noqa: E402
from lmm_seminar.shipped.answer_facts import from_plain, to_plain  # noqa: E402

X = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
Y = 3.0 + 2.0 * X + np.array([0.5, -0.5, 0.25, -0.25, 0.0])
FRAME = pd.DataFrame({"Days": X, "Reaction": Y})
VALUES = np.array([1.0, 1.5, 2.0, 2.5, 2.6, 3.0, 3.5, 4.0, 4.5, 5.0])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def pyplot_scatter():
    fig = plt.figure()
    plt.scatter(X, Y)
    return fig


def axes_scatter():
    fig, ax = plt.subplots()
    ax.scatter(X, Y)
    return fig


def marker_line_scatter():
    fig, ax = plt.subplots()
    ax.plot(X, Y, "o")
    return fig


def pandas_scatter():
    fig, ax = plt.subplots()
    FRAME.plot.scatter(x="Days", y="Reaction", ax=ax)
    return fig


def seaborn_scatter():
    fig, ax = plt.subplots()
    sns.scatterplot(data=FRAME, x="Days", y="Reaction", ax=ax)
    return fig


def seaborn_regplot():
    fig, ax = plt.subplots()
    sns.regplot(data=FRAME, x="Days", y="Reaction", ax=ax, ci=None)
    return fig


@pytest.mark.parametrize("make", [pyplot_scatter, axes_scatter, marker_line_scatter, pandas_scatter,
                                  seaborn_scatter, seaborn_regplot], ids=lambda f: f.__name__)
def test_scatter_points_are_the_plotted_data(make):
    points = fi.scatter_points(make())
    assert sorted(map(tuple, points)) == sorted(zip(X, Y))


def test_scatter_points_of_an_empty_figure_are_none():
    fig, _ = plt.subplots()
    assert fi.scatter_points(fig).shape == (0, 2)


def edges_of(bars):
    return [b.left for b in bars] + [bars[-1].left + bars[-1].width]


@pytest.mark.parametrize("library", ["pyplot", "axes", "pandas", "pandas_plot", "seaborn"])
def test_histogram_bars_count_the_values(library):
    fig, ax = plt.subplots()
    bins = [1.0, 2.0, 3.0, 4.0, 5.0]
    if library == "pyplot":
        plt.hist(VALUES, bins=bins)
    elif library == "axes":
        ax.hist(VALUES, bins=bins)
    elif library == "pandas":
        pd.Series(VALUES).hist(bins=bins, ax=ax)
    elif library == "pandas_plot":
        pd.Series(VALUES).plot.hist(bins=bins, ax=ax)
    else:
        sns.histplot(x=VALUES, bins=bins, ax=ax)
    bars = fi.histogram_bars(fig)
    assert np.allclose(edges_of(bars), bins)
    assert [b.height for b in bars] == list(np.histogram(VALUES, bins=bins)[0])


@pytest.mark.parametrize("style", ["step", "stepfilled", "pandas_step", "seaborn_step", "seaborn_step_unfilled"])
def test_step_histograms_are_read_as_the_bars_they_outline(style):
    fig, ax = plt.subplots()
    bins = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # the last bin is empty: a zero-height bar, not a gap
    if style in ("step", "stepfilled"):
        ax.hist(VALUES, bins=bins, histtype=style)
    elif style == "pandas_step":
        pd.Series(VALUES).plot.hist(bins=bins, histtype="step", ax=ax)
    else:
        sns.histplot(x=VALUES, bins=bins, element="step", fill=style == "seaborn_step", ax=ax)
    bars = fi.histogram_bars(fig)
    assert np.allclose(edges_of(bars), bins)
    assert [b.height for b in bars] == list(np.histogram(VALUES, bins=bins)[0])
    assert fi.what_is_drawn(fi.drawn_axes(fig)[0]) == {"bars"}


def test_shapes_that_are_not_a_staircase_are_not_bars():
    fig, ax = plt.subplots()
    ax.fill([0, 1, 2], [0, 3, 0])  # a triangle
    sns.regplot(x=X, y=Y, ax=ax)  # its confidence band is a filled polygon too
    sns.histplot(x=VALUES, bins=4, element="poly", ax=ax)  # a frequency polygon, not bars
    assert fi.histogram_bars(fig) == []


def test_density_histogram_bars_integrate_to_one():
    fig, ax = plt.subplots()
    ax.hist(VALUES, bins=4, density=True)
    bars = fi.histogram_bars(fig)
    assert sum(b.height * b.width for b in bars) == pytest.approx(1.0)


def test_line_slope_and_intercept_from_plot():
    fig, ax = plt.subplots()
    ax.plot(X, 7.5 - 1.25 * X)
    (line,) = fi.drawn_lines(fig)
    assert (line.slope, line.intercept, line.straight) == (pytest.approx(-1.25), pytest.approx(7.5), True)


def test_axline_is_read_from_its_slope():
    fig, ax = plt.subplots()
    ax.axline((1.0, 4.0), slope=2.0)
    (line,) = fi.straight_lines(fig)
    assert (line.slope, line.intercept) == (pytest.approx(2.0), pytest.approx(2.0))


def test_seaborn_regression_line_is_the_least_squares_line():
    (line,) = fi.straight_lines(seaborn_regplot())
    slope, intercept = np.polyfit(X, Y, 1)
    assert (line.slope, line.intercept) == (pytest.approx(slope), pytest.approx(intercept))


def test_curves_and_reference_lines_are_not_fitted_lines():
    fig, ax = plt.subplots()
    ax.plot(X, X**2)
    ax.axhline(2.0)
    ax.axvline(1.0)
    assert [line.straight for line in fi.drawn_lines(fig)] == [False]
    assert fi.straight_lines(fig) == []


def test_pandas_line_plot_is_a_line():
    fig, ax = plt.subplots()
    FRAME.assign(Fit=1.0 + 2.0 * X).plot(x="Days", y="Fit", ax=ax)
    (line,) = fi.straight_lines(fig)
    assert (line.slope, line.intercept) == (pytest.approx(2.0), pytest.approx(1.0))


def test_labels_and_placeholders():
    fig, ax = plt.subplots()
    ax.set_xlabel("Days")
    ax.set_ylabel("...")
    assert fi.axis_labels(fig) == [("Days", "...", "")]
    assert fi.is_filled_in("Days") and not fi.is_filled_in("...") and not fi.is_filled_in("  ") and not fi.is_filled_in("___")


@pytest.mark.parametrize(("text", "placeholder"), [
    ("...", True),
    ("Reaction = ... + ... * Days", True),
    ("…", True),
    ("___", True),
    ("Subject ___", True),
    (r"$\_\_\_$", True),
    ("Subject Ellipsis", True),  # a `...` left in an f-string
    ("TODO", True),
    ("title", True),
    ("Your title here", True),
    ("label goes here", True),
    ("", False),  # nothing there is not a placeholder; whether a label is required is another check
    ("Reaction time (ms)", False),
    ("reaction_time", False),
    (r"$\beta_1$ per day", False),
    ("Reaction vs. days", False),
    ("Subject 308: y = 21.8x + 244.2", False),
])
def test_placeholder_texts_are_recognised(text, placeholder):
    assert fi.is_placeholder(text) is placeholder


def test_placeholder_texts_are_found_in_every_place_on_the_figure():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot(X, Y, label="Subject ...")
    left.legend()
    left.set_title("___")
    right.set_ylabel("TODO")
    right.text(0, 0, "Reaction = ... + ... * Days")
    fig.suptitle("Sleep and reaction")
    assert fi.placeholder_texts(fig) == [("title of panel 1", "___"), ("legend entry of panel 1", "Subject ..."),
                                         ("y-axis label of panel 2", "TODO"), ("text of panel 2", "Reaction = ... + ... * Days")]


def test_only_panels_with_data_count_as_drawn():
    fig, (used, unused, bars) = plt.subplots(1, 3)
    used.scatter(X, Y)
    used.axhline(250)  # a reference line alone would not count as a drawn line
    unused.set_xlabel("nothing here")
    bars.hist(Y)
    assert [fi.what_is_drawn(ax) for ax in fi.figure_facts(fig).axes] == [{"points"}, set(), {"bars"}]
    assert len(fi.drawn_axes(fig)) == 2


def test_legend_labels_from_axes_and_figure_legends():
    fig, ax = plt.subplots()
    ax.plot(X, Y, label="Subject 308")
    ax.legend()
    fig.legend(["extra"])
    assert fi.legend_labels(fig) == ["Subject 308", "extra"]


def test_seaborn_hue_legend_is_read():
    fig, ax = plt.subplots()
    sns.lineplot(data=FRAME.assign(Subject=["308"] * 3 + ["309"] * 2), x="Days", y="Reaction", hue="Subject", ax=ax)
    assert {"308", "309"} <= set(fi.legend_labels(fig))


def test_figure_texts_gather_text_annotations_titles_and_legends():
    fig, ax = plt.subplots()
    ax.text(0.1, 0.9, "y = 2.00x + 3.00", transform=ax.transAxes)
    ax.annotate("note", (1, 1))
    ax.set_title("Subject 308")
    fig.suptitle("Overall")
    fig.text(0.5, 0.01, "caption")
    ax.plot(X, Y, label="fit")
    ax.legend()
    assert set(fi.figure_texts(fig)) == {"y = 2.00x + 3.00", "note", "Subject 308", "Overall", "caption", "fit"}


@pytest.mark.parametrize(("text", "terms"), [
    ("Reaction = 244.19 + 21.76 * Days", [(244.19, False), (21.76, True)]),
    ("y = 21.76x + 244.19", [(21.76, True), (244.19, False)]),
    (r"$y = 21.76 \cdot x + 244.19$", [(21.76, True), (244.19, False)]),
    ("y = 205.1 \u2212 2.3\u00b7Days", [(205.1, False), (-2.3, True)]),
    ("Reaction = 248.11 ms + 10.47 \u00d7 Days", [(248.11, False), (10.47, True)]),
    ("Reaction = 248.11 ms + 10.47 ms/day \u00d7 Days", [(248.11, False), (10.47, True)]),
    ("Subject 371: Reaction = 10.47\u00b7Days + 248.11", [(10.47, True), (248.11, False)]),
    ("y = 1,234.5 + 10.47x", [(1234.5, False), (10.47, True)]),
    ("y = 1\u202f234.5 + 10.47x", [(1234.5, False), (10.47, True)]),
    ("y = 1e-5x + 2", [(1e-5, True), (2.0, False)]),
    ("y = 10.47 * (Days) - 3.2", [(10.47, True), (-3.2, False)]),
    ("y = 10.47x + 248.11, R\u00b2 = 0.28", [(10.47, True), (248.11, False), (0.28, False)]),
], ids=["intercept_first", "slope_first", "latex_cdot", "unicode_minus", "units", "units_on_both", "label_before",
        "thousands_comma", "thousands_narrow_space", "exponent", "variable_in_brackets", "statistic_after"])
def test_equation_terms_tell_slope_from_intercept(text, terms):
    assert fi.equation_terms(text) == terms


@pytest.mark.parametrize("text", [
    "1" + " " * 2000 + "!",  # spaces after a number: a failed match once backtracked in cubic time
    ("2.5 " + "(" * 50 + " " * 50) * 20,
    "1 " * 1000,
    "_" * 2000 + "x",
    " " * 5000 + "your title",
    "1," * 3000,
    "+ -" * 2000 + "x",
    "(" * 2000 + "=" + ")" * 2000,
], ids=["spaces_after_a_number", "brackets_and_spaces", "many_numbers", "underscores", "longer_than_kept",
        "commas_after_digits", "signs", "nested_brackets"])
def test_reading_any_text_takes_little_time(text):
    import time

    start = time.process_time()
    fi.equation_terms(text), fi.numbers_in(text), fi.is_placeholder(text)
    assert time.process_time() - start < 0.5  # linear: milliseconds; the cubic pattern took minutes


def test_numbers_in_text():
    assert fi.numbers_in("y = 21.76x + 244.19, r = -0.5") == [21.76, 244.19, -0.5]


def test_figure_is_checkable_after_show():
    fig, ax = plt.subplots()
    ax.scatter(X, Y)
    plt.show()
    plt.close(fig)
    assert len(fi.scatter_points(fig)) == len(X)


def everything_at_once():
    fig, (left, right) = plt.subplots(1, 2)
    left.hist(VALUES, bins=4)
    left.set_xlabel("Reaction")
    left.set_title("counts", loc="left")
    right.scatter(X, Y, label="points")
    right.plot(X, 3.0 + 2.0 * X, label="y = 3.00 + 2.00x")
    right.axline((0, 1), slope=0.5)
    right.axhline(4.0)
    right.text(0.1, 0.9, "note", transform=right.transAxes)
    right.legend()
    fig.suptitle("caption")
    fig.legend(["fit"])
    return fig


def step_histogram_beside_a_scatter():
    fig, (left, right) = plt.subplots(1, 2)
    left.hist(VALUES, bins=4, histtype="step")
    right.scatter(X, Y)
    return fig


def test_a_figure_reports_at_most_a_bounded_number_of_texts_and_axes():
    from lmm_seminar.shipped.answer_facts import MAX_AXES, MAX_TEXT, MAX_TEXTS

    fig, axes = plt.subplots(6, 7)
    for _ in range(MAX_TEXTS + 50):
        axes[0, 0].text(0, 0, "x" * (MAX_TEXT + 10))
    facts = from_plain(json.loads(json.dumps(to_plain(fig))))
    assert len(facts.axes) == MAX_AXES
    assert len(facts.axes[0].texts) == MAX_TEXTS and all(len(t) == MAX_TEXT for t in facts.axes[0].texts)


@pytest.mark.parametrize("make", [pyplot_scatter, marker_line_scatter, pandas_scatter, seaborn_regplot,
                                  everything_at_once, step_histogram_beside_a_scatter], ids=lambda f: f.__name__)
def test_read_outs_are_the_same_from_the_json_facts_as_from_the_figure(make):
    # The judge only ever sees the facts, sent as JSON; a kernel reads the live figure.
    fig = make()
    facts = from_plain(json.loads(json.dumps(to_plain(fig))))
    assert np.array_equal(fi.scatter_points(facts), fi.scatter_points(fig))
    assert fi.histogram_bars(facts) == fi.histogram_bars(fig)
    assert [(l.slope, l.intercept, l.label, l.straight) for l in fi.drawn_lines(facts)] == \
        [(l.slope, l.intercept, l.label, l.straight) for l in fi.drawn_lines(fig)]
    assert fi.axis_labels(facts) == fi.axis_labels(fig)
    assert fi.legend_labels(facts) == fi.legend_labels(fig)
    assert fi.figure_texts(facts) == fi.figure_texts(fig)
