"""Not learning: a loss stuck at ln(K) with accuracy at 1/K (the model outputs the class prior), or a loss that does
not change at all from batch to batch (the model outputs one constant prediction).

For a K-class cross-entropy, a model that predicts the uniform prior scores loss ln K and accuracy 1/K. K is never
read off the loss being judged (a language model's loss of 4.02 is not "ln 56"): it comes from the configuration,
the loss function (a binary cross-entropy has K = 2), or an accuracy that sits at 1/K, which the loss must then
confirm. A loss identical to its printed precision over many different batches is the other proof: batch noise
never vanishes unless the model's output no longer depends on its input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, evidence, longest_true_run, make_finding, series_of, smoothed, train_loss

# Loss functions whose chance level is ln 2 whatever the dataset: one sigmoid output per example.
BINARY_LOSSES = (
    "bce",
    "binarycrossentropy",
    "binary_crossentropy",
    "bcewithlogits",
    "bceloss",
    "sigmoid",
    "binary_cross_entropy",
    "logloss",
    "binary",
)


@dataclass(frozen=True)
class ChanceParams(Params):
    """Thresholds of TM301: how close to ln K and 1/K a loss and an accuracy count as chance."""

    loss_tol: float = param(0.05, "batch noise at chance is about 1% of ln K (4 classes: 1.38-1.40 vs 1.386)")
    acc_rel_tol: float = param(0.3, "an accuracy within 30% of 1/K counts as chance (K=4: 0.175-0.325)")
    acc_min_tol: float = param(0.02, "the smallest accuracy tolerance, for many classes")
    acc_flat: float = param(0.25, "an accuracy that names K must itself be flat: its range within this share of 1/K")
    max_classes: int = param(1000, "the largest K an accuracy is read as (1/K below 0.001 is no longer 'chance')")
    min_points: int = param(4, "logged points needed before 'stuck' can be said at all")


@dataclass(frozen=True)
class FrozenLossParams(Params):
    """Thresholds of TM303: how many identical values in a row make a frozen loss."""

    min_repeats: int = param(
        8,
        "consecutive logged points of one identical value: per-batch noise makes even two "
        "rare, and a repeat of eight is a model whose output does not change",
    )
    min_digits: int = param(
        2, "the value must carry at least this many significant digits (a loss printed as 0.1 repeats by rounding)"
    )
    ln_k_tol: float = param(0.005, "the constant names K when it is within 0.5% of ln K")


@dataclass(frozen=True)
class ChanceFacts(Facts):
    """K (and where it came from), ln K, the loss and accuracy levels of a model stuck at chance."""

    k: int
    ln_k: float
    loss: float
    k_source: str  # config | loss_function | accuracy | constant_loss | loss_level
    acc: Optional[float] = None
    acc_low: Optional[float] = None
    acc_high: Optional[float] = None

    @property
    def inferred_k(self) -> bool:
        """Whether K was inferred from the values (an accuracy or a constant loss) rather than stated by the run."""
        return self.k_source not in ("config", "loss_function")


@dataclass(frozen=True)
class FrozenLossFacts(Facts):
    """A loss identical at many consecutive logged points: its value, how many times, and the K it matches."""

    value: float
    repeats: int
    k: Optional[int] = None


CHANCE = ChanceParams()


def configured_classes(run: Run) -> tuple:
    """(K, source) from the configuration or the loss function, else (None, "")."""
    for key in ("num_classes", "num_labels"):
        k = run.config.get(key)
        try:
            k = int(k) if k is not None else None
        except (TypeError, ValueError):
            k = None
        if k and k >= 2:
            return k, "config"
    loss = str(run.config.get("loss") or "").lower().replace("-", "").replace(" ", "")
    if loss and any(word.replace("_", "") in loss.replace("_", "") for word in BINARY_LOSSES):
        return 2, "loss_function"
    return None, ""


def _accuracy(run: Run, group) -> Optional[Series]:
    for split in ("eval", "train"):
        found = [s for s in series_of(run, split=split, metric="acc", group=group) if np.isfinite(s.values).sum()]
        if found:
            return found[0]
    return None


def classes_from_accuracy(acc: Series, p: ChanceParams, loss_level: Optional[float] = None) -> Optional[int]:
    """K when an accuracy sits flat at 1/K (it must name one K, not wander), else None. Sampling noise makes
    1/accuracy fall between two K (10.64% is 1/9.4): of the K whose 1/K the accuracy is within tolerance of, the one
    whose ln K the loss confirms best."""
    a = as_fraction(acc.values)
    a = a[np.isfinite(a)]
    if a.size < 1:
        return None
    level = float(np.median(a))
    if level <= 0 or level > 0.5 + p.acc_min_tol:
        return None
    centre = 1.0 / level
    candidates = [
        k
        for k in range(max(2, int(centre) - 1), int(centre) + 3)
        if k <= p.max_classes and abs(level - 1.0 / k) <= max(p.acc_min_tol, p.acc_rel_tol / k)
    ]
    candidates = [k for k in candidates if float(np.max(a) - np.min(a)) <= max(p.acc_flat / k, 2 * p.acc_min_tol)]
    if not candidates:
        return None
    if loss_level is not None and loss_level > 0:
        return min(candidates, key=lambda k: abs(math.log(k) - loss_level))
    return min(candidates, key=lambda k: abs(1.0 / k - level))


def chance_level(run: Run, group: Optional[str], p: ChanceParams = CHANCE) -> Optional[dict]:
    """Facts when a model group is stuck at chance: K and its source, ln K, loss and accuracy levels, where."""
    loss = train_loss(run, group)
    if loss is None:
        return None
    finite = np.isfinite(loss.values)
    count = int(finite.sum())
    if count < p.min_points:
        return None
    acc = _accuracy(run, group)
    k, source = configured_classes(run)
    if k is None and acc is None:
        return None  # nothing names K: decided before any copy of the loss is made
    # A loss with no NaN is its own finite part: no index array, no copy (a long run keeps one series in memory).
    fin = None if count == len(finite) else np.flatnonzero(finite)
    del finite
    level = float(np.median(loss.values if fin is None else loss.values[fin]))
    if k is None:
        k, source = classes_from_accuracy(acc, p, level), "accuracy"
    if not k:
        return None
    ln_k = math.log(k)
    tail = smoothed(loss.values)[count // 2 :] if fin is None else smoothed(loss.values)[fin[count // 2 :]]
    if abs(level - ln_k) > p.loss_tol * ln_k or np.nanmin(tail) < (1 - p.loss_tol) * ln_k:
        return None
    facts = {"k": k, "ln_k": ln_k, "loss": level, "loss_series": loss, "k_source": source}
    if acc is not None:
        a = as_fraction(acc.values)
        afin = np.flatnonzero(np.isfinite(a))
        tol = max(p.acc_min_tol, p.acc_rel_tol / k)
        near = np.abs(a[afin] - 1.0 / k) <= tol
        if not near.all() and np.median(np.abs(a[afin] - 1.0 / k)) > tol:
            return None  # the accuracy says it learns: the loss level is a coincidence
        facts.update(
            acc_series=acc,
            acc=float(np.median(a[afin])),
            at_series=acc,
            at=int(afin[np.argmax(near)]),
            acc_low=float(np.min(a[afin])),
            acc_high=float(np.max(a[afin])),
        )
        return facts
    facts.update(at_series=loss, at=p.min_points - 1 if fin is None else int(fin[p.min_points - 1]))
    return facts


@rule("TM301", "stuck-at-chance", symptom="stuck_at_chance", severity="error", params=ChanceParams)
def check_stuck_at_chance(run: Run, p: ChanceParams) -> list:
    """Loss at ln(K) and accuracy at 1/K: the model outputs the class prior.

    What it does:
        Takes K from the configuration (num_classes, num_labels), from the loss function (a binary cross-entropy
        has K = 2) or from an accuracy that stays flat at 1/K, never from the loss being judged, and checks that the
        train loss sits within {loss_tol} (relative) of ln K for the whole run and the accuracy near 1/K; reports
        the point where the accuracy first confirms it.
    Why it matters:
        For a K-class cross-entropy, predicting the uniform prior gives exactly loss ln K and accuracy 1/K. A run
        that stays there learns nothing: the gradient does not reach the weights that would have to change (frozen
        encoder, optimizer built from the wrong parameters, lr far too small or far too large, labels not matching
        inputs).
    Example:
        4 classes: loss 1.38-1.40 (ln 4 = 1.386) and accuracy 0.23-0.27 for 5 epochs.
    Fix:
        Check the trainable-parameter count and which parameters the optimizer holds; check that the gradient
        reaches every layer; check labels against inputs on one batch; overfit one batch as a smoke test.
    """
    out = []
    for group in run.groups:
        f = chance_level(run, group, p)
        if f is None:
            continue
        loss: Series = f["loss_series"]
        fin = np.flatnonzero(np.isfinite(loss.values))
        ev = [
            evidence(loss, fin[0], Msg("rule.TM301.ev_loss_first")),
            evidence(loss, fin[-1], Msg("rule.TM301.ev_loss_last")),
        ]
        params = {
            "loss": f["loss"],
            "k": f["k"],
            "ln_k": round(f["ln_k"], 3),
            "chance": round(1.0 / f["k"], 4),
            "low": float(np.min(loss.values[fin])),
            "high": float(np.max(loss.values[fin])),
            "acc": f.get("acc"),
            "acc_low": f.get("acc_low"),
            "acc_high": f.get("acc_high"),
        }
        key = None
        if "acc_series" in f:
            acc = f["acc_series"]
            ev.insert(0, evidence(acc, f["at"], Msg("rule.TM301.ev_acc")))
            ev.append(evidence(acc, len(acc) - 1, Msg("rule.TM301.ev_acc")))
        else:
            key = "rule.TM301.message_loss_only"
        facts = ChanceFacts(
            k=f["k"],
            ln_k=f["ln_k"],
            loss=f["loss"],
            k_source=f["k_source"],
            acc=f.get("acc"),
            acc_low=f.get("acc_low"),
            acc_high=f.get("acc_high"),
        )
        out.append(
            make_finding(
                "TM301",
                f["at_series"],
                f["at"],
                ev=ev,
                until=len(f["at_series"]) - 1,
                facts=facts,
                params=params,
                message_key=key,
            )
        )
    return out


def _significant_digits(x: float) -> int:
    """Significant digits of a number as parsed (4.600 and 4.6 both give 2: trailing zeros are not kept)."""
    text = f"{x:.10g}".lstrip("-").replace(".", "").lstrip("0")
    return len(text.rstrip("0")) if text else 0


def longest_repeat(values: np.ndarray) -> tuple:
    """(start, length) of the longest run of identical consecutive finite values (the first of the longest)."""
    n = len(values)
    if not n:
        return (0, 0)
    finite = np.isfinite(values)
    repeats = np.zeros(n, dtype=bool)
    np.equal(values[1:], values[:-1], out=repeats[1:])
    repeats[1:] &= finite[1:]
    # A run of n identical finite values is a value followed by n - 1 repeats (NaN never equals the value before it;
    # an infinity is not finite): the longest run of repeats gives it without an index per run of the series.
    start, length = longest_true_run(repeats)
    if length:
        return (start - 1, length + 1)
    return (int(np.argmax(finite)), 1) if finite.any() else (0, 0)


@rule("TM303", "frozen-loss", symptom="stuck_at_chance", severity="error", params=FrozenLossParams)
def check_frozen_loss(run: Run, p: FrozenLossParams) -> list:
    """Train loss identical at many consecutive logged steps: the model's output no longer depends on its input.

    What it does:
        Finds a train loss that repeats one value, to the digits it is printed with, at {min_repeats} or more
        consecutive logged steps (zero excluded: that is the non-finite rules' matter) and says which ln K the value
        matches (within {ln_k_tol}), if any.
    Why it matters:
        Different batches give different losses as long as the model's prediction depends on its input. A loss that
        stops moving to the last printed digit means the model outputs the same thing for every example (a
        collapsed or dead network, saturated units, a detached graph): its loss is then the entropy of the label
        distribution, ln K for K balanced classes.
    Example:
        `train_loss=4.600` at every step from 100 to 172: ln 100 = 4.605, a 100-class model predicting the uniform
        prior.
    Fix:
        Check the lr (too high kills units, too low moves nothing), that the loss is computed from the model's output
        on this batch, that the gradient reaches the weights, and the inputs (normalised? shuffled with their
        labels?); overfit one batch as a smoke test.
    """
    out = []
    stuck = {f.series for f in check_stuck_at_chance(run, CHANCE)}
    for group in run.groups:
        loss = train_loss(run, group)
        if loss is None or loss.name in stuck or getattr(loss, "running_mean", False):
            continue
        start, length = longest_repeat(loss.values)
        value = float(loss.values[start]) if length else 0.0
        if length < p.min_repeats or value == 0.0 or _significant_digits(value) < p.min_digits:
            continue
        steps = loss.x[start : start + length]
        if len(np.unique(steps)) < length:
            continue  # the same step printed again is one point, not a repeat
        k = int(round(math.exp(value))) if 0 < value < math.log(1e6) else None
        if k is not None and (k < 2 or abs(value - math.log(k)) > p.ln_k_tol * math.log(k)):
            k = None
        ev = [
            evidence(loss, start, Msg("rule.TM303.ev_first")),
            evidence(loss, start + length - 1, Msg("rule.TM303.ev_last")),
        ]
        if start > 0:
            ev.insert(0, evidence(loss, start - 1, Msg("rule.TM303.ev_before")))
        key = "rule.TM303.message_k" if k else "rule.TM303.message"
        out.append(
            make_finding(
                "TM303",
                loss,
                start,
                ev=ev,
                until=start + length - 1,
                message_key=key,
                params={"value": value, "repeats": length, "k": k or "", "ln_k": math.log(k) if k else ""},
                facts=FrozenLossFacts(value=value, repeats=length, k=k),
            )
        )
    return out
