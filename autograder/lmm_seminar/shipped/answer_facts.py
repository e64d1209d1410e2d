"""Answers as plain data: what the hidden tests may know about a student's values.

The hidden tests never need a student's live objects, only facts about them:
the numbers, the table's columns, what a figure shows (points, bars, lines,
texts), what a fitted model estimated, what a function returned on a few
probe inputs. This module turns an answer into those facts, and back.

* ``to_plain(value, name)`` runs where the student's code ran (the sandboxed
  worker) and gives JSON-ready data: dicts, lists, strings and numbers only.
  Nothing that can carry code crosses: no pickles.
* ``from_plain(data)`` runs in the judge and rebuilds what the tests read: a
  number, a tuple, a pandas DataFrame or Series, a ``FigureFacts``, a
  ``ModelFacts``, a ``FunctionFacts``, or an ``OtherValue`` describing anything
  else. Data that does not have the expected shape becomes an ``OtherValue``
  too: a hostile worker can send anything, and it must not crash the judge.
* ``figure_facts``, ``model_facts`` and ``function_facts`` take either a live
  object or facts, so the same hidden tests run unchanged inside a kernel
  (``otter run``, Gradescope) and in the judge. Verdicts match by construction.

Shipped inside the autograder zip and into the sandboxed worker; it depends on
numpy, pandas, matplotlib and the assignment's ``answer_probes`` (the inputs its
functions are tried on, if any of its answers is a function) only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

try:  # the assignment's own probe inputs (its answer_probes.py), beside this module in the zip and the worker
    from answer_probes import FUNCTION_PROBES, PROBES, probe_input
except ImportError:  # an assignment none of whose answers is a function to try
    #: Which answer names are functions to try, and on which probe inputs: none here.
    FUNCTION_PROBES: dict[str, tuple[str, ...]] = {}
    PROBES: dict[str, Any] = {}

    def probe_input(probe: str) -> Any:
        """No probe inputs: this assignment ships no ``answer_probes``."""
        raise KeyError(f"no probe input {probe!r}: the assignment ships no answer_probes module")

#: Most numbers one answer may carry (a figure's points and lines, a table's cells).
#: The seminar's largest answer holds about 1,000; the cap only stops a runaway.
MAX_NUMBERS = 200_000
#: Longest text kept (labels, titles, messages); longer ones are cut.
MAX_TEXT = 2_000
#: Deepest nesting of tuples and lists that is described.
MAX_DEPTH = 4
#: Most Axes, texts (per Axes or figure), lines and bars described per figure: the seminar's
#: figures have at most 2 Axes, 3 texts, 20 lines and 60 bars. Beyond these a figure is not a
#: reasonable answer, and every read-out of it stays cheap whatever a submission draws.
MAX_AXES = 32
MAX_TEXTS = 200
MAX_LINES = 2_000
MAX_BARS = 10_000


# ----------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class Bar:
    """One histogram bar: its left edge, width and height."""

    left: float
    width: float
    height: float


@dataclass(frozen=True)
class LineFacts:
    """A drawn line in data coordinates.

    For ``axline`` (infinite) lines, ``x`` and ``y`` hold two points the line
    passes through and ``infinite`` is True.
    """

    x: np.ndarray
    y: np.ndarray
    label: str
    infinite: bool = False


@dataclass(frozen=True)
class AxesFacts:
    """What one Axes shows."""

    xlabel: str
    ylabel: str
    titles: tuple[str, str, str]  # left, centre, right
    texts: tuple[str, ...]
    points: np.ndarray  # (n, 2): scatter points and marker-only lines
    bars: tuple[Bar, ...]
    lines: tuple[LineFacts, ...]
    legend: tuple[str, ...]


@dataclass(frozen=True)
class FigureFacts:
    """What a matplotlib Figure shows, Axes by Axes."""

    axes: tuple[AxesFacts, ...]
    texts: tuple[str, ...]  # figure texts and the suptitle
    legend: tuple[str, ...]  # figure legends


@dataclass(frozen=True)
class ModelFacts:
    """What the tests read off a fitted statsmodels model.

    ``kind`` is the model class (``OLS``, ``MixedLM``...); the rest is what
    that class has, ``None`` where it has nothing of the kind.
    """

    kind: str
    param_names: tuple[str, ...]
    params: np.ndarray
    endog: np.ndarray
    exog_names: tuple[str, ...]
    method: str | None = None
    n_groups: int | None = None
    k_re: int | None = None
    k_fe: int | None = None
    scale: float | None = None
    fe_params: np.ndarray | None = None
    cov_re: np.ndarray | None = None
    #: the names of the random effects (``cov_re``'s columns: the group's intercept, then slopes)
    re_names: tuple[str, ...] = ()
    #: variance components (``vc_formula``): their number and estimated variances
    k_vc: int | None = None
    vc_names: tuple[str, ...] = ()
    vcomp: np.ndarray | None = None
    llf: float | None = None


@dataclass(frozen=True)
class ProbeError:
    """What a probed function raised."""

    type: str
    message: str


@dataclass(frozen=True)
class FunctionFacts:
    """A student's function, known by what it returned (or raised) on each probe."""

    name: str
    outputs: dict[str, Any]  # probe name → decoded result or ProbeError


@dataclass(frozen=True)
class OtherValue:
    """Any other value: its type name, and whether it carries a figure (an Axes, a seaborn grid)."""

    type: str
    has_figure: bool = False
    text: str = ""

    def __repr__(self) -> str:
        return self.text or f"<{self.type}>"


# ----------------------------------------------------------------------------- live → facts


def is_live_figure(value: object) -> bool:
    """True for a matplotlib Figure object."""
    from matplotlib.figure import Figure

    return isinstance(value, Figure)


def figure_facts(fig: Any) -> FigureFacts:
    """The facts of a Figure (a ``FigureFacts`` is returned as it is)."""
    if isinstance(fig, FigureFacts):
        return fig
    axes = tuple(_axes_facts(ax) for ax in fig.get_axes()[:MAX_AXES])
    texts = [t.get_text() for t in fig.texts[:MAX_TEXTS]]
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle not in fig.texts:  # suptitle() also adds it to fig.texts
        texts.append(suptitle.get_text())
    legend = [t.get_text() for lg in fig.legends[:MAX_TEXTS] for t in lg.get_texts()[:MAX_TEXTS]]
    return FigureFacts(axes, _texts_of(texts), _texts_of(legend))


def _axes_facts(ax) -> AxesFacts:
    from matplotlib.collections import PathCollection, PolyCollection
    from matplotlib.container import BarContainer
    from matplotlib.patches import Polygon, Rectangle

    points, lines, bars = [], [], []
    for collection in ax.collections:
        if type(collection) is PathCollection:  # scatter; not subclasses such as hexbin's
            offsets = np.ma.masked_invalid(np.ma.asarray(collection.get_offsets(), dtype=float))
            points.append(np.ma.compress_rows(offsets.reshape(-1, 2)))
        elif isinstance(collection, PolyCollection) and collection.get_visible() and _in_data_coordinates(ax, collection):
            for path in collection.get_paths()[:MAX_BARS]:  # seaborn's histplot(element="step") fills one
                bars += _step_bars(path.vertices)
    for line in ax.get_lines()[:MAX_LINES]:
        if _is_marker_only(line):
            xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
            points.append(xy[np.isfinite(xy).all(axis=1)])
        elif line.get_visible() and line.get_drawstyle() == "steps-post" and line.get_transform() == ax.transData:
            bars += _step_line_bars(np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2))  # an unfilled one
        elif line.get_visible():
            facts = _line_facts(ax, line)
            if facts is not None:
                lines.append(facts)
    for container in ax.containers:
        if isinstance(container, BarContainer):
            for patch in container.patches[:MAX_BARS]:
                if isinstance(patch, Rectangle) and patch.get_visible():
                    bars.append(Bar(float(patch.get_x()), float(patch.get_width()), float(patch.get_height())))
    for patch in ax.patches[:MAX_BARS]:  # hist(histtype="step" or "stepfilled") draws one outline each
        if type(patch) is Polygon and patch.get_visible() and patch.get_data_transform() == ax.transData:
            bars += _step_bars(patch.get_xy())
    legend = ax.get_legend()
    return AxesFacts(
        xlabel=_text(ax.get_xlabel()),
        ylabel=_text(ax.get_ylabel()),
        titles=tuple(_text(ax.get_title(loc)) for loc in ("left", "center", "right")),
        texts=_texts_of(t.get_text() for t in ax.texts[:MAX_TEXTS]),
        points=np.vstack(points) if points else np.empty((0, 2)),
        bars=tuple(bars[:MAX_BARS]),
        lines=tuple(lines),
        legend=_texts_of(t.get_text() for t in legend.get_texts()[:MAX_TEXTS]) if legend is not None else (),
    )


def _in_data_coordinates(ax, artist) -> bool:
    return artist.get_transform() == ax.transData or artist.get_offset_transform() == ax.transData


def _step_bars(vertices: Any) -> list[Bar]:
    """The bars a step histogram's outline encloses, or none for any other shape.

    The outline is a staircase: every edge horizontal or vertical. Each stretch
    between two neighbouring x values is a bar as high as the highest horizontal
    edge over it (the lowest is the baseline), whichever way the outline runs.
    """
    xy = np.asarray(vertices, dtype=float).reshape(-1, 2)
    if len(xy) < 3 or len(xy) > 4 * MAX_BARS or not np.isfinite(xy).all():
        return []
    start, end = xy[:-1], xy[1:]
    flat = start[:, 1] == end[:, 1]
    upright = start[:, 0] == end[:, 0]
    if not (flat | upright).all() or not (flat & ~upright).any():
        return []
    edges = np.unique(xy[:, 0])
    low, high = np.minimum(start[flat, 0], end[flat, 0]), np.maximum(start[flat, 0], end[flat, 0])
    heights = start[flat, 1]
    bars = []
    for left, right in zip(edges[:-1], edges[1:]):
        over = heights[(low <= left) & (high >= right)]
        if len(over) == 0:
            return []  # a gap: not one histogram's outline
        bars.append(Bar(float(left), float(right - left), float(over.max())))
    return bars


def _step_line_bars(xy: np.ndarray) -> list[Bar]:
    """The bars of an unfilled step outline drawn as a ``steps-post`` line (each point starts a bar)."""
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2 or len(xy) > MAX_BARS or np.any(np.diff(xy[:, 0]) <= 0):
        return []
    return [Bar(float(x0), float(x1 - x0), float(y)) for (x0, y), (x1, _) in zip(xy[:-1], xy[1:])]


def _is_marker_only(line) -> bool:
    return line.get_linestyle() in ("None", "none", "", " ") and line.get_marker() not in ("None", "none", "", " ", None)


def _line_facts(ax, line) -> LineFacts | None:
    label = _text(str(line.get_label()))
    if hasattr(line, "get_xy1") and hasattr(line, "get_slope"):  # matplotlib's AxLine (ax.axline)
        (x1, y1) = line.get_xy1()
        xy2 = line.get_xy2()
        if xy2 is None:
            slope = line.get_slope()
            xy2 = (x1 + 1.0, y1 + slope)
        return LineFacts(np.array([x1, xy2[0]], dtype=float), np.array([y1, xy2[1]], dtype=float), label, True)
    if line.get_transform() != ax.transData:  # axhline, axvline: drawn in axes coordinates
        return None
    xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    return LineFacts(xy[:, 0].copy(), xy[:, 1].copy(), label)


def model_facts(result: Any) -> ModelFacts | None:
    """The facts of a fitted statsmodels result (a ``ModelFacts`` is returned as it is).

    ``None`` for a value that is not a fitted model (no ``params`` or no ``model``).
    """
    if isinstance(result, ModelFacts):
        return result
    model = getattr(result, "model", None)
    params = getattr(result, "params", None)
    if model is None or params is None or not hasattr(model, "endog"):
        return None
    names = tuple(str(n) for n in getattr(params, "index", range(np.size(params))))
    fe = getattr(result, "fe_params", None)
    cov_re = getattr(result, "cov_re", None)
    return ModelFacts(
        kind=type(model).__name__,
        param_names=names,
        params=np.asarray(params, dtype=float).ravel(),
        endog=np.asarray(model.endog, dtype=float).ravel(),
        exog_names=tuple(str(n) for n in (getattr(model, "exog_names", None) or ())),
        method=_maybe(getattr(result, "method", None), str),
        n_groups=_maybe(getattr(model, "n_groups", None), int),
        k_re=_maybe(getattr(model, "k_re", None), int),
        k_fe=_maybe(getattr(model, "k_fe", None), int),
        scale=_maybe(getattr(result, "scale", None), float),
        fe_params=None if fe is None else np.asarray(fe, dtype=float).ravel(),
        cov_re=None if cov_re is None else np.atleast_2d(np.asarray(cov_re, dtype=float)),
        re_names=tuple(str(n) for n in getattr(cov_re, "columns", ())),
        k_vc=_maybe(getattr(model, "k_vc", None), int),
        vc_names=tuple(str(n) for n in (getattr(getattr(model, "exog_vc", None), "names", None) or ())),
        vcomp=None if getattr(result, "vcomp", None) is None else np.asarray(result.vcomp, dtype=float).ravel(),
        llf=_maybe(_quietly(lambda: result.llf), float),
    )


def _quietly(read: Any) -> Any:
    # a property of a fit that may fail to compute (a singular fit): then it is simply not known
    try:
        return read()
    except Exception:
        return None


def function_facts(name: str, func: Any) -> FunctionFacts:
    """What ``func`` returns (or raises) on each probe of ``name`` (a ``FunctionFacts`` as it is)."""
    if isinstance(func, FunctionFacts):
        return func
    outputs: dict[str, Any] = {}
    for probe in FUNCTION_PROBES.get(name, ()):
        try:
            outputs[probe] = func(probe_input(probe))
        except Exception as error:  # the student's code may raise anything
            outputs[probe] = ProbeError(type(error).__name__, _text(str(error)))
    return FunctionFacts(name, outputs)


# ----------------------------------------------------------------------------- facts → plain data


def to_plain(value: Any, name: str = "", depth: int = 0) -> dict:
    """JSON-ready facts of ``value`` (the answer stored under ``name``)."""
    if value is Ellipsis:
        return {"kind": "ellipsis"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "bool", "value": bool(value)}
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (Integral, np.integer)):
        return {"kind": "number", "value": int(value)}
    if isinstance(value, (Real, np.floating)):
        return {"kind": "number", "value": float(value)}
    if isinstance(value, str):
        return {"kind": "text", "value": _text(value)}
    if isinstance(value, (FigureFacts,)) or is_live_figure(value):
        return _plain_figure(figure_facts(value))
    if isinstance(value, pd.DataFrame):
        return _plain_frame(value)
    if isinstance(value, pd.Series):
        return {"kind": "series", "name": _text(str(value.name)), "index": _plain_list(value.index),
                "values": _plain_list(value.to_numpy())}
    if isinstance(value, np.ndarray):
        return {"kind": "array", "shape": list(value.shape), "values": _plain_list(value.ravel())}
    if isinstance(value, (tuple, list)) and depth < MAX_DEPTH and len(value) <= 1000:
        return {"kind": "sequence", "items": [to_plain(v, "", depth + 1) for v in value]}
    facts = model_facts(value) if hasattr(value, "params") else None
    if facts is not None:
        return _plain_model(facts)
    if callable(value) and name in FUNCTION_PROBES:
        facts = function_facts(name, value)
        outputs = {p: ({"kind": "error", "type": o.type, "message": o.message} if isinstance(o, ProbeError)
                       else to_plain(o, "", depth + 1)) for p, o in facts.outputs.items()}
        return {"kind": "function", "outputs": outputs}
    figure = getattr(value, "figure", None)
    return {"kind": "other", "type": _text(type(value).__name__), "has_figure": bool(is_live_figure(figure)),
            "text": _short_repr(value)}


def _plain_figure(facts: FigureFacts) -> dict:
    return {
        "kind": "figure",
        "texts": list(facts.texts),
        "legend": list(facts.legend),
        "axes": [{
            "xlabel": ax.xlabel, "ylabel": ax.ylabel, "titles": list(ax.titles), "texts": list(ax.texts),
            "points": _plain_list(ax.points.ravel()),
            "bars": [[b.left, b.width, b.height] for b in ax.bars],
            "lines": [{"x": _plain_list(line.x), "y": _plain_list(line.y), "label": line.label,
                       "infinite": line.infinite} for line in ax.lines],
            "legend": list(ax.legend),
        } for ax in facts.axes],
    }


def _plain_frame(frame: pd.DataFrame) -> dict:
    if frame.size > MAX_NUMBERS:
        return {"kind": "other", "type": "DataFrame", "has_figure": False,
                "text": f"a DataFrame of {frame.shape[0]} rows and {frame.shape[1]} columns (too large to grade)"}
    return {"kind": "frame", "columns": [_text(str(c)) for c in frame.columns], "index": _plain_list(frame.index),
            "data": [_plain_list(frame.iloc[:, i].to_numpy()) for i in range(frame.shape[1])]}


def _plain_model(facts: ModelFacts) -> dict:
    return {
        "kind": "model", "model": facts.kind, "param_names": list(facts.param_names),
        "params": _plain_list(facts.params), "endog": _plain_list(facts.endog),
        "exog_names": list(facts.exog_names), "method": facts.method, "n_groups": facts.n_groups,
        "k_re": facts.k_re, "k_fe": facts.k_fe, "scale": facts.scale,
        "fe_params": None if facts.fe_params is None else _plain_list(facts.fe_params),
        "cov_re": None if facts.cov_re is None else [_plain_list(row) for row in facts.cov_re],
        "re_names": list(facts.re_names), "k_vc": facts.k_vc, "vc_names": list(facts.vc_names), "llf": facts.llf,
        "vcomp": None if facts.vcomp is None else _plain_list(facts.vcomp),
    }


def _plain_list(values: Any) -> list:
    """Numbers stay numbers (NaN included); anything else becomes its text."""
    if isinstance(values, (np.ndarray, pd.Index)) and values.dtype.kind in "biuf" and values.dtype.itemsize <= 8:
        # a plain numeric array (the common case): numpy makes the Python numbers itself, many times faster
        return np.asarray(values)[:MAX_NUMBERS].tolist()
    out = []
    for v in list(values)[:MAX_NUMBERS]:
        if isinstance(v, (bool, np.bool_)):
            out.append(bool(v))
        elif isinstance(v, (Integral, np.integer)):
            out.append(int(v))
        elif isinstance(v, (Real, np.floating)):
            out.append(float(v))
        elif v is None:
            out.append(None)
        else:
            out.append(_text(str(v)))
    return out


# ----------------------------------------------------------------------------- plain data → facts


class MalformedFacts(ValueError):
    """Plain data that does not have the shape ``to_plain`` gives."""


def from_plain(data: Any) -> Any:
    """The value the hidden tests read, rebuilt from ``to_plain``'s data.

    Anything that does not have the expected shape becomes an ``OtherValue``,
    never an exception.
    """
    try:
        return _decode(data)
    except (MalformedFacts, KeyError, TypeError, ValueError, IndexError, AttributeError):
        return OtherValue("unreadable answer", text="an answer the grader could not read")


def _decode(data: Any) -> Any:
    kind = _field(data, "kind", str)
    if kind == "ellipsis":
        return Ellipsis
    if kind in ("none", "missing"):
        return None
    if kind == "bool":
        return bool(_field(data, "value", bool))
    if kind == "number":
        value = data["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MalformedFacts("number")
        return value
    if kind == "text":
        return _text(_field(data, "value", str))
    if kind == "sequence":
        return tuple(_decode(item) for item in _field(data, "items", list))
    if kind == "array":
        shape = tuple(int(n) for n in _field(data, "shape", list))
        return np.asarray(_numbers(data["values"], allow_text=True)).reshape(shape)
    if kind == "series":
        return pd.Series(_numbers(data["values"], allow_text=True), index=_numbers(data["index"], allow_text=True),
                         name=_text(_field(data, "name", str)))
    if kind == "frame":
        columns = [_text(c) for c in _bounded_list(data, "columns", MAX_NUMBERS)]
        cells = _field(data, "data", list)
        index = _numbers(data["index"], allow_text=True)
        if len(cells) != len(columns) or any(len(_numbers(col, allow_text=True)) != len(index) for col in cells):
            raise MalformedFacts("frame")
        frame = pd.DataFrame({i: pd.Series(col, index=index) for i, col in enumerate(cells)}, index=index)
        frame.columns = columns
        return frame
    if kind == "figure":
        return _decode_figure(data)
    if kind == "model":
        return _decode_model(data)
    if kind == "function":
        outputs = {}
        for probe, out in list(_field(data, "outputs", dict).items())[:len(PROBES)]:
            if _field(out, "kind", str) == "error":
                outputs[str(probe)] = ProbeError(_text(_field(out, "type", str)), _text(_field(out, "message", str)))
            else:
                outputs[str(probe)] = _decode(out)
        return FunctionFacts("", outputs)
    if kind == "other":
        return OtherValue(_text(_field(data, "type", str)), bool(data.get("has_figure")), _text(str(data.get("text", ""))))
    raise MalformedFacts(f"unknown kind {kind!r}")


def _decode_figure(data: dict) -> FigureFacts:
    axes = []
    for ax in _bounded_list(data, "axes", MAX_AXES):
        lines = tuple(LineFacts(_array(line["x"]), _array(line["y"]), _text(_field(line, "label", str)),
                                bool(line.get("infinite"))) for line in _bounded_list(ax, "lines", MAX_LINES))
        if any(len(line.x) != len(line.y) for line in lines):
            raise MalformedFacts("line")
        titles = tuple(_texts(ax["titles"]))
        if len(titles) != 3:
            raise MalformedFacts("titles")
        axes.append(AxesFacts(
            xlabel=_text(_field(ax, "xlabel", str)), ylabel=_text(_field(ax, "ylabel", str)), titles=titles,
            texts=_texts(ax["texts"]), points=_array(ax["points"]).reshape(-1, 2),
            bars=tuple(Bar(*map(float, _numbers(bar))) for bar in _bounded_list(ax, "bars", MAX_BARS)),
            lines=lines, legend=_texts(ax["legend"]),
        ))
    return FigureFacts(tuple(axes), _texts(data["texts"]), _texts(data["legend"]))


def _decode_model(data: dict) -> ModelFacts:
    def optional(key, kind):
        value = data.get(key)
        return None if value is None else kind(value)

    return ModelFacts(
        kind=_field(data, "model", str),
        param_names=_texts(data["param_names"]),
        params=_array(data["params"]),
        endog=_array(data["endog"]),
        exog_names=_texts(data["exog_names"]),
        method=optional("method", str),
        n_groups=optional("n_groups", int),
        k_re=optional("k_re", int),
        k_fe=optional("k_fe", int),
        scale=optional("scale", float),
        fe_params=None if data.get("fe_params") is None else _array(data["fe_params"]),
        cov_re=None if data.get("cov_re") is None else np.atleast_2d(np.array([_numbers(r) for r in data["cov_re"]], dtype=float)),
        re_names=_texts(data.get("re_names", [])),
        k_vc=optional("k_vc", int),
        vc_names=_texts(data.get("vc_names", [])),
        vcomp=None if data.get("vcomp") is None else _array(data["vcomp"]),
        llf=optional("llf", float),
    )


def _field(data: Any, key: str, kind: type) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get(key), kind):
        raise MalformedFacts(key)
    return data[key]


def _numbers(values: Any, allow_text: bool = False) -> list:
    if not isinstance(values, list) or len(values) > MAX_NUMBERS:
        raise MalformedFacts("list")
    for v in values:
        if not (v is None or isinstance(v, (int, float)) or (allow_text and isinstance(v, str))):
            raise MalformedFacts("value")
    return [math.nan if v is None else v for v in values]


def _array(values: Any) -> np.ndarray:
    return np.asarray(_numbers(values), dtype=float)


def _texts(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise MalformedFacts("texts")
    return _texts_of(values)


def _bounded_list(data: Any, key: str, most: int) -> list:
    values = _field(data, key, list)
    if len(values) > most:
        raise MalformedFacts(f"more than {most} {key}")
    return values


def _text(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT]


def _texts_of(texts: Any) -> tuple[str, ...]:
    """At most ``MAX_TEXTS`` texts, each cut to ``MAX_TEXT`` characters."""
    return tuple(_text(t) for _, t in zip(range(MAX_TEXTS), texts))


def _maybe(value: Any, kind: type) -> Any:
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a student's class may raise in __repr__
        return f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."
