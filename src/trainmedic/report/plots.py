"""Curves for the HTML report that show the diagnosis: one inline SVG per panel (losses, metrics, lr, gradient norm).

What the findings say is drawn where they say it: a dashed line at each finding's start, labelled with its code
(horizontal, in rows that do not overlap), a shaded band to its end. Non-finite values are never dropped silently:
NaN and -inf are marked on the bottom edge, +inf on the top edge, and the Trainer's hidden NaN (a NaN loss logged as
0.0) is drawn as non-finite rather than as a real zero. A run stuck at chance gets the chance line (ln K for the
loss, 1/K for the accuracy), so a flat curve on a zoomed axis is not mistaken for learning. Every point says its
value on hover (SVG ``<title>``). A comparison is drawn on the axis it was compared on (samples seen or epochs), one
colour per run and one line style per metric.

Plots must stay fast for long runs, so each series is decimated to the min and max of ~1000 buckets (the shape a
screen can show), keeping a gap wherever a bucket held a non-finite value. matplotlib is imported here only.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Finding, Position
from ..i18n import Msg, t
from ..names import BOOKKEEPING
from ..rules.learning import ChanceFacts
from ..rules.nonfinite import NonfiniteFacts
from ..run import Series, parse_metric_name_canonical
from .axes import AxisMap, choose_axis, decimate, thin
from .model import Report
from .svg import svg_of

# Decades labelled on a log axis at most, so a loss that ran to 1e22 keeps a readable axis.
MAX_DECADE_TICKS = 6
LOG_SCALE_RATIO = (
    100.0  # values spanning more than this factor (a val loss of 2,360 over a train loss of 0.5): log axis
)
# A curve whose peak is this many times another's flattens it into the bottom tenth of the panel: log axis too.
DWARF_RATIO = 10.0
MARKER_LIMIT = 60  # series with at most this many points are drawn with point markers (eval curves)
HOVER_POINTS = 120  # points per series that say their value on hover
PANEL_ORDER = ("loss", "metrics", "lr", "grad_norm", "loss_scale", "other")
PANEL_TITLES = {
    "loss": "report.plot.loss",
    "metrics": "report.plot.metrics",
    "lr": "report.plot.lr",
    "grad_norm": "report.plot.grad_norm",
    "loss_scale": "report.plot.loss_scale",
    "other": "report.plot.other",
}
AXIS_LABELS = {
    "step": "report.axis.step",
    "epoch": "report.axis.epoch",
    "index": "report.axis.index",
    "samples": "report.axis.samples",
}
SEVERITY_COLOR = {"error": "#d62728", "warning": "#e6850e", "info": "#1f77b4"}
SKIP_METRICS = BOOKKEEPING  # timings and counters are not curves worth a panel
FIGURE = (6.4, 3.1)  # inches; the page scales the SVG to its column
AXIS_BAND = 0.6  # inches below the axes for the tick labels and the axis label
LEGEND_ROW = 0.2  # inches per row of the legend under them
FONT, SMALL = 10, 9  # points at that size: about 11 and 10 px in a two-column page at 1400 px
LABEL_ROWS = 3  # rows of finding codes at the top of a panel before labels share a row
LABEL_WIDTH = 0.016  # axes fraction per character of a finding-code label at SMALL points
LINE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
CHANCE_COLOR = "#7f7f7f"
# Where a comparison's parting sits on the axis the runs were aligned by (report.extra["compare"]).
COMPARE_POSITION = {
    "samples": "first_divergent_samples",
    "epoch": "first_divergent_epoch",
    "step": "first_divergent_step",
}


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


def panel_title(key: str, group: list, lang: str) -> str:
    """A panel's title: "Evaluation metrics" only when every metric in it is an evaluation."""
    if key == "metrics" and all(parse_metric_name_canonical(s.name).split == "eval" for s in group):
        return t("report.plot.metrics_eval", lang)
    return t(PANEL_TITLES[key], lang)


def hidden_nan(report: Report) -> dict:
    """Series name -> (start, end) Positions where the Trainer logged a NaN loss as an exact 0.0 (TM102)."""
    out = {}
    for f in report.findings:
        if isinstance(f.facts, NonfiniteFacts) and f.facts.hidden_nan and f.series:
            out[f.series] = (f.at, f.until)
    return out


class Painter:
    """Draws one panel: curves, non-finite marks, hover points, chance lines and finding markers."""

    def __init__(self, ax, report: Report, amap: AxisMap, axis: str, lang: str, compare: bool) -> None:
        self.ax, self.report, self.amap, self.axis, self.lang, self.compare = ax, report, amap, axis, lang, compare
        self.hover: dict = {}
        self.titles: dict = {}
        self.drawn: list = []  # finite values drawn, for the choice of scale

    def style(self, s: Series, i: int, runs: list, metrics: list) -> tuple:
        """``(color, line style)`` of a curve; comparing runs, the color names the run and the style the metric."""
        colors = _colors()
        if not self.compare:
            return colors[i % len(colors)], "-"
        run, metric = s.name.split("/", 1)[0], s.name.split("/", 1)[-1]
        return colors[runs.index(run) % len(colors)], LINE_STYLES[metrics.index(metric) % len(LINE_STYLES)]

    def series(self, s: Series, color: str, ls: str) -> None:
        """Draw one curve, with its non-finite points and the Trainer's hidden NaNs marked."""
        x = self.amap.x(s, self.axis)
        placed = np.isfinite(x)
        x, v = x[placed], s.values[placed].copy()
        step, epoch = s.step[placed], s.epoch[placed]
        if len(x) and np.any(np.diff(x) < 0):
            order = np.argsort(x, kind="stable")
            x, v, step, epoch = x[order], v[order], step[order], epoch[order]
        hidden = np.zeros(len(v), dtype=bool)
        window = hidden_nan(self.report).get(s.name)
        if window is not None:
            lo = self.amap.point(window[0], self.axis)
            hi = self.amap.point(window[1], self.axis) if window[1] is not None else None
            if lo is not None:
                hidden = (v == 0.0) & (x >= lo) & (x <= (hi if hi is not None else np.inf))
                v[hidden] = np.nan
        idx = decimate(v)
        line = np.where(np.isfinite(v[idx]), v[idx], np.nan)
        bad = ~np.isfinite(v) & ~hidden
        label = s.label or s.name
        notes = ([Msg("report.label.nonfinite", {"count": int(bad.sum())})] if bad.any() else []) + (
            [Msg("report.plot.hidden_nan", {"count": int(hidden.sum())})] if hidden.any() else []
        )
        if notes:
            label = t("report.plot.series_notes", self.lang, series=label, notes=notes)
        marker = "o" if len(v) <= MARKER_LIMIT else None
        self.ax.plot(x[idx], line, color=color, lw=1.4, ls=ls, marker=marker, ms=3.5, label=label)
        self.drawn.append(v[np.isfinite(v)])
        self._hover(s, x, v, step, epoch, color)
        if not len(x):
            return
        edge = self.ax.get_xaxis_transform()  # x in data, y in axes fraction: marks sit on the frame
        lo, hi = float(x.min()), float(x.max())
        for mask, y, mk in (
            (np.isnan(v) & ~hidden, 0.02, "x"),
            (v == -np.inf, 0.02, "v"),
            (v == np.inf, 0.98, "^"),
            (hidden, 0.02, "X"),
        ):
            if mask.any():
                xs = thin(x[mask], lo, hi)
                self.ax.plot(
                    xs,
                    np.full(len(xs), y),
                    transform=edge,
                    ls="none",
                    marker=mk,
                    ms=6,
                    mew=1.3,
                    color=color,
                    clip_on=False,
                )

    def _hover(self, s: Series, x: np.ndarray, v: np.ndarray, step, epoch, color: str) -> None:
        fin = np.flatnonzero(np.isfinite(v))
        if not fin.size:
            return
        if fin.size > HOVER_POINTS:
            pick = np.unique(
                np.concatenate(
                    [
                        fin[np.linspace(0, fin.size - 1, HOVER_POINTS).astype(int)],
                        [fin[np.argmin(v[fin])], fin[np.argmax(v[fin])]],
                    ]
                )
            )
        else:
            pick = fin
        gid = f"hover-{id(self)}-{len(self.hover)}"
        self.ax.plot(x[pick], v[pick], ls="none", marker="o", ms=7, alpha=0.0, color=color, gid=gid)
        label = s.label or s.name
        texts = []
        for i in pick:
            at = Position(step=step[i], epoch=epoch[i])
            where = at.where().render(self.lang) if at.known else t(AXIS_LABELS[self.axis], self.lang) + f" {x[i]:g}"
            texts.append(t("report.plot.hover", self.lang, series=label, value=float(v[i]), where=where))
        self.hover[gid] = texts

    def chance(self, key: str, group: list) -> None:
        """ln K on the loss panel and 1/K on an accuracy panel, for a run a rule found stuck at chance."""
        for f in self.report.findings:
            if not isinstance(f.facts, ChanceFacts):
                continue
            k = f.facts.k
            if key == "loss":
                value, label = f.facts.ln_k, t("report.plot.chance_loss", self.lang, k=k, value=round(f.facts.ln_k, 3))
            elif key == "metrics" and any(
                parse_metric_name_canonical(s.name).metric in ("acc", "accuracy") for s in group
            ):
                value, label = 1.0 / k, t("report.plot.chance_acc", self.lang, k=k, value=round(1.0 / k, 3))
            else:
                continue
            self.ax.axhline(value, color=CHANCE_COLOR, lw=1.2, ls=(0, (6, 3)), label=label)
            self.drawn.append(np.array([value]))
            return

    def scale(self, key: str) -> None:
        """A log axis when the values span more than :data:`LOG_SCALE_RATIO`, or one curve dwarfs another
        (symmetric-log with exact zeros)."""
        if key not in ("loss", "grad_norm") or not self.drawn:
            return
        finite = np.concatenate(self.drawn)
        positive = finite[finite > 0]
        peaks = [float(np.max(np.abs(d))) for d in self.drawn if d.size]
        dwarfed = len(peaks) > 1 and min(peaks) > 0 and max(peaks) / min(peaks) > DWARF_RATIO
        if (
            not len(positive)
            or not (finite >= 0).all()
            or (positive.max() / positive.min() <= LOG_SCALE_RATIO and not dwarfed)
        ):
            return
        if finite.min() > 0:
            self.ax.set_yscale("log")
            return
        low = float(positive.min())
        self.ax.set_yscale("symlog", linthresh=low)
        lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(float(positive.max())))
        stride = max(1, math.ceil((hi - lo) / MAX_DECADE_TICKS))
        self.ax.set_yticks([0.0] + [10.0**k for k in range(lo, hi + 1, stride)])
        self.ax.set_ylim(bottom=-low / 2)

    def findings(self, findings: list, own: bool) -> None:
        """A line at each finding's start (dotted, thin, for findings of other panels), a band to its end, and the
        codes in rows at the top that never overlap."""
        labels: list = []
        for f in sorted(findings, key=lambda f: f.severity.rank):  # the gravest drawn last, on top
            x0 = self.x_of(f)
            if x0 is None or not math.isfinite(x0):
                continue
            color = SEVERITY_COLOR.get(f.severity.value, "#555555")
            gid = f"finding-{id(self)}-{len(self.titles)}"
            self.titles[gid] = f"{f.code} {f.rule} · {f.at.where().render(self.lang)}"
            if not own:
                if f.serious:
                    self.ax.axvline(x0, color=color, lw=0.9, ls=":", alpha=0.7, gid=gid)
                continue
            self.ax.axvline(x0, color=color, lw=1.2, ls="--", gid=gid)
            x1 = None if self.compare else self.amap.point(f.until, self.axis)
            if x1 is not None and math.isfinite(x1) and x1 > x0:
                self.ax.axvspan(x0, x1, color=color, alpha=0.10, lw=0)
            labels.append((x0, f.code, color))
        self._codes(labels)

    def x_of(self, f: Finding) -> Optional[float]:
        """Where a finding starts on this panel's axis; in a comparison, on the axis the runs were aligned by."""
        if not self.compare:
            return self.amap.point(f.at, self.axis)
        summary = self.report.extra.get("compare", {})
        value = summary.get(COMPARE_POSITION.get(str(summary.get("axis")), ""))
        return (
            float(value) if isinstance(value, (int, float)) and f.series in summary.get("compared_series", ()) else None
        )

    def _codes(self, labels: list) -> None:
        lo, hi = self.ax.get_xlim()
        span = (hi - lo) or 1.0
        ends = [-1.0] * LABEL_ROWS  # right edge of the last label in each row, in axes fraction
        merged: dict = {}
        for x0, code, color in sorted(labels):
            merged.setdefault(x0, ([], color))[0].append(code)
        for x0, (codes, color) in sorted(merged.items()):
            text = ", ".join(dict.fromkeys(codes))
            fx = (x0 - lo) / span
            row = next((r for r in range(LABEL_ROWS) if ends[r] < fx), min(range(LABEL_ROWS), key=lambda r: ends[r]))
            ends[row] = fx + LABEL_WIDTH * (len(text) + 1)
            self.ax.annotate(
                text,
                xy=(x0, 1.0 - 0.085 * row),
                xycoords=("data", "axes fraction"),
                xytext=(3, -2),
                textcoords="offset points",
                va="top",
                ha="left",
                fontsize=SMALL,
                color=color,
                fontweight="bold",
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8),
            )


def _colors() -> list:
    import matplotlib

    return matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]


def render_plots(report: Report, lang: str = "en") -> list:
    """One :class:`Plot` per panel with the findings marked; empty when the report carries no series."""
    planned = plan_panels(report)
    if not planned:
        return []
    import matplotlib
    from matplotlib.figure import Figure

    compare = report.kind == "compare"
    amap = AxisMap([s for _, group in planned for s in group])
    plotted = {s.name for _, group in planned for s in group}
    orphans = [f for f in report.findings if f.series not in plotted]  # no curve of their own: mark on the first
    runs = list(dict.fromkeys(s.name.split("/", 1)[0] for _, g in planned for s in g))
    metrics = list(dict.fromkeys(s.name.split("/", 1)[-1] for _, g in planned for s in g))
    out = []
    style = {
        "svg.fonttype": "none",
        "svg.hashsalt": "trainmedic",
        "font.size": FONT,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(style), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs missing from matplotlib's font: the browser draws the text
        for key, group in planned:
            axis = "step" if compare else choose_axis(group, amap)
            fig = Figure(figsize=FIGURE)
            ax = fig.add_subplot()
            painter = Painter(ax, report, amap, axis, lang, compare)
            for i, s in enumerate(group):
                painter.series(s, *painter.style(s, i, runs, metrics))
            painter.chance(key, group)
            painter.scale(key)
            label_axis = str(report.extra.get("compare", {}).get("axis", "step")) if compare else axis
            ax.set_xlabel(t(AXIS_LABELS.get(label_axis, "report.axis.step"), lang))
            ax.grid(True, alpha=0.25)
            names = {s.name for s in group}
            mine = [f for f in report.findings if f.series in names] + (orphans if not out else [])
            painter.findings(mine, own=True)
            painter.findings([f for f in report.findings if all(f is not m for m in mine)], own=False)
            if label_axis == "samples":
                from matplotlib.ticker import EngFormatter

                ax.xaxis.set_major_formatter(EngFormatter(sep=""))
            handles, texts = ax.get_legend_handles_labels()
            ncol = 1 if len(handles) <= 2 else 2
            rows = math.ceil(len(handles) / ncol)
            height = FIGURE[1] + LEGEND_ROW * rows
            fig.set_size_inches(FIGURE[0], height)
            fig.subplots_adjust(left=0.11, right=0.98, top=0.97, bottom=(AXIS_BAND + LEGEND_ROW * rows) / height)
            fig.legend(
                handles,
                texts,
                loc="lower left",
                bbox_to_anchor=(0.01, 0.01),
                ncol=ncol,
                fontsize=SMALL,
                frameon=False,
                borderaxespad=0.0,
            )
            out.append(Plot(key, panel_title(key, group, lang), svg_of(fig, painter.hover, painter.titles)))
    return out
