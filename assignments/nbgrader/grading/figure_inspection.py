"""Read back what a matplotlib Figure shows: points, bars, lines, labels, legends, text.

The hidden tests judge a student's plot from the Figure object itself, so it
does not matter whether the student drew it with pyplot, the Axes API, pandas
or seaborn: all of them leave the same matplotlib artists behind (a
``PathCollection`` for a scatter, ``Rectangle`` bars in a ``BarContainer`` for a
histogram, ``Line2D`` for a line, ``Text`` for labels and annotations).

Why not a library: ``plotchecker`` (the checker written alongside nbgrader)
has had no release since its Python-3 port years ago and predates matplotlib
3; the original ``matplotcheck`` is no longer maintained (its README points to
a fork) and brings geopandas-oriented checks this seminar does not need. Both
check one Axes against one expected table; the hidden tests here need a few
read-outs (points, bars, straight lines, text) across every Axes of a figure,
whatever library drew it. Those read-outs are small, written here and tested
against figures made each way a student might make them
(``tests/test_figure_inspection.py``).

The read-outs work on ``answer_facts.FigureFacts``, the plain data a
figure's artists hold, so they give the same answers in the student's kernel
(where a live Figure is converted first) and in the judge (which only ever
receives the facts).

This module is shipped inside the autograder zip, so it depends on numpy and
``answer_facts`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

try:  # inside the autograder zip the shipped modules sit side by side
    from answer_facts import MAX_TEXT, AxesFacts, Bar, FigureFacts, LineFacts, OtherValue, figure_facts, is_live_figure
except ImportError:  # inside the lmm_seminar package
    from .answer_facts import MAX_TEXT, AxesFacts, Bar, FigureFacts, LineFacts, OtherValue, figure_facts, is_live_figure

__all__ = ["Bar", "DrawnLine", "is_figure", "has_figure", "scatter_points", "histogram_bars", "drawn_lines",
           "straight_lines", "drawn_axes", "what_is_drawn", "axis_labels", "is_filled_in", "is_placeholder",
           "placeholder_texts", "legend_labels", "figure_texts", "numbers_in", "equation_terms", "equations_in",
           "PLACEHOLDER_LABELS"]

#: Whole labels a scaffold leaves for the student to replace; they do not count as filled in.
PLACEHOLDER_LABELS = {"", "...", "…", "?", "todo", "label", "xlabel", "ylabel", "title"}

# Placeholder wording anywhere inside a text: an ellipsis (the scaffold's blank), a run of
# underscores (escaped for mathtext or not), "Ellipsis" (what a `...` left in an f-string
# prints), and the stock words of an unfinished handout.
_PLACEHOLDER_WORDING = re.compile(
    r"\.\.\.|…|(?:\\?_){2,}|\bEllipsis\b|\b(?:todo|tbd|fixme|xxx)\b|\byour (?:own )?(?:title|label|text)\b"
    r"|\b(?:title|label|text) (?:goes )?here\b",
    re.IGNORECASE,
)

# A number as people print it in an equation: optional sign (ASCII or Unicode
# minus), digits, optional decimals, optional exponent.
_NUMBER = re.compile(r"[-\u2212]?\s?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# A number whose digits are grouped in thousands (1,234.5 or 1 234.5 with a thin or narrow
# no-break space): the separators are dropped before the number is read.
_GROUPED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[,\u2009\u202f]\d{3})+(?![\d,])")
# A plus or minus between two terms of a sum (not the sign of an exponent, as in 1e-5).
_TERM_SIGN = re.compile(r"(?<![eE*/(\u00b7\u22c5\u00d7^])\s*([-+\u2212])")
# Where one statement on a figure ends and another begins ("y = 2x + 3; R² = 0.5").
_CLAUSE_BREAK = re.compile(r"[;,|]\s")
_BRACKETED_STATEMENT = re.compile(r"\(([^()=]*=[^()]*)\)")
# Words of a term: a unit after a number does not make the number a coefficient; any other word does.
_WORD = re.compile(r"[^\W\d_]+")
_UNITS = {"ms", "msec", "msecs", "millisecond", "milliseconds", "s", "sec", "secs", "second", "seconds",
          "\u00b5s", "us", "mathrm", "text", "textrm", "mbox", "rm", "cdot", "times", "left", "right", "quad", "approx"}


@dataclass(frozen=True)
class DrawnLine:
    """A line drawn on an Axes, summarised as the straight line through it.

    ``straight`` is False for a curve (e.g. a smoother); ``slope`` and
    ``intercept`` are then those of the least-squares line through its points.
    """

    slope: float
    intercept: float
    label: str
    straight: bool
    x: np.ndarray
    y: np.ndarray


def is_figure(obj: object) -> bool:
    """True for a matplotlib Figure or its facts (including the figure behind a seaborn grid's ``.figure``)."""
    return isinstance(obj, FigureFacts) or is_live_figure(obj)


def has_figure(obj: object) -> bool:
    """True for an object that is not a Figure but holds one (an Axes, a seaborn grid)."""
    if isinstance(obj, OtherValue):
        return obj.has_figure
    return is_live_figure(getattr(obj, "figure", None))


def scatter_points(fig: Any) -> np.ndarray:
    """Every plotted data point of the figure as an (n, 2) array of (x, y).

    Points come from scatter collections (``scatter``, pandas ``plot.scatter``,
    seaborn ``scatterplot``/``regplot``) and from marker-only lines
    (``plot(x, y, "o")``). Masked or non-finite points are left out.
    """
    chunks = [ax.points for ax in figure_facts(fig).axes if len(ax.points)]
    return np.vstack(chunks) if chunks else np.empty((0, 2))


def histogram_bars(fig: Any) -> list[Bar]:
    """The bars of every bar chart or histogram on the figure, left to right.

    Covers ``hist`` (every ``histtype``), pandas ``hist``/``plot.hist`` and seaborn
    ``histplot`` (bars or steps): a step histogram's outline is read as the bars it encloses.
    """
    return sorted((bar for ax in figure_facts(fig).axes for bar in ax.bars), key=lambda bar: bar.left)


def drawn_lines(fig: Any) -> list[DrawnLine]:
    """Every line with a visible line style, in data coordinates.

    Includes ``plot``, pandas line plots, seaborn ``regplot``/``lineplot``
    and ``axline``. Marker-only lines (scatters in disguise), lines with fewer
    than two distinct x values, and lines drawn in axes coordinates (``axhline``,
    ``axvline``) are left out.
    """
    lines = []
    for ax in figure_facts(fig).axes:
        for line in ax.lines:
            summary = _summarise_line(line)
            if summary is not None:
                lines.append(summary)
    return lines


def straight_lines(fig: Any) -> list[DrawnLine]:
    """The drawn lines that are straight, i.e. candidate fitted lines."""
    return [line for line in drawn_lines(fig) if line.straight]


def what_is_drawn(ax: AxesFacts) -> set[str]:
    """Which kinds of data an Axes shows: any of ``"points"``, ``"bars"`` and ``"lines"``."""
    kinds = set()
    if len(ax.points):
        kinds.add("points")
    if ax.bars:
        kinds.add("bars")
    if any(_summarise_line(line) is not None for line in ax.lines):
        kinds.add("lines")
    return kinds


def drawn_axes(fig: Any) -> list[AxesFacts]:
    """The Axes of the figure that show data; empty panels (and colour bars) are left out."""
    return [ax for ax in figure_facts(fig).axes if what_is_drawn(ax)]


def axis_labels(fig: Any) -> list[tuple[str, str, str]]:
    """(x label, y label, title) of each Axes."""
    return [(ax.xlabel, ax.ylabel, ax.titles[1]) for ax in figure_facts(fig).axes]


def is_filled_in(label: str) -> bool:
    """True when a label holds real text rather than nothing or a scaffold placeholder."""
    text = label.strip().strip("_").strip()
    return text.lower() not in PLACEHOLDER_LABELS and not is_placeholder(label)


def is_placeholder(text: str) -> bool:
    """True when a text still reads as a scaffold blank: ``...``, ``___``, ``TODO``, "your title"...

    An empty text is not a placeholder (it is simply not there; whether a
    label is required is a separate check).
    """
    stripped = _one_line(text)
    if not stripped:
        return False
    return stripped.lower() in PLACEHOLDER_LABELS or bool(_PLACEHOLDER_WORDING.search(stripped))


def placeholder_texts(fig: Any) -> list[tuple[str, str]]:
    """(where, text) for every text on the figure that still reads as a placeholder.

    Looks at axis labels, titles, free text and annotations, legend entries,
    and the figure's own texts and suptitle; ``where`` names the place
    (e.g. ``"title"``, ``"y-axis label of panel 2"``) for the student.
    """
    facts = figure_facts(fig)
    found = []
    for number, ax in enumerate(facts.axes, start=1):
        panel = f" of panel {number}" if len(facts.axes) > 1 else ""
        places = [("x-axis label", ax.xlabel), ("y-axis label", ax.ylabel)]
        places += [("title", title) for title in ax.titles]
        places += [("text", text) for text in ax.texts]
        places += [("legend entry", text) for text in ax.legend]
        found += [(where + panel, text) for where, text in places if is_placeholder(text)]
    found += [("figure text", text) for text in facts.texts if is_placeholder(text)]
    found += [("legend entry", text) for text in facts.legend if is_placeholder(text)]
    return found


def legend_labels(fig: Any) -> list[str]:
    """The texts of every legend on the figure (Axes legends and figure legends)."""
    facts = figure_facts(fig)
    return [text for ax in facts.axes for text in ax.legend] + list(facts.legend)


def figure_texts(fig: Any) -> list[str]:
    """Every piece of free text a reader sees on the figure.

    Text and annotations on the Axes or the figure, titles, the figure's
    suptitle and legend entries: an equation written in any of them counts as
    shown on the plot.
    """
    facts = figure_facts(fig)
    texts = list(facts.texts)
    for ax in facts.axes:
        texts.extend(ax.texts)
        texts.extend(ax.titles)
    texts.extend(legend_labels(facts))
    return [t for t in texts if t.strip()]


def numbers_in(text: str) -> list[float]:
    """The numbers written in a piece of text, e.g. ``"y = 21.76x + 244.19"`` gives [21.76, 244.19].

    A Unicode minus counts as a minus sign; LaTeX markup around numbers is ignored.
    """
    found = []
    for match in _NUMBER.finditer(_one_line(text)):
        token = match.group().replace("\u2212", "-").replace(" ", "")
        found.append(float(token))
    return found


def equation_terms(text: str) -> list[tuple[float, bool]]:
    """The numbers of an equation with, for each, whether it multiplies a variable.

    ``"Reaction = 244.19 + 21.76 * Days"`` gives ``[(244.19, False), (21.76, True)]``:
    the slope is the number in the term that holds the variable, the intercept the
    number in a term of its own. The equation is read as a sum: each side of an
    ``=`` is split into terms at ``+`` and ``-``, and a term multiplies a variable
    when a word other than a unit stands in it, so ``248.11 ms + 10.47 × Days``,
    ``10.47·x + 248.11`` and ``y = 205.1 − 2.3 Days`` all read right. Thousands
    separators are dropped (``1,234.5`` is one number); the left-hand side
    (``Subject 371: Reaction``) holds no term of the line.
    """
    return [term for side in _sides(text) for term in side]


def _sides(text: str) -> list[list[tuple[float, bool]]]:
    """The terms of each right-hand side (or lone sum) of a text, side by side."""
    # thousands separators go before white space is folded (a narrow space is white space)
    text = _one_line(_GROUPED_NUMBER.sub(lambda m: re.sub(r"[,\u2009\u202f]", "", m.group()), str(text)[:MAX_TEXT]))
    text = _BRACKETED_STATEMENT.sub(r"; \1; ", text)  # "y = 2x + 3 (R² = 0.5)": the bracket is a statement of its own
    found = []
    for clause in _CLAUSE_BREAK.split(text):  # "y = 2x + 3, R² = 0.5": two clauses
        sides = clause.split("=")
        found += [_signed_terms(side) for side in (sides[1:] if len(sides) > 1 else sides)]
    return found


def _signed_terms(side: str) -> list[tuple[float, bool]]:
    terms = []
    for sign, term in _sum_terms(side):
        numbers = [float(m.group()) for m in _UNSIGNED_NUMBER.finditer(term)]
        if not numbers:
            continue
        words = {w.lower() for w in _WORD.findall(_UNSIGNED_NUMBER.sub(" ", term))}
        times = bool(words - _UNITS)
        terms += [(sign * number, times) for number in numbers]
    return terms


# A number without its sign (the sign is read from the sum it stands in).
_UNSIGNED_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _sum_terms(side: str) -> list[tuple[int, str]]:
    """The terms of a sum with their signs: ``"205.1 − 2.3 Days"`` gives [(1, "205.1"), (-1, "2.3 Days")]."""
    terms, sign, start = [], 1, 0
    for match in _TERM_SIGN.finditer(side):
        terms.append((sign, side[start:match.start()]))
        sign, start = (-1 if match.group(1) in "-\u2212" else 1), match.end()
    terms.append((sign, side[start:]))
    merged: list[tuple[int, str]] = []
    for term_sign, term in terms:  # a sign with nothing before it belongs to the next term
        if merged and not merged[-1][1].strip():
            term_sign *= merged.pop()[0]
        merged.append((term_sign, term))
    return merged


def equations_in(texts: list[str]) -> list[tuple[float, float]]:
    """(slope, intercept) of every equation of a line written in the texts, one per side of an ``=``.

    A side is an equation when it holds exactly one term with the variable and one
    number standing alone (``21.76x + 244.19``); a sum of many candidates
    (``20x + 21x + ... + 240 + 241``) is none.
    """
    found = []
    for text in texts:
        for side in _sides(text):
            slopes = [value for value, times in side if times]
            intercepts = [value for value, times in side if not times]
            if len(slopes) == 1 and len(intercepts) == 1:
                found.append((slopes[0], intercepts[0]))
    return found


def _one_line(text: str) -> str:
    """The text with every run of white space as one space, at most ``MAX_TEXT`` characters."""
    return " ".join(str(text)[:MAX_TEXT].split())


def _summarise_line(line: LineFacts) -> DrawnLine | None:
    x, y = line.x, line.y
    if line.infinite:  # an axline: two points on an infinite straight line
        if len(x) != 2 or x[1] == x[0]:
            return None
        slope = (y[1] - y[0]) / (x[1] - x[0])
        intercept = y[0] - slope * x[0]
        return DrawnLine(float(slope), float(intercept), line.label, True, x, y)
    if len(np.unique(x)) < 2:
        return None
    slope, intercept = np.polyfit(x, y, deg=1)
    scale = max(float(np.ptp(y)), float(np.abs(y).max()), 1.0)
    straight = bool(np.abs(y - (slope * x + intercept)).max() <= 1e-6 * scale)
    return DrawnLine(float(slope), float(intercept), line.label, straight, x, y)
