"""Checks the hidden tests run on a student's answers, each failing with a message that helps.

A hidden test in an assignment's source notebook is one short function that
calls these checks with the student's values and the reference values from the
assignment's reference module. Each check raises ``AssertionError`` with a
sentence a student can act on ("x and y are swapped: put Days on the x-axis"),
which Otter shows as the test's message. The checks name no assignment and no
data column: the tests pass the names the student knows (``x="Days"``).

Every check takes either a live value (in a kernel, under ``otter run``) or
its facts (``answer_facts``, in the judge outside the student's process), so
one set of hidden tests serves both and gives the same verdicts.

Shipped inside every autograder zip beside ``figure_inspection``,
``answer_facts`` and ``tolerances`` (and the assignment's own modules); it
depends on numpy, pandas and those modules only.
"""

from __future__ import annotations

import math
import re
from numbers import Real
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

try:  # inside the autograder zip the shipped modules sit side by side
    import figure_inspection as fi
    from answer_facts import FunctionFacts, ModelFacts, OtherValue, ProbeError, function_facts, model_facts, probe_input
    from tolerances import DATA_RTOL, HISTOGRAM_SPAN_FACTOR, LINE_RTOL, MIN_FILLED_BINS, TEXT_ATOL
except ImportError:  # inside the lmm_seminar package
    from . import figure_inspection as fi
    from .answer_facts import FunctionFacts, ModelFacts, OtherValue, ProbeError, function_facts, model_facts, probe_input
    from .tolerances import DATA_RTOL, HISTOGRAM_SPAN_FACTOR, LINE_RTOL, MIN_FILLED_BINS, TEXT_ATOL


def is_number(value: object) -> bool:
    """True for a real, finite number (Python, numpy or a 0-d array), not a bool or ``...``."""
    if isinstance(value, (bool, np.bool_)) or value is Ellipsis or value is None:
        return False
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return isinstance(value, (Real, np.number)) and math.isfinite(float(value))


def close(value: object, expected: float, rtol: float = 0.0, atol: float = 0.0) -> bool:
    """True when ``value`` is a number within the tolerance of ``expected``."""
    return is_number(value) and math.isclose(float(value), expected, rel_tol=rtol, abs_tol=atol)


def require_answer(name: str, value: object) -> None:
    """Fail when the answer is missing or still the scaffold's ``...``."""
    assert value is not None, f"`{name}` is not defined: run the cell that sets it (and keep the name as given)"
    assert value is not Ellipsis, f"`{name}` is still `...`: replace the blank with your answer"


def probe_answer(name: str, func: object, probe: str) -> object:
    """What the student's function ``name`` returns on the probe input ``probe``.

    ``func`` is the live function (in a kernel) or its ``FunctionFacts`` (in
    the judge). Fails with what the function raised, if it raised.
    """
    require_answer(name, func)
    facts = func if not callable(func) else function_facts(name, func)
    outputs = getattr(facts, "outputs", None)
    assert outputs is not None, f"`{name}` should be a function (define it with `def {name}(...)`)"
    assert probe in outputs, f"`{name}` could not be tried on the test input {probe!r}"
    result = outputs[probe]
    if isinstance(result, ProbeError):
        hint = " (is there still a `...` in it?)" if "Ellipsis" in result.message else ""
        raise AssertionError(f"`{name}` raised {result.type}: {result.message}{hint}")
    return result


class _NoOutput:
    """What ``output_on_probe`` gives when there is no output to compare (function missing or raised)."""

    def __repr__(self) -> str:
        return "NO_OUTPUT"


NO_OUTPUT = _NoOutput()


def output_on_probe(name: str, func: object, probe: str) -> object:
    """What the student's function returned on ``probe``, or ``NO_OUTPUT`` if it is missing or raised.

    Unlike ``probe_answer`` this never fails: a test uses it to look at
    another part's function without judging it.
    """
    try:
        return probe_answer(name, func, probe)
    except AssertionError:
        return NO_OUTPUT


def expected_probe_output(func, probe: str) -> object:
    """What the reference function returns on the probe input ``probe``."""
    return func(probe_input(probe))


def require_model(name: str, value: object, kind: str, how: str) -> ModelFacts:
    """The facts of a fitted statsmodels model of class ``kind`` (e.g. ``OLS``), or a helpful failure."""
    require_answer(name, value)
    facts = model_facts(value)
    assert facts is not None, f"`{name}` should be a fitted model: {how}"
    assert facts.kind == kind, f"`{name}` should be a statsmodels {kind} fit ({how}), not a {facts.kind} model"
    return facts


def random_effects_of(facts: ModelFacts, slopes: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
    """What a mixed model lets vary between groups: (a random intercept?, the variables with a random slope).

    Read from the fit's structure, whichever way it was asked for: ``re_formula``
    (``"~Days"``, ``"Days"``, ``"0 + Days"``), the array API's ``exog_re``, or a
    variance component (``vc_formula={"Days": "0 + Days"}``). ``slopes`` names the
    variables that may have a random slope; any other random effect is the intercept.
    """
    re_names = list(facts.re_names) or [f"re{i}" for i in range(facts.k_re or 0)]
    named = [n for n in re_names if n in slopes] + [n for n in facts.vc_names if n in slopes]
    intercept = len([n for n in re_names if n not in slopes]) > 0
    return intercept, tuple(dict.fromkeys(named))


def check_random_effects(name: str, facts: ModelFacts, *, intercept: bool, slopes: Sequence[str],
                         asked: str) -> None:
    """Fail unless the mixed model has exactly the random effects asked for, saying what it has instead.

    ``asked`` describes them as the question does ("a random slope of Days and no random intercept").
    """
    has_intercept, has_slopes = random_effects_of(facts, slopes)
    if (has_intercept, set(has_slopes)) == (intercept, set(slopes)):
        return
    parts = (["a random intercept"] if has_intercept else []) + [f"a random slope of {s}" for s in has_slopes]
    has = " and ".join(parts) or "no random effect"
    raise AssertionError(f"`{name}` has {has}; the question asks for {asked}")


def check_fit_method(name: str, facts: ModelFacts, method: str) -> None:
    """Fail unless the mixed model was fitted by ``method`` (``"REML"`` or ``"ML"``), saying how to get it."""
    if facts.method == method:
        return
    if method == "REML":
        raise AssertionError(f"`{name}` was fitted by maximum likelihood (reml=False); use the default REML fit")
    raise AssertionError(f"`{name}` was fitted by REML; this part needs a maximum-likelihood fit: .fit(reml=False)")


def require_number(name: str, value: object) -> None:
    """Fail unless the answer is a single finite number."""
    require_answer(name, value)
    assert is_number(value), (
        f"`{name}` should be a single number, but it is {_type_name(value)} {_short(value)}"
    )


def require_figure(name: str, value: object, shows: str | Sequence[str] = ()) -> None:
    """Fail unless the answer is a matplotlib Figure with something drawn on it.

    ``shows`` names what the part asks the figure to show (any of ``"points"``,
    ``"bars"``, ``"lines"``); each must be there. A figure whose plotting cell
    stopped before drawing, or whose plot went into another figure, fails here,
    so no test of the figure can pass on it.
    """
    require_answer(name, value)
    if not fi.is_figure(value):
        hint = f" (store its figure instead: `{name} = <that object>.figure`)" if fi.has_figure(value) else ""
        raise AssertionError(f"`{name}` should be a matplotlib Figure, not {_type_name(value)}{hint}")
    where = ("the plotting cell may have stopped with an error before drawing, or the plot went into another "
             "figure (pandas and seaborn's figure-level plots make their own): draw on this figure's axes")
    axes = fi.figure_facts(value).axes
    assert axes, f"`{name}` is an empty figure with no axes: {where}"
    drawn = set().union(*(fi.what_is_drawn(ax) for ax in axes))
    assert drawn, f"`{name}` has axes but nothing drawn on them: {where}"
    for kind in ([shows] if isinstance(shows, str) else shows):
        assert kind in drawn, f"`{name}` shows no {kind}: {_HOW_TO_DRAW[kind]}"


# How to draw each kind of data a part asks for, for the message when it is missing.
_HOW_TO_DRAW = {
    "points": "draw the data points on it with `ax.scatter(x, y)`",
    "bars": "draw the histogram on it with `ax.hist(values)`",
    "lines": "draw the line(s) on it with `ax.plot(x, y)` (or `ax.axline`)",
}


def check_number(name: str, value: object, expected: float, *, rtol: float = 0.0, atol: float = 0.0,
                 known_slips: Iterable[tuple[float, str]] = ()) -> None:
    """Fail unless ``value`` is within tolerance of ``expected``.

    ``known_slips`` pairs a wrong value a student is likely to give with the
    message that explains it (e.g. the Spearman correlation for Pearson's r).
    """
    require_number(name, value)
    if close(value, expected, rtol, atol):
        return
    for slip_value, message in known_slips:
        if close(value, slip_value, max(rtol, 1e-9), atol):
            raise AssertionError(f"`{name}`: {message}")
    raise AssertionError(f"`{name}` is {_short(value)}, which is not the value the question asks for")


def check_rows_of_file(name: str, frame: object, expected: pd.DataFrame, file_name: str, *,
                       cleaned_by: object = NO_OUTPUT) -> None:
    """Fail unless ``frame`` has the file's columns and every one of its rows is a row of the file, unchanged.

    ``cleaned_by`` is what the student's own cleaning function (part 2a)
    returned on the whole file. Under ``otter run`` a test sees the data as it
    stands at the end of the notebook, after 2a may have replaced it with that
    function's result; a ``frame`` that is exactly that result was read and
    then cleaned, and 2a's own tests judge the cleaning, so it passes here.
    """
    require_answer(name, frame)
    assert not isinstance(frame, pd.DataFrame) or len(frame) > 0, f"`{name}` has no rows: read {file_name}"
    if cleaned_by is not NO_OUTPUT and _same_table(frame, cleaned_by, expected.columns):
        return
    assert isinstance(frame, pd.DataFrame), f"`{name}` should be the DataFrame that pd.read_csv returns, not {_type_name(frame)}"
    missing = [c for c in expected.columns if c not in frame.columns]
    assert not missing, f"`{name}` has no column(s) {missing}: read {file_name} as it is"
    assert len(frame) > 0, f"`{name}` has no rows: read {file_name}"
    try:
        rows = np.round(frame[list(expected.columns)].to_numpy(dtype=float), 9)
    except (TypeError, ValueError):
        raise AssertionError(f"`{name}` has values that are not numbers in {list(expected.columns)}: read {file_name} as it is") from None
    known = {tuple(row) for row in np.round(expected.to_numpy(dtype=float), 9)}
    changed = sum(tuple(row) not in known for row in rows)
    assert not changed, f"`{name}` has {changed} row(s) that are not in {file_name}: read the file as it is, without changing values"


def contains_row(frame: object, row: pd.Series) -> bool:
    """True when ``frame`` holds a row equal to ``row`` in every one of ``row``'s columns (missing values equal)."""
    if not isinstance(frame, pd.DataFrame) or not set(row.index) <= set(frame.columns):
        return False
    try:
        values = frame[list(row.index)].to_numpy(dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.isclose(values, row.to_numpy(dtype=float), rtol=0, atol=0, equal_nan=True).all(axis=1).any())


def check_kept_rows(name: str, result: object, expected: pd.DataFrame) -> None:
    """Fail unless the rows a cleaning function returned are exactly the rows it should keep, unchanged.

    Order and index do not matter; every column of every kept row must hold
    the input's value (missing values included), whatever its dtype.
    """
    assert isinstance(result, pd.DataFrame), f"`{name}` should return a DataFrame, not {_type_name(result)}"
    assert list(result.columns) == list(expected.columns), f"`{name}` should keep all the columns ({', '.join(map(str, expected.columns))})"
    if len(result) < len(expected):
        raise AssertionError(f"`{name}` drops {len(expected) - len(result)} valid row(s); it should keep every valid row "
                             "(a zero or a gap in a column the rule does not name is a real value)")
    assert len(result) == len(expected), f"`{name}` keeps {len(result)} rows; it should keep {len(expected)}"
    try:
        got = _sorted_rows(result)
    except (TypeError, ValueError):
        raise AssertionError(f"`{name}` changes values: the rows it keeps should stay exactly as they were") from None
    want = _sorted_rows(expected)
    same = np.isclose(got, want, rtol=0, atol=0, equal_nan=True)
    if not same.all():
        column = expected.columns[int(np.argwhere(~same)[0][1])]
        raise AssertionError(f"`{name}` changes the {column} column of rows it keeps; a kept row should stay exactly as it was")


def _same_table(frame: object, other: object, columns: Iterable[str]) -> bool:
    # Two answers hold the same table: DataFrames with the same rows in the given columns, in any
    # order. Two missing tables are not the same table, nor are two empty ones: no test passes on a
    # missing or empty answer.
    if not isinstance(frame, pd.DataFrame) or not isinstance(other, pd.DataFrame) or len(frame) != len(other):
        return False
    if len(frame) == 0:
        return False
    columns = list(columns)
    if not set(columns) <= set(frame.columns) or not set(columns) <= set(other.columns):
        return False
    try:
        return bool(np.array_equal(_sorted_rows(frame[columns]), _sorted_rows(other[columns]), equal_nan=True))
    except (TypeError, ValueError):
        return False


def _sorted_rows(frame: pd.DataFrame) -> np.ndarray:
    values = frame.to_numpy(dtype=float)
    order = np.lexsort(tuple(np.nan_to_num(values[:, i], nan=-np.inf) for i in reversed(range(values.shape[1]))))
    return values[order]


def check_labels_filled(name: str, fig, *, title: bool = False) -> None:
    """Fail when an Axes that shows data has a blank x or y label (or title, when asked for).

    Fails as well on a figure with nothing drawn, and on placeholder text
    anywhere on the figure (``check_no_placeholder_text``).
    """
    drawn = fi.drawn_axes(fig)
    assert drawn, f"`{name}` shows no data, so there is nothing to label: draw the plot on this figure first"
    check_no_placeholder_text(name, fig)
    for ax in drawn:
        assert fi.is_filled_in(ax.xlabel), f"`{name}`: label the x-axis (it is blank or still a placeholder)"
        assert fi.is_filled_in(ax.ylabel), f"`{name}`: label the y-axis (it is blank or still a placeholder)"
        if title:
            assert fi.is_filled_in(ax.titles[1]), f"`{name}`: give the plot a title"


def check_no_placeholder_text(name: str, fig) -> None:
    """Fail when any text on the figure still reads as a scaffold blank, naming the figure, the place and the text."""
    found = fi.placeholder_texts(fig)
    if found:
        where, text = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise AssertionError(f"`{name}`: the {where} still reads {_quoted(text)}, a placeholder{more}: "
                             "replace it with your own text, or remove it")


def check_labels_not_swapped(name: str, fig, x_word: str, y_word: str) -> None:
    """Fail when the x label names the y variable and not the x one (or the other way round)."""
    for xlabel, ylabel, _ in fi.axis_labels(fig):
        x, y = xlabel.lower(), ylabel.lower()
        assert not (y_word in x and x_word not in x), (
            f"`{name}`: the x-axis label mentions {y_word!r}; the x-axis shows {x_word}"
        )
        assert not (x_word in y and y_word not in y), (
            f"`{name}`: the y-axis label mentions {x_word!r}; the y-axis shows {y_word}"
        )


def check_histogram_of(name: str, fig, values: Sequence[float], what: str,
                       others: dict[str, Sequence[float]] | None = None) -> None:
    """Fail unless the figure's bars are a histogram of ``values`` (counts, density or proportions).

    Any bin count is fine: the bar heights must be proportional to how many of
    ``values`` fall in each bar (or to that count divided by the bar width, for
    a density). ``others`` names other columns to recognise when the student
    plotted the wrong one.
    """
    facts = fi.figure_facts(fig)  # read once: a live figure (under otter run) is converted here
    bars = fi.histogram_bars(facts)
    assert bars, f"`{name}` has no histogram bars: draw it with `hist` (or seaborn's `histplot`)"
    # the panel that answers the part (another panel may show something else), or all of them together
    candidates = _per_panel(facts, lambda ax: sorted(ax.bars, key=lambda bar: bar.left), bars)
    if any(_bars_match(panel, values) for panel in candidates):
        return
    for other_name, other_values in (others or {}).items():
        if any(_bars_match(panel, other_values) for panel in candidates):
            raise AssertionError(f"`{name}` is a histogram of {other_name}; the question asks for {what}")
    raise AssertionError(
        f"`{name}`: the bars do not count the {len(values)} values of {what} "
        "(is every row included, and nothing else?)"
    )


def check_scatter_of(name: str, fig, x: Sequence[float], y: Sequence[float], x_name: str, y_name: str,
                     *, allow_more: bool = False) -> None:
    """Fail unless the figure's scatter shows exactly the points (x, y).

    With ``allow_more`` other points may be present too (e.g. all subjects
    in grey behind the highlighted ones).
    """
    facts = fi.figure_facts(fig)  # read once: a live figure (under otter run) is converted here
    points = fi.scatter_points(facts)
    expected = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    assert len(points), f"`{name}` shows no points: draw them with `scatter` (or `plot(x, y, 'o')`)"
    # the panel that answers the part (a residual panel beside it shows other points), or all together
    candidates = _per_panel(facts, lambda ax: ax.points, points)
    if any(_same_points(panel, expected, allow_more) for panel in candidates):
        return
    if any(_same_points(panel[:, ::-1], expected, allow_more) for panel in candidates):
        raise AssertionError(f"`{name}`: x and y are swapped: put {x_name} on the x-axis and {y_name} on the y-axis")
    panels = candidates[:-1] or candidates  # what one panel shows: all panels together already failed
    if not allow_more and all(len(panel) != len(expected) for panel in panels):
        points = min(panels, key=lambda panel: abs(len(panel) - len(expected)))  # the nearest to an answer
        raise AssertionError(f"`{name}` shows {len(points)} points; it should show {len(expected)} ({y_name} against {x_name})")
    raise AssertionError(f"`{name}`: the points are not {y_name} against {x_name} for the rows asked for")


def find_line(fig, slope: float, intercept: float, rtol: float = LINE_RTOL) -> fi.DrawnLine | None:
    """The straight line on the figure with this slope and intercept, if there is one.

    ``fig`` may also be the figure's ``straight_lines``, read once by a test
    that looks for many lines.
    """
    lines = fig if isinstance(fig, list) else fi.straight_lines(fig)
    for line in lines:
        if _line_matches(line, slope, intercept, rtol):
            return line
    return None


def check_line(name: str, fig, slope: float, intercept: float, what: str, *, x: str = "x", y: str = "y") -> None:
    """Fail unless the figure shows the straight line ``intercept + slope * x`` (``x`` and ``y`` name the axes' variables)."""
    lines = fi.straight_lines(fig)
    assert lines, f"`{name}` has no straight line: draw {what} with `plot` (or `axline`)"
    if find_line(fig, slope, intercept) is not None:
        return
    if any(_line_matches(line, 1 / slope, -intercept / slope, LINE_RTOL) for line in lines if slope):
        raise AssertionError(f"`{name}`: the line is drawn with x and y swapped; {what} goes from {x} (x) to {y} (y)")
    if any(math.isclose(line.slope, slope, rel_tol=LINE_RTOL) for line in lines):
        raise AssertionError(f"`{name}`: the line has the right slope but not the right intercept for {what}")
    raise AssertionError(f"`{name}`: no line on the plot matches {what}")


def check_equation_text(name: str, fig, slope: float, intercept: float, what: str, *,
                        x: str = "x", y: str = "y") -> None:
    """Fail unless one text on the figure writes the line as intercept and slope times the variable,
    and that line is drawn.

    Numbers must be rounded to at least one decimal place; the slope is the
    number in the term with the variable (``21.76x``, ``21.76 * Days``,
    ``10.47 ms/day × Days``) and the intercept a number in a term of its own,
    in either order, units allowed (``fi.equation_terms``). The equation labels
    a line the figure draws, one equation per line: a figure whose line is not
    the one written, that writes more equations than it draws lines, or whose
    "equation" sums many candidates (``fi.equations_in``), gets nothing here.
    """
    check_no_placeholder_text(name, fig)
    facts = fi.figure_facts(fig)  # read once: a live figure (under otter run) is converted here
    texts = fi.figure_texts(facts)
    assert texts, f"`{name}`: write the equation of {what} on the plot (`ax.text`, the title or the legend)"
    lines = fi.straight_lines(facts)
    equations = fi.equations_in(texts)
    distinct = {(round(b, 1), round(a, 1)) for b, a in equations}
    assert len(distinct) <= max(1, len(lines)), (
        f"`{name}` writes {len(distinct)} different equations but draws {len(lines)} straight line(s): "
        "write one equation for each line you draw, the one that line follows")
    if any(_printed(b, slope) and _printed(a, intercept) for b, a in equations):
        assert find_line(lines, slope, intercept) is not None, (
            f"`{name}`: the equation of {what} is written, but no line on the plot follows it: "
            "draw the line the equation describes")
        return
    if any(_printed(b, intercept) and _printed(a, slope) for b, a in equations):
        raise AssertionError(f"`{name}`: the equation of {what} has the slope and the intercept the wrong way round; "
                             f"the slope multiplies {x}, the intercept stands alone")
    raise AssertionError(
        f"`{name}`: no text on the plot shows the equation of {what} with its intercept and slope "
        f"(rounded to at least one decimal place), e.g. {y} = a + b * {x}"
    )


def _printed(value: float, target: float) -> bool:
    """True when ``value`` is ``target`` as printed with at least one decimal place."""
    return math.isclose(value, target, abs_tol=TEXT_ATOL)


def check_legend_names(name: str, fig, entries: Iterable[object], what: str, *,
                       lines: dict[object, tuple[float, float]] | None = None) -> None:
    """Fail unless the figure has a legend that names every entry (e.g. every subject id), one per entry.

    An entry is named by a whole number in a legend text (``Subject 308``,
    ``308``), and a legend text names one entry at most: a text that lists
    many, or one long run of digits holding them all, names none. With
    ``lines`` (each possible entry's slope and intercept, e.g. every subject's
    own fit), a line whose label names an entry must not be another entry's line.
    """
    check_no_placeholder_text(name, fig)
    facts = fi.figure_facts(fig)
    labels = fi.legend_labels(facts)
    assert labels, f"`{name}` has no legend: call `ax.legend()` after giving each line a `label=`"
    known = {str(e) for e in (lines or {})} | {str(e) for e in entries}
    named = [_whole_numbers(label) & known for label in labels]
    crowded = [label for label, found in zip(labels, named) if len(found) > 1]
    assert not crowded, (f"`{name}`: the legend entry {_quoted(crowded[0])} names {len(named[labels.index(crowded[0])])} "
                         f"{what}; give each line its own entry")
    shown = set().union(*named)
    missing = [str(e) for e in entries if str(e) not in shown]
    assert not missing, f"`{name}`: the legend does not name {what} {', '.join(missing)}"
    if lines:  # a labelled line must not be another entry's line (fitted from the student's own data, it may
        # differ from the reference; that is the lines test's business, not the legend's)
        by_name = {str(e): fit for e, fit in lines.items()}
        for line in fi.straight_lines(facts):
            found = _whole_numbers(line.label) & set(by_name) if line.label in labels else set()
            if len(found) != 1:
                continue
            entry = found.pop()
            other = next((e for e, fit in by_name.items() if e != entry and _line_matches(line, *fit, LINE_RTOL)), None)
            assert other is None or _line_matches(line, *by_name[entry], LINE_RTOL), (
                f"`{name}`: the line labelled {_quoted(line.label)} is the line of {other}: "
                "label each line with the one it shows")


def _whole_numbers(text: str) -> set[str]:
    """The whole numbers written in a text, without leading zeros ("Subject 308" and "308.0" give {"308"})."""
    return {str(int(token)) for token in _WHOLE_NUMBER.findall(text)}


_WHOLE_NUMBER = re.compile(r"(?<![\d.])(\d{1,18})(?:\.0+)?(?![\d.])")  # 308, and 308.0 from a float column


def series_by_id(name: str, value: object, index_name: str) -> pd.Series:
    """The answer as a float Series indexed by integer ids (``index_name``: what they are), or a helpful failure."""
    require_answer(name, value)
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        value = value.iloc[:, 0]
    assert isinstance(value, pd.Series), (
        f"`{name}` should be a pandas Series indexed by {index_name}, not {_type_name(value)}"
    )
    try:
        index = [int(float(i)) for i in value.index]
        numbers = value.astype(float).to_numpy()
    except (TypeError, ValueError):
        raise AssertionError(f"`{name}` should hold one number per {index_name}, indexed by {index_name}") from None
    return pd.Series(numbers, index=index)


def _per_panel(facts, read, together):
    """What ``read`` gives for each panel that shows some of it, then ``together`` (all panels' at once)."""
    panels = [read(ax) for ax in facts.axes]
    panels = [panel for panel in panels if len(panel)]
    return panels + [together] if len(panels) > 1 else [together]


def _bars_match(bars: list[fi.Bar], values: Sequence[float]) -> bool:
    values = np.asarray(values, dtype=float)
    lefts = np.array([b.left for b in bars])
    widths = np.array([b.width for b in bars])
    heights = np.array([b.height for b in bars])
    if np.any(widths <= 0):
        return False
    edges = np.append(lefts, lefts[-1] + widths[-1])
    # bars must tile the range without gaps or overlaps, and cover every value
    if not np.allclose(lefts[1:], edges[1:-1], rtol=DATA_RTOL, atol=1e-9 * np.ptp(edges)):
        return False
    span = edges[-1] - edges[0]
    if values.min() < edges[0] - 1e-9 * span or values.max() > edges[-1] + 1e-9 * span:
        return False
    # The bins must show how the values spread: several of them filled, over about the data's range
    # (an explicit range such as 0 to 500 is fine). One bar from -1e6 to 1e6 "counts" every value and
    # shows nothing.
    if span > HISTOGRAM_SPAN_FACTOR * max(float(np.ptp(values)), 1e-12):
        return False
    # a value within float noise of the outer edges is inside them (the student's own computation of the
    # same numbers may differ in the last bits, and the range of the bins comes from those numbers)
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    if counts.sum() != len(values) or np.count_nonzero(counts) < min(MIN_FILLED_BINS, len(np.unique(values))):
        return False
    for scaled in (heights, heights * widths):  # counts/proportions/percent, or a density
        nonzero = counts > 0
        if np.any(scaled[~nonzero] > 0) or not np.any(nonzero):
            continue
        ratio = scaled[nonzero] / counts[nonzero]
        if np.allclose(ratio, ratio[0], rtol=1e-6):
            return True
    return False


def _same_points(points: np.ndarray, expected: np.ndarray, allow_more: bool) -> bool:
    if not allow_more and len(points) != len(expected):
        return False
    shown = {tuple(p) for p in np.round(points, 6)}
    wanted = [tuple(p) for p in np.round(expected, 6)]
    if not allow_more:
        return sorted(map(tuple, np.round(points, 6))) == sorted(wanted)
    return all(p in shown for p in wanted)


def _line_matches(line: fi.DrawnLine, slope: float, intercept: float, rtol: float) -> bool:
    scale = max(abs(intercept), abs(slope), 1.0)
    return (math.isclose(line.slope, slope, rel_tol=rtol, abs_tol=rtol * scale)
            and math.isclose(line.intercept, intercept, rel_tol=rtol, abs_tol=rtol * scale))


def _type_name(value: object) -> str:
    """The type a student would recognise, for live values and facts alike."""
    if isinstance(value, OtherValue):
        return value.type
    if isinstance(value, FunctionFacts):
        return "function"
    if isinstance(value, ModelFacts) or model_facts(value) is not None:
        return "fitted model"
    return type(value).__name__


def _short(value: object) -> str:
    if is_number(value):
        return f"{float(value):.6g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= 60 else f'"{text[:57]}..."'
