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

This module is shipped inside the autograder zip, so it depends on numpy and
matplotlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

#: Labels a scaffold leaves for the student to replace; they do not count as filled in.
PLACEHOLDER_LABELS = {"", "...", "…", "?", "todo", "label", "xlabel", "ylabel", "title"}

# A number as people print it in an equation: optional sign (ASCII or Unicode
# minus), digits, optional decimals, optional exponent.
_NUMBER = re.compile(r"[-\u2212]?\s?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# What may follow a coefficient that multiplies a variable: "21.76x", "21.76 * Days",
# "21.76·Days", "21.76 \\cdot x", "21.76 (Days)".
_TIMES_VARIABLE = re.compile(r"\s*(?:[*\u00b7\u22c5\u00d7]|\\cdot|\\times)?\s*[({]?\s*\\?(?:mathrm\{|text\{)?[A-Za-z]")


@dataclass(frozen=True)
class Bar:
    """One histogram bar: its left edge, width and height."""

    left: float
    width: float
    height: float


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
    """True for a matplotlib Figure (including the one behind a seaborn grid's ``.figure``)."""
    return isinstance(obj, Figure)


def all_axes(fig: Figure) -> list[Axes]:
    """The Axes of a figure, in the order they were added."""
    return list(fig.get_axes())


def scatter_points(fig: Figure) -> np.ndarray:
    """Every plotted data point of the figure as an (n, 2) array of (x, y).

    Points come from scatter collections (``scatter``, pandas ``plot.scatter``,
    seaborn ``scatterplot``/``regplot``) and from marker-only lines
    (``plot(x, y, "o")``). Masked or non-finite points are left out.
    """
    chunks = []
    for ax in all_axes(fig):
        for collection in ax.collections:
            if type(collection) is PathCollection:
                offsets = np.ma.masked_invalid(np.ma.asarray(collection.get_offsets(), dtype=float))
                chunks.append(np.ma.compress_rows(offsets.reshape(-1, 2)))
        for line in ax.get_lines():
            if _is_marker_only(line):
                xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
                chunks.append(xy[np.isfinite(xy).all(axis=1)])
    if not chunks:
        return np.empty((0, 2))
    return np.vstack(chunks)


def histogram_bars(fig: Figure) -> list[Bar]:
    """The bars of every bar chart or histogram on the figure, left to right.

    Covers ``hist`` (bar types), pandas ``hist``/``plot.hist`` and seaborn
    ``histplot``; step histograms draw no bars and are not read.
    """
    bars = []
    for ax in all_axes(fig):
        for container in ax.containers:
            if isinstance(container, BarContainer):
                for patch in container.patches:
                    if isinstance(patch, Rectangle) and patch.get_visible():
                        bars.append(Bar(float(patch.get_x()), float(patch.get_width()), float(patch.get_height())))
    return sorted(bars, key=lambda bar: bar.left)


def drawn_lines(fig: Figure) -> list[DrawnLine]:
    """Every line with a visible line style, in data coordinates.

    Includes ``plot``, pandas line plots, seaborn ``regplot``/``lineplot``
    and ``axline``. Marker-only lines (scatters in disguise), lines with fewer
    than two distinct x values, and lines drawn in axes coordinates (``axhline``,
    ``axvline``) are left out.
    """
    lines = []
    for ax in all_axes(fig):
        for line in ax.get_lines():
            summary = _summarise_line(ax, line)
            if summary is not None:
                lines.append(summary)
    return lines


def straight_lines(fig: Figure) -> list[DrawnLine]:
    """The drawn lines that are straight, i.e. candidate fitted lines."""
    return [line for line in drawn_lines(fig) if line.straight]


def axis_labels(fig: Figure) -> list[tuple[str, str, str]]:
    """(x label, y label, title) of each Axes."""
    return [(ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) for ax in all_axes(fig)]


def is_filled_in(label: str) -> bool:
    """True when a label holds real text rather than nothing or a scaffold placeholder."""
    text = label.strip().strip("_").strip()
    return text.lower() not in PLACEHOLDER_LABELS


def legend_labels(fig: Figure) -> list[str]:
    """The texts of every legend on the figure (Axes legends and figure legends)."""
    legends = [ax.get_legend() for ax in all_axes(fig)] + list(fig.legends)
    return [text.get_text() for legend in legends if legend is not None for text in legend.get_texts()]


def figure_texts(fig: Figure) -> list[str]:
    """Every piece of free text a reader sees on the figure.

    Text and annotations on the Axes or the figure, titles, the figure's
    suptitle and legend entries: an equation written in any of them counts as
    shown on the plot.
    """
    texts = [t.get_text() for t in fig.texts]
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None:
        texts.append(suptitle.get_text())
    for ax in all_axes(fig):
        texts.extend(t.get_text() for t in ax.texts)
        texts.extend(ax.get_title(loc) for loc in ("left", "center", "right"))
    texts.extend(legend_labels(fig))
    return [t for t in texts if t.strip()]


def numbers_in(text: str) -> list[float]:
    """The numbers written in a piece of text, e.g. ``"y = 21.76x + 244.19"`` gives [21.76, 244.19].

    A Unicode minus counts as a minus sign; LaTeX markup around numbers is ignored.
    """
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group().replace("\u2212", "-").replace(" ", "")
        found.append(float(token))
    return found


def equation_terms(text: str) -> list[tuple[float, bool]]:
    """The numbers of an equation with, for each, whether it multiplies a variable.

    ``"Reaction = 244.19 + 21.76 * Days"`` gives ``[(244.19, False), (21.76, True)]``:
    the slope is the number written against the variable, the intercept stands alone.
    """
    terms = []
    for match in _NUMBER.finditer(text):
        token = match.group().replace("\u2212", "-").replace(" ", "")
        terms.append((float(token), bool(_TIMES_VARIABLE.match(text, match.end()))))
    return terms


def _is_marker_only(line: Line2D) -> bool:
    return line.get_linestyle() in ("None", "none", "", " ") and line.get_marker() not in ("None", "none", "", " ", None)


def _summarise_line(ax: Axes, line: Line2D) -> DrawnLine | None:
    if not line.get_visible() or _is_marker_only(line):
        return None
    label = str(line.get_label())
    if hasattr(line, "get_xy1") and hasattr(line, "get_slope"):  # matplotlib's AxLine (ax.axline)
        return _summarise_axline(line, label)
    if line.get_transform() != ax.transData:
        return None
    xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(np.unique(xy[:, 0])) < 2:
        return None
    x, y = xy[:, 0], xy[:, 1]
    slope, intercept = np.polyfit(x, y, deg=1)
    scale = max(float(np.ptp(y)), float(np.abs(y).max()), 1.0)
    straight = bool(np.abs(y - (slope * x + intercept)).max() <= 1e-6 * scale)
    return DrawnLine(float(slope), float(intercept), label, straight, x, y)


def _summarise_axline(line: Line2D, label: str) -> DrawnLine | None:
    (x1, y1) = line.get_xy1()
    xy2 = line.get_xy2()
    if xy2 is not None:
        (x2, y2) = xy2
        if x2 == x1:
            return None
        slope = (y2 - y1) / (x2 - x1)
    else:
        slope = line.get_slope()
    intercept = y1 - slope * x1
    x = np.array([x1, x1 + 1.0])
    return DrawnLine(float(slope), float(intercept), label, True, x, slope * x + intercept)
