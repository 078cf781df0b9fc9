"""The one data model: a training run as named numeric series, events and a configuration with sources.

Offline readers and the live Monitor both produce a :class:`Run`; nothing downstream knows which.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any, Optional

import numpy as np

from .names import MetricName, parse_metric_name
from .observations import Observation


def unknown(n: int) -> np.ndarray:
    """``n`` NaNs that take no memory: a read-only view of one NaN (an axis the source does not record)."""
    return np.broadcast_to(np.float64(np.nan), (n,))


def is_unknown(arr: np.ndarray) -> bool:
    """True for an axis made by :func:`unknown` (every point NaN, no memory of its own)."""
    return arr.ndim == 1 and arr.strides == (0,) and (not len(arr) or bool(np.isnan(arr[0])))


def _as_float_array(values: Iterable[Any] | np.ndarray | None, n: int) -> np.ndarray:
    if values is None:
        return unknown(n)
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"axis has {arr.shape} points, values have {n}")
    if len(arr) > 1 and arr.strides != (0,) and np.isnan(arr[0]) and np.isnan(arr[-1]) and np.isnan(arr).all():
        return unknown(n)  # a million NaNs cost 8 MB for nothing
    return arr


def take_axis(arr: np.ndarray, idx, n: int) -> np.ndarray:
    """The ``n`` points ``idx`` (indices or a mask) of an axis; an unknown axis stays unknown (see :func:`unknown`)."""
    return unknown(n) if is_unknown(arr) else arr[idx]


@dataclass
class Series:
    """One metric over time. ``step`` and ``epoch`` are float arrays the length of ``values``; NaN where unknown (an
    axis the source does not record at all is a read-only view of one NaN: see :func:`unknown`).

    ``name`` is the normalised name (``eval/loss``, ``rnn/eval/acc``), ``label`` the name as the file wrote it.
    ``order`` numbers the logging events of the source the points came from (shared by all its series), for sources
    that print neither a step nor an epoch precise enough to tell two points apart: a console log of Trainer dicts
    whose ``'epoch'`` is rounded to two decimals, or ``loss: 0.53`` lines alone. It is the axis then.
    """

    name: str
    values: np.ndarray
    step: np.ndarray
    epoch: np.ndarray
    label: str = ""
    source: str = ""
    order: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64)
        n = self.values.shape[0]
        self.step = _as_float_array(self.step, n)
        self.epoch = _as_float_array(self.epoch, n)
        self.order = _as_float_array(self.order, n)
        if not self.label:
            self.label = self.name

    @classmethod
    def build(
        cls, name: str, values, *, step=None, epoch=None, label: str = "", source: str = "", order=None
    ) -> Series:
        """A Series from plain sequences (None for an axis the source does not record)."""
        values = np.asarray(values, dtype=np.float64)
        return cls(
            name=name,
            values=values,
            step=_as_float_array(step, len(values)),
            epoch=_as_float_array(epoch, len(values)),
            label=label or name,
            source=source,
            order=_as_float_array(order, len(values)),
        )

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @cached_property
    def parsed(self) -> MetricName:
        """The normalised name taken apart (computed once: rules ask for it per series and per group)."""
        return parse_metric_name_canonical(self.name)

    # Computed once: rules read .x and .axis per evaluation, and a scan per read made them O(n) per point.
    # A Series' arrays are not reassigned after construction (merging builds a new Series).
    @cached_property
    def has_step(self) -> bool:
        """Whether any point knows its optimisation step."""
        return bool(len(self) and np.isfinite(self.step).any())

    @cached_property
    def has_epoch(self) -> bool:
        """Whether any point knows its epoch."""
        return bool(len(self) and np.isfinite(self.epoch).any())

    @cached_property
    def _epoch_is_axis(self) -> bool:
        """Epochs are the axis unless the source numbered its logging events and the epochs are progress rather than
        counters: then only whole epochs, each larger than the last, tell the points apart (the Trainer's rounded
        ``'epoch': 0.03`` does not)."""
        if not self.has_epoch:
            return False
        if not np.isfinite(self.order).any():
            return True
        e = self.epoch
        return bool(np.isfinite(e).all() and (e == np.round(e)).all() and (len(e) < 2 or (np.diff(e) > 0).all()))

    @property
    def x(self) -> np.ndarray:
        """The axis the run records best: steps when known, else epochs, else the logging order (else the index)."""
        if self.has_step:
            return self.step
        if self._epoch_is_axis:
            return self.epoch
        if np.isfinite(self.order).any():
            return self.order
        return np.arange(len(self), dtype=np.float64)

    @property
    def axis(self) -> str:
        """``step``, ``epoch`` or ``index`` (the logging order): what :attr:`x` holds."""
        return "step" if self.has_step else ("epoch" if self._epoch_is_axis else "index")

    def at(self, i: int) -> dict:
        """``{"step": ..., "epoch": ...}`` for point ``i``, holding whichever the run records."""
        out: dict = {}
        s, e = self.step[i], self.epoch[i]
        if math.isfinite(s):
            out["step"] = int(s) if float(s).is_integer() else float(s)
        if math.isfinite(e):
            out["epoch"] = round(float(e), 4)
        if not out or self.axis == "index":
            o = self.order[i]
            out["index"] = int(o) if math.isfinite(o) else int(i)
        return out

    def take(self, idx: np.ndarray) -> Series:
        """A copy holding the points ``idx`` (an index array or a boolean mask)."""
        values = self.values[idx]
        n = len(values)
        return Series(
            self.name,
            values,
            take_axis(self.step, idx, n),
            take_axis(self.epoch, idx, n),
            self.label,
            self.source,
            take_axis(self.order, idx, n),
        )

    def sorted(self, *, dedupe: bool = True) -> Series:
        """The series ordered along :attr:`x` (itself when it already is). With ``dedupe``, later duplicates of the same position win (two sources
        of one point); without, points the source logged at one position (an fp16 loss-scale cascade within one
        step) all stay, in their order."""
        x = self.x
        if len(x) < 2 or (np.diff(x) > 0).all() or (not dedupe and (np.diff(x) >= 0).all()):
            return self  # already in order (the usual case): the arrays are shared, never written to
        order = np.argsort(x, kind="stable")
        if not dedupe:
            return self.take(order)
        xs = x[order]
        keep = np.ones(len(order), dtype=bool)
        if len(order) > 1:
            same = xs[1:] == xs[:-1]
            keep[:-1] = ~same  # keep the last of each run of equal positions
        return self.take(order[keep])

    def finite(self) -> np.ndarray:
        """Which values are finite numbers (not NaN, not infinite)."""
        return np.isfinite(self.values)


def parse_metric_name_canonical(name: str) -> MetricName:
    """Parse a name that is already canonical (``group/split/evalset/metric``)."""
    parts = name.split("/")
    splits = {"train", "eval"}
    if len(parts) >= 2 and parts[0] in splits:
        return MetricName(split=parts[0], metric=parts[-1], evalset=parts[1] if len(parts) == 3 else None)
    if len(parts) >= 3 and parts[1] in splits:
        return MetricName(
            split=parts[1], metric=parts[-1], group=parts[0], evalset=parts[2] if len(parts) == 4 else None
        )
    return parse_metric_name(name)


@dataclass
class Event:
    """Something that happened at a point of the run: ``checkpoint``, ``early_stop``, ``resume``, ``warning`` (an fp16
    optimizer's loss-scale change holds ``loss_scale`` in ``data``), ``lr_change`` (a scheduler lowered the lr),
    ``skip`` (a live guard skipped a step), ``rollback``, ``stop``, ``end``, ``error`` (the run crashed: ``data``
    holds the ``exception``'s name)."""

    kind: str
    step: Optional[float] = None
    epoch: Optional[float] = None
    message: str = ""
    data: dict = field(default_factory=dict)
    source: str = ""

    def at(self) -> dict:
        """Where the event happened, as the JSON report writes a position: ``{"step": ..., "epoch": ...}`` with
        whichever is known."""
        out: dict = {}
        if self.step is not None:
            out["step"] = int(self.step) if float(self.step).is_integer() else self.step
        if self.epoch is not None:
            out["epoch"] = self.epoch
        return out


@dataclass
class ConfigValue:
    """A configuration value and where it came from (file, line), so that a report can cite it."""

    value: Any
    source: str = ""
    line: Optional[int] = None
    derived_from: tuple = ()

    def cite(self) -> str:
        """Where the value came from, for a report to cite: ``file:line``, the file, or the values it was derived
        from."""
        if self.derived_from:
            return "derived from " + ", ".join(self.derived_from)
        if self.source and self.line:
            return f"{self.source}:{self.line}"
        return self.source or "unknown"


# Keys the rules and causes understand; readers may add others freely.
CONFIG_KEYS = (
    "lr",
    "per_device_batch",
    "grad_accum",
    "world_size",
    "effective_batch",
    "precision",
    "max_grad_norm",
    "warmup_steps",
    "warmup_ratio",
    "scheduler",
    "num_classes",
    "max_len",
    "model",
    "model_family",
    "recurrent_layers",
    "trainable_params",
    "total_params",
    "trainable_ratio",
    "freeze_layers",
    "optimizer",
    "optimizer_params",
    "weight_decay",
    "loss",
    "loss_reduction",
    "early_stopping_patience",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "max_steps",
    "num_epochs",
    "steps_per_epoch",
    "output_path",
    "seed",
    "launcher",
    "frozen_modules",
    "output_activation",
)


class RunConfig:
    """Configuration values keyed by name (see :data:`CONFIG_KEYS`), each a :class:`ConfigValue`.

    The first source to set a key wins unless ``override=True``: an explicit launch script beats a default.
    """

    def __init__(self) -> None:
        self._values: dict[str, ConfigValue] = {}

    def set(
        self,
        key: str,
        value: Any,
        source: str = "",
        line: Optional[int] = None,
        *,
        override: bool = False,
        derived_from: tuple = (),
    ) -> None:
        """Record ``key`` with where it came from; the first source to set a key wins unless ``override``; None
        sets nothing."""
        if value is None:
            return
        if key in self._values and not override:
            return
        self._values[key] = ConfigValue(value, source, line, tuple(derived_from))

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (``default`` when the run does not say)."""
        cv = self._values.get(key)
        return default if cv is None else cv.value

    def entry(self, key: str) -> Optional[ConfigValue]:
        """The value of ``key`` with its source and line, or None."""
        return self._values.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def items(self):
        """``(key, ConfigValue)`` pairs of every setting known."""
        return self._values.items()

    def as_dict(self) -> dict:
        """The settings as plain ``{key: value}``, without their sources."""
        return {k: v.value for k, v in self._values.items()}

    def merge(self, other: RunConfig) -> None:
        """Take the settings of ``other`` that this config does not have yet (what was read first wins)."""
        for k, v in other._values.items():
            if k not in self._values:
                self._values[k] = v

    def derive(self) -> None:
        """Fill derived values: effective batch, trainable ratio, clipping on/off."""
        pdb, acc, ws = self.get("per_device_batch"), self.get("grad_accum"), self.get("world_size")
        if pdb is not None and "effective_batch" not in self:
            parts = ["per_device_batch"]
            eff = int(pdb)
            if acc is not None:
                eff *= int(acc)
                parts.append("grad_accum")
            if ws is not None:
                eff *= int(ws)
                parts.append("world_size")
            self.set("effective_batch", eff, derived_from=tuple(parts))
        tp, total = self.get("trainable_params"), self.get("total_params")
        if tp is not None and total and "trainable_ratio" not in self:
            self.set("trainable_ratio", float(tp) / float(total), derived_from=("trainable_params", "total_params"))
        mgn = self.get("max_grad_norm")
        if mgn is not None and "clipping" not in self:
            self.set("clipping", bool(mgn and float(mgn) > 0), derived_from=("max_grad_norm",))


class InputKind(str, Enum):
    """What an input path holds: metrics, configuration, a checkpoint, a document, or nothing trainmedic can use."""

    METRICS = "metrics"
    CONFIG = "config"
    CHECKPOINT = "checkpoint"
    DOCUMENT = "document"
    UNKNOWN = "unknown"


@dataclass
class SourceInfo:
    """One input: an artifact that contributed to a run, or a path that was looked at and not used (``skipped``,
    with a note saying why)."""

    path: str
    format: str
    points: int = 0
    series: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    role: InputKind = InputKind.METRICS  # what the input holds
    skipped: bool = False
    framework: Optional[str] = None  # the framework that wrote it, when the artifact itself shows it (Keras' bars)


@dataclass
class Run:
    """A training run: series by normalised name, events, configuration, and the artifacts it was read from."""

    series: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    config: RunConfig = field(default_factory=RunConfig)
    sources: list = field(default_factory=list)
    path: str = ""
    warnings: list = field(default_factory=list)
    # Sibling runs of the same experiment (e.g. the stable baseline beside a failed run), read for comparison only.
    references: list = field(default_factory=list)
    # What a live run observed about itself (typed facts: guard actions, provenance, parameter counts, inputs ...).
    observations: list = field(default_factory=list)

    def add_series(self, series: Series) -> None:
        """Add a series, concatenating with an existing one of the same name (another source of the same run)."""
        old = self.series.get(series.name)
        if old is None:
            self.series[series.name] = series
            return
        merged = Series(
            old.name,
            np.concatenate([old.values, series.values]),
            np.concatenate([old.step, series.step]),
            np.concatenate([old.epoch, series.epoch]),
            old.label,
            old.source,
            np.concatenate([old.order, series.order]),
        )
        self.series[series.name] = merged.sorted()

    def get(self, name: str) -> Optional[Series]:
        """The series of that normalised name (``train/loss``), or None."""
        return self.series.get(name)

    def _index(self) -> dict:
        """Series names by group, then by (split, metric), each with its insertion rank; rebuilt when the names
        changed. Rules ask per group, and a file with hundreds of models made a scan of every series per question
        quadratic."""
        last = next(reversed(self.series), None) if self.series else None
        key = (id(self.series), len(self.series), last)
        cached = self.__dict__.get("_name_index")
        if cached is not None and cached[0] == key:
            return cached[1]
        index: dict = {}
        for rank, (name, s) in enumerate(self.series.items()):
            p = s.parsed
            index.setdefault(p.group, {}).setdefault((p.split, p.metric), []).append((rank, name))
        self.__dict__["_name_index"] = (key, index)
        return index

    def find(self, *, split: Optional[str] = None, metric: Optional[str] = None, group: Optional[str] = ...) -> list:
        """Series matching split/metric (and group when given; ``None`` means the ungrouped ones)."""
        index = self._index()
        groups = index.values() if group is ... else ([index[group]] if group in index else [])
        hits: list = []
        for by_name in groups:
            if split is not None and metric is not None:
                hits.extend(by_name.get((split, metric), ()))
                continue
            for (sp, me), names in by_name.items():
                if (split is None or sp == split) and (metric is None or me == metric):
                    hits.extend(names)
        hits.sort()
        return [self.series[n] for _, n in hits if n in self.series]

    @property
    def groups(self) -> list:
        """Model groups in the run (``[None]`` when the file holds one model)."""
        return list(self._index()) or [None]

    @property
    def points(self) -> int:
        """How many points the run's series hold together."""
        return sum(len(s) for s in self.series.values())

    def events_of(self, kind: str) -> list:
        """The events of one kind (``checkpoint``, ``early_stop``, ``warning``, ``error``, ...), in the order read."""
        return [e for e in self.events if e.kind == kind]

    def observed(self, kind: type[Observation]) -> list:
        """The observations of one type (e.g. ``run.observed(GuardAction)``), in the order they were made."""
        return [o for o in self.observations if isinstance(o, kind)]
