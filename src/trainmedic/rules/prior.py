"""Not learning, told from the loss alone when the run does not say how many classes it has: a train loss pinned at
ln K for an integer K.

TM301 takes K from the configuration, the loss function or an accuracy at 1/K. Without any of them, the loss can
still name K, but only where chance cannot: exp(loss) must be within a few hundredths of an integer (the gap between
ln K and ln(K+1) is about 1/K, so a value that close is a coincidence a few times in a hundred), printed with enough
digits to say so, over most of the run and at its end, and nothing before it may show learning. A loss that passes
through ln 10 on its way down, or settles on a level that happens to be close, is left alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, evidence, make_finding, series_of, sorted_series, train_loss
from .learning import CHANCE, ChanceFacts, classes_from_accuracy


@dataclass(frozen=True)
class LnKParams(Params):
    """Thresholds of TM307: how close to ln K, for how long, a train loss must sit to name K by itself."""

    tight: float = param(
        0.02,
        "exp(loss) within this of an integer K at every pinned point: a uniform output gives ln K exactly, an "
        "epoch average at chance lands within 0.01, and a level that matches by coincidence does so 4% of the time",
    )
    loose: float = param(0.05, "within this, or pinned at fewer points, the pin is said at info level")
    min_points: int = param(3, "pinned points a warning needs (two consecutive values at ln K are said at info level)")
    run_share: float = param(0.5, "the pin covers at least this share of the logged points, up to the last one")
    lead_above: float = param(
        0.1, "points before the pin stay within this share above ln K: a loss that fell further was learning"
    )
    max_classes: int = param(100000, "the largest K a loss is read as")
    steady_fall: float = param(
        0.5,
        "a pin whose last points all fall, the last drop at least this share of the ones before it, is a loss "
        "passing through ln K at a steady pace (one that settles on ln K falls less and less)",
    )
    noisy_points: int = param(20, "a noisy per-batch loss around ln K needs this many points to be said at all (info)")
    noisy_tol: float = param(0.05, "its median, and that of its last third, within this share of ln K")
    noisy_mads: float = param(
        2.0, "its median and this many median absolute deviations stay closer to ln K than to ln(K+1) or ln(K-1)"
    )


LN_K = LnKParams()


def printed_decimals(values: np.ndarray) -> int:
    """Decimals the values are printed with: the most any of them carries (a trailing zero is not kept)."""
    best = 0
    for v in values[:64]:
        text = f"{abs(float(v)):.10f}".rstrip("0")
        best = max(best, len(text.split(".")[1]) if "." in text else 0)
    return best


def _train_losses(run: Run, group: Optional[str]) -> list:
    """The train loss of a group and every other train loss it logs (a per-batch loss beside a smoothed one)."""
    main = train_loss(run, group)
    others = [
        sorted_series(s)
        for s in run.find(split="train", group=group)
        if s.parsed.is_loss and s.parsed.evalset is None and main is not None and s.name != main.name
    ]
    return ([main] if main is not None else []) + others


# Points compared at a time when a pin is traced back from the end: a long series is never copied whole.
CHUNK = 1 << 14


def _finite(s: Series) -> tuple:
    """(values, index of each value in the series): the series itself when it holds no NaN or infinity."""
    ok = np.isfinite(s.values)
    if ok.all():
        return s.values, None
    fin = np.flatnonzero(ok)
    return s.values[fin], fin


def pinned_suffix(v: np.ndarray, k: int, within: float) -> int:
    """How many of the last values have exp(value) within ``within`` of ``k`` (ln(k - within) <= v <= ln(k + within)),
    traced back from the end a chunk at a time."""
    lo = math.log(k - within) if k > within else -math.inf
    hi = math.log(k + within)
    count = 0
    for end in range(len(v), 0, -CHUNK):
        part = v[max(0, end - CHUNK) : end]
        bad = np.flatnonzero((part < lo) | (part > hi))
        if bad.size:
            return count + len(part) - 1 - int(bad[-1])
        count += len(part)
    return count


def loss_pin(s: Series, p: LnKParams = LN_K) -> Optional[dict]:
    """Where a loss sits pinned at ln K up to its last point: K, the first pinned point, how tight, its severity."""
    v, fin = _finite(s)
    if v.size < 2 or not (math.log(2) * 0.9 < v[-1] < math.log(p.max_classes)):
        return None
    k = int(round(math.exp(v[-1])))
    if k < 2:
        return None
    pinned = pinned_suffix(v, k, p.loose)
    start = v.size - pinned
    window, lead = v[start:], v[:start]
    ln_k = math.log(k)
    resolution = k * 0.5 * 10.0 ** -printed_decimals(window)  # how far exp() of the printed value may be off
    if (
        pinned < 2
        or pinned < p.run_share * v.size
        or resolution > p.tight
        or still_falling(v, p)
        or (lead.size and (lead.min() < ln_k - p.loose / k or lead.max() > (1 + p.lead_above) * ln_k))
    ):
        return None
    close = pinned_suffix(window, k, p.tight)  # the tight part of the pin
    tight = close >= p.min_points and close >= p.run_share * v.size
    off = max(math.exp(float(window.max())) - k, k - math.exp(float(window.min())))
    return {
        "k": k,
        "ln_k": ln_k,
        "start": start if fin is None else int(fin[start]),
        "end": v.size - 1 if fin is None else int(fin[-1]),
        "points": pinned,
        "off": off,
        "severity": Severity.WARNING if tight else Severity.INFO,
        "noisy": False,
    }


def still_falling(v: np.ndarray, p: LnKParams = LN_K) -> bool:
    """Whether the last points (up to four) fall at every step without slowing down: on their way elsewhere."""
    tail = v[-4:]
    if tail.size < 3:
        return False
    drops = -np.diff(tail)
    return bool(np.all(drops > 0) and drops[-1] >= p.steady_fall * float(np.mean(drops[:-1])))


def noisy_pin(s: Series, p: LnKParams = LN_K) -> Optional[dict]:
    """A noisy per-batch loss that hovers around ln K for a small K without falling (info: batch noise hides more)."""
    v, fin = _finite(s)
    if v.size < p.noisy_points:
        return None
    level = float(np.median(v))
    k = int(round(math.exp(level))) if 0 < level < math.log(p.max_classes) else 0
    if k < 2:
        return None
    ln_k = math.log(k)
    if abs(level - ln_k) > p.noisy_tol * ln_k:
        return None  # decided before the deviations are computed
    dev = v - level
    np.abs(dev, out=dev)
    mad = float(np.median(dev))
    del dev
    gap = min(math.log(k + 1) - ln_k, ln_k - math.log(k - 1) if k > 2 else math.inf) / 2
    last = float(np.median(v[-(v.size // 3) :]))
    first = float(np.median(v[: v.size // 3]))
    if (
        abs(last - ln_k) > p.noisy_tol * ln_k
        or abs(level - ln_k) + p.noisy_mads * mad >= gap
        or first - last > max(p.noisy_mads * mad, p.noisy_tol * ln_k)
    ):
        return None
    return {
        "k": k,
        "ln_k": ln_k,
        "start": 0 if fin is None else int(fin[0]),
        "end": v.size - 1 if fin is None else int(fin[-1]),
        "points": int(v.size),
        "off": abs(math.exp(level) - k),
        "level": level,
        "severity": Severity.INFO,
        "noisy": True,
    }


def stuck_groups(run: Run, findings: list) -> set:
    """Groups another rule already found stuck at chance (or whose loss went non-finite)."""
    out = set()
    for f in findings:
        if f.symptom in ("stuck_at_chance", "nonfinite") and f.series in run.series:
            out.add(run.series[f.series].parsed.group)
    return out


def _accuracy_denies(run: Run, group: Optional[str], k: int) -> bool:
    """Whether a logged accuracy of the group says the model is not at 1/K: it does better, or it moves."""
    for split in ("eval", "train"):
        for s in series_of(run, split=split, metric="acc", group=group):
            a = as_fraction(s.values)
            if np.isfinite(a).any() and classes_from_accuracy(s, CHANCE, math.log(k)) != k:
                return True
    return False


@rule("TM307", "loss-at-ln-k", symptom="stuck_at_chance", severity="warning", params=LnKParams, after_findings=True)
def check_loss_at_ln_k(run: Run, p: LnKParams, findings: list) -> list:
    """Train loss pinned at ln K for an integer K the run does not state: a uniform guess over K classes.

    What it does:
        Without a class count (TM301 needs one), reads K off the train loss itself where nothing else could explain
        the value: exp(loss) within {tight} of an integer K (2 to {max_classes}) at {min_points} or more points up to
        the last one, covering at least {run_share} of the logged points, printed with enough digits to tell K from
        K+1, with no earlier point below ln K or more than {lead_above} above it, and not still falling at a steady
        pace through its last points (each drop at least {steady_fall} of the ones before). Within {loose}, or at two
        points,
        it is said at info level; so is a noisy per-batch loss whose median stays at ln K for a small K over
        {noisy_points} or more points without falling.
    Why it matters:
        A K-class cross-entropy whose prediction is the uniform guess scores exactly ln K, whatever the batch: the
        network's output no longer depends on its input (dead units, an lr far too high or too low, weights that
        never get a gradient). A loss that passes through ln K, or settles near it after falling, says nothing.
    Example:
        Caffe: `Train net output #0: loss = 6.90776` from iteration 20 on: 6.90776 = ln 1000, a uniform guess over
        1000 classes.
    Fix:
        Check that the gradient reaches every layer and that the optimizer holds the model's parameters; lower (or
        raise) the lr by 10x; check the inputs are normalised and the labels match them; overfit one batch.
    """
    out = []
    skip = stuck_groups(run, findings)
    for group in run.groups:
        if group in skip:
            continue
        found = []
        for s in _train_losses(run, group):
            pin = loss_pin(s, p) or noisy_pin(s, p)
            if pin is not None and not _accuracy_denies(run, group, pin["k"]):
                found.append((s, pin))
        if not found:
            continue
        s, pin = max(found, key=lambda sp: (sp[1]["severity"].rank, sp[1]["points"], -sp[1]["off"]))
        values = s.values[pin["start"] : pin["end"] + 1]
        params = {
            "k": pin["k"],
            "ln_k": round(pin["ln_k"], 4),
            "low": float(np.nanmin(values)),
            "high": float(np.nanmax(values)),
            "level": round(pin.get("level", float(np.nanmedian(values))), 4),
            "n": pin["points"],
            "off": float(f"{max(pin['off'], 0.001):.1g}"),
        }
        ev = [
            evidence(s, pin["start"], Msg("rule.TM307.ev_first")),
            evidence(s, pin["end"], Msg("rule.TM307.ev_last")),
        ]
        out.append(
            make_finding(
                "TM307",
                s,
                pin["start"],
                ev=ev,
                until=pin["end"],
                severity=pin["severity"],
                params=params,
                message_key="rule.TM307.message_noisy" if pin["noisy"] else None,
                facts=ChanceFacts(k=pin["k"], ln_k=pin["ln_k"], loss=params["level"], k_source="loss_level"),
            )
        )
    return out
