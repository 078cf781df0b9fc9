"""Curves for the HTML report: one inline SVG per panel (losses, eval metrics, lr, gradient norm, ...).

Anomalies are drawn where the findings say they are: a dashed line at each finding's ``at`` labelled with its
code, a shaded band from ``at`` to ``until``. Non-finite values are never dropped silently: NaN and -inf are marked
on the bottom edge of the axes, +inf on the top edge, and the legend counts them.

Plots must stay fast for long runs, so each series is decimated to the min and max of ~1000 buckets (the shape a
screen can show), keeping a gap wherever a bucket held a non-finite value. matplotlib is imported here only.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Position
from ..i18n import t
from ..names import BOOKKEEPING
from ..run import Series, parse_metric_name_canonical
from .model import Report

BUCKETS = 1000           # decimation buckets per series: about one per horizontal pixel of a plot
# Decades labelled on a log axis at most, so a loss that ran to 1e22 keeps a readable axis.
MAX_DECADE_TICKS = 6
LOG_SCALE_RATIO = 100.0  # a loss spanning more than this factor is drawn on a log axis
MARKER_LIMIT = 60        # series with at most this many points are drawn with point markers (eval curves)
PANEL_ORDER = ("loss", "metrics", "lr", "grad_norm", "loss_scale", "other")
MARGINS = {"left": 0.1, "right": 0.985, "top": 0.93, "bottom": 0.16}
SEVERITY_COLOR = {"error": "#d62728", "warning": "#e6850e", "info": "#1f77b4"}
SKIP_METRICS = BOOKKEEPING  # timings and counters are not curves worth a panel


@dataclass
class Plot:
    """One rendered panel: its key, localised title and the inline SVG markup."""

    key: str
    title: str
    svg: str


def panel_of(series: Series) -> Optional[str]:
    """Which panel a series belongs to (``None`` for bookkeeping such as runtime)."""
    p = parse_metric_name_canonical(series.name)
    if p.metric in SKIP_METRICS:
        return None
    if p.is_loss:
        return "loss"
    if p.metric in ("lr", "grad_norm", "loss_scale"):
        return p.metric
    if p.higher_is_better or p.split == "eval":
        return "metrics"
    return "other"


def decimate(v: np.ndarray, buckets: int = BUCKETS) -> np.ndarray:
    """Indices to draw: each bucket's min and max, plus its first non-finite point (which breaks the line)."""
    n = len(v)
    if n <= 2 * buckets:
        return np.arange(n)
    k = math.ceil(n / buckets)
    rows = math.ceil(n / k)
    padded = np.full(rows * k, np.nan)
    padded[:n] = v
    grid = padded.reshape(rows, k)
    fin = np.isfinite(grid)
    base = np.arange(rows) * k
    has_fin = fin.any(axis=1)
    lo = np.argmin(np.where(fin, grid, np.inf), axis=1) + base
    hi = np.argmax(np.where(fin, grid, -np.inf), axis=1) + base
    real = (np.arange(rows * k) < n).reshape(rows, k)
    bad = ~fin & real
    has_bad = bad.any(axis=1)
    first_bad = np.argmax(bad, axis=1) + base
    return np.unique(np.concatenate([lo[has_fin], hi[has_fin], first_bad[has_bad]]))


def _thin(xs: np.ndarray, lo: float, hi: float, buckets: int = BUCKETS) -> np.ndarray:
    """At most one marker per bucket of the x range, so 10^5 NaN points stay cheap to draw."""
    if len(xs) <= buckets:
        return xs
    width = (hi - lo) or 1.0
    _, first = np.unique(np.floor((xs - lo) / width * buckets), return_index=True)
    return xs[first]


class AxisMap:
    """Converts between steps and epochs using the points where a run logged both."""

    def __init__(self, series: list) -> None:
        steps, epochs = [], []
        for s in series:
            both = np.isfinite(s.step) & np.isfinite(s.epoch)
            steps.append(s.step[both])
            epochs.append(s.epoch[both])
        st = np.concatenate(steps) if steps else np.array([])
        ep = np.concatenate(epochs) if epochs else np.array([])
        order = np.argsort(ep, kind="stable")
        self.epoch, idx = np.unique(ep[order], return_index=True)
        self.step = st[order][idx]

    @property
    def usable(self) -> bool:
        return len(self.epoch) >= 2

    def x(self, s: Series, axis: str) -> np.ndarray:
        """The series' positions on ``axis`` (NaN where unknown)."""
        if axis == "index":
            return np.arange(len(s), dtype=np.float64)
        own, other = (s.step, s.epoch) if axis == "step" else (s.epoch, s.step)
        out = own.copy()
        missing = ~np.isfinite(out) & np.isfinite(other)
        if missing.any() and self.usable:
            out[missing] = self.convert(other[missing], axis)
        return out

    def convert(self, values: np.ndarray, axis: str) -> np.ndarray:
        if axis == "step":
            return np.interp(values, self.epoch, self.step)
        return np.interp(values, self.step, self.epoch)

    def point(self, at: Optional[Position], axis: str) -> Optional[float]:
        """Where a finding's ``at``/``until`` falls on ``axis``."""
        if at is None or not at.known:
            return None
        if at.on(axis) is not None:
            return at.on(axis)
        other = at.on("epoch" if axis == "step" else "step")
        if other is not None and self.usable and axis in ("step", "epoch"):
            return float(self.convert(np.array([float(other)]), axis)[0])
        return None


def choose_axis(series: list, amap: AxisMap) -> str:
    """Steps when every series can be placed on steps, else epochs, else point index."""
    for axis in ("step", "epoch"):
        if all(np.isfinite(amap.x(s, axis)).any() for s in series):
            return axis
    return "index"


def _draw_series(ax, s: Series, x: np.ndarray, color: str, nonfinite_word: str) -> None:
    v = s.values
    placed = np.isfinite(x)
    x, v = x[placed], v[placed]
    if len(x) and np.any(np.diff(x) < 0):
        order = np.argsort(x, kind="stable")
        x, v = x[order], v[order]
    idx = decimate(v)
    line = np.where(np.isfinite(v[idx]), v[idx], np.nan)
    bad = ~np.isfinite(v)
    label = s.label or s.name
    if bad.any():
        label += f" ({int(bad.sum())} {nonfinite_word})"
    marker = "o" if len(v) <= MARKER_LIMIT else None
    ax.plot(x[idx], line, color=color, lw=1.2, marker=marker, ms=3, label=label)
    if not bad.any() or not len(x):
        return
    lo, hi = float(x.min()), float(x.max())
    trans = ax.get_xaxis_transform()  # x in data, y in axes fraction: marks sit on the frame
    for mask, y, mk in ((np.isnan(v), 0.02, "x"), (v == -np.inf, 0.02, "v"), (v == np.inf, 0.98, "^")):
        if mask.any():
            xs = _thin(x[mask], lo, hi)
            ax.plot(xs, np.full(len(xs), y), transform=trans, ls="none", marker=mk, ms=5, mew=1.2,
                    color=color, clip_on=False)


def _mark_findings(ax, findings: list, axis: str, amap: AxisMap, own: bool) -> None:
    labels: dict = {}
    for f in sorted(findings, key=lambda f: f.severity.rank):  # the gravest drawn last, on top
        x0 = amap.point(f.at, axis)
        if x0 is None or not math.isfinite(x0):
            continue
        color = SEVERITY_COLOR.get(f.severity.value, "#555555")
        if not own:  # the same moment, seen from another panel
            if f.serious:
                ax.axvline(x0, color=color, lw=0.8, ls=":", alpha=0.6)
            continue
        ax.axvline(x0, color=color, lw=1.0, ls="--")
        x1 = amap.point(f.until, axis)
        if x1 is not None and math.isfinite(x1) and x1 > x0:
            ax.axvspan(x0, x1, color=color, alpha=0.10, lw=0)
        labels.setdefault(x0, []).append(f.code)
    for x0, codes in labels.items():
        ax.annotate(", ".join(dict.fromkeys(codes)), xy=(x0, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(3, 0), textcoords="offset points", rotation=90, va="top", ha="left", fontsize=7,
                    color="#333333")


def _svg_of(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE: the SVG sits inside HTML
    # Scale with the page: keep the viewBox, drop the fixed size.
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="plot"', svg, count=1)


def plan_panels(report: Report) -> list:
    """(panel key, series) in display order; empty series and bookkeeping left out."""
    panels: dict = {}
    for s in report.series_data.values():
        if not len(s):
            continue
        key = panel_of(s)
        if key is not None:
            panels.setdefault(key, []).append(s)
    return [(k, panels[k]) for k in PANEL_ORDER if k in panels]


def render_plots(report: Report, lang: str = "en") -> list:
    """One :class:`Plot` per panel with the findings marked; empty when the report carries no series."""
    planned = plan_panels(report)
    if not planned:
        return []
    import matplotlib
    from matplotlib.figure import Figure

    amap = AxisMap([s for _, group in planned for s in group])
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    nonfinite_word = t("report.label.nonfinite", lang)
    plotted = {s.name for _, group in planned for s in group}
    orphans = [f for f in report.findings if f.series not in plotted]  # no curve of their own: mark on the first
    out = []
    style = {"svg.fonttype": "none", "svg.hashsalt": "trainmedic", "font.size": 10,
             "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(style), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs missing from matplotlib's font: the browser draws the text
        for key, group in planned:
            axis = choose_axis(group, amap)
            fig = Figure(figsize=(6.4, 2.9))
            fig.subplots_adjust(**MARGINS)  # fixed margins: a constrained layout would draw every figure twice
            ax = fig.add_subplot()
            names = {s.name for s in group}
            for i, s in enumerate(group):
                _draw_series(ax, s, amap.x(s, axis), colors[i % len(colors)], nonfinite_word)
            if key in ("loss", "grad_norm"):
                finite = np.concatenate([s.values[np.isfinite(s.values)] for s in group])
                positive = finite[finite > 0]
                if len(positive) and (finite >= 0).all() and positive.max() / positive.min() > LOG_SCALE_RATIO:
                    if finite.min() > 0:
                        ax.set_yscale("log")
                    else:  # exact zeros (the Trainer's hidden NaN) stay visible on a symmetric-log axis
                        low = float(positive.min())
                        ax.set_yscale("symlog", linthresh=low)
                        lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(float(positive.max())))
                        stride = max(1, math.ceil((hi - lo) / MAX_DECADE_TICKS))
                        ax.set_yticks([0.0] + [10.0 ** k for k in range(lo, hi + 1, stride)])
                        ax.set_ylim(bottom=-low / 2)
            ax.set_xlabel(axis)
            ax.grid(True, alpha=0.25)
            mine = [f for f in report.findings if f.series in names] + (orphans if not out else [])
            _mark_findings(ax, mine, axis, amap, own=True)
            others = [f for f in report.findings if all(f is not m for m in mine)]
            _mark_findings(ax, others, axis, amap, own=False)
            ax.legend(loc="best", fontsize=7, frameon=False)
            out.append(Plot(key, t(f"report.plot.{key}", lang), _svg_of(fig)))
    return out
