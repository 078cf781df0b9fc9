"""Not learning: a loss stuck at ln(K) with accuracy at 1/K (the model outputs the class prior), or a flat loss.

For a K-class cross-entropy, a model that predicts the uniform prior scores loss ln K and accuracy 1/K. A run
that stays there for its whole length is not learning anything: nothing it can see reaches the trainable weights.
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
from .curves import as_fraction, evidence, make_finding, series_of, smoothed, train_loss


@dataclass(frozen=True)
class ChanceParams(Params):
    loss_tol: float = param(0.05, "batch noise at chance is about 1% of ln K (4 classes: 1.38-1.40 vs 1.386)")
    infer_tol: float = param(0.02, "without num_classes or an accuracy, a tighter match to ln K is needed")
    acc_rel_tol: float = param(0.3, "accuracy within 30% of 1/K counts as chance (K=4: 0.175-0.325)")
    acc_min_tol: float = param(0.02, "the smallest accuracy tolerance, for many classes")
    min_points: int = param(4, "logged points needed before 'stuck' can be said at all")
    max_inferred_classes: int = param(100000, "the largest class count a loss level is read as (ln 1e5 = 11.5)")


@dataclass(frozen=True)
class PlateauParams(Params):
    min_drop: float = param(0.02, "a smoothed train loss that never falls this share below its start has not moved")
    min_points: int = param(10, "points needed to call a loss flat")
    floor_acc: float = param(0.99, "an accuracy this high normally drives the cross-entropy towards 0")
    floor_min_level: float = param(0.1, "a floor below this is convergence, not a floor")
    floor_flat: float = param(0.03, "the last third within 3% of one level is a floor")


@dataclass(frozen=True)
class ChanceFacts(Facts):
    """K, ln K, the loss and accuracy levels of a model stuck at chance."""

    k: int
    ln_k: float
    loss: float
    inferred_k: bool
    acc: Optional[float] = None
    acc_low: Optional[float] = None
    acc_high: Optional[float] = None


@dataclass(frozen=True)
class PlateauFacts(Facts):
    """A flat loss (``kind`` "flat") or a loss floor under a perfect accuracy (``kind`` "floor")."""

    kind: str
    start: float
    low: float = 0.0
    floor: float = 0.0
    acc: float = 0.0
    k: Optional[int] = None


CHANCE = ChanceParams()
PLATEAU = PlateauParams()


def _classes(run: Run, level: float, p: ChanceParams = CHANCE) -> tuple:
    """(K, inferred?) from the config, else from a loss level that matches ln K for an integer K."""
    k = run.config.get("num_classes")
    if k:
        try:
            k = int(k)
        except (TypeError, ValueError):
            k = None
        if k and k >= 2:
            return k, False
    # ln K for K in [2, MAX_INFERRED_CLASSES]: a level outside that (incl. a diverged, huge loss) names no K.
    if not math.isfinite(level) or level <= math.log(2) * (1 - p.infer_tol) or level > math.log(p.max_inferred_classes) * 1.5:
        return None, True
    k = int(round(math.exp(level)))
    if 2 <= k <= p.max_inferred_classes and abs(level - math.log(k)) <= p.infer_tol * math.log(k):
        return k, True
    return None, True


def _accuracy(run: Run, group) -> Optional[Series]:
    for split in ("eval", "train"):
        found = [s for s in series_of(run, split=split, metric="acc", group=group) if np.isfinite(s.values).sum()]
        if found:
            return found[0]
    return None


def chance_level(run: Run, group, p: ChanceParams = CHANCE) -> Optional[dict]:
    """Facts when a model group is stuck at chance: K, ln K, loss level, accuracy level, where it is established."""
    loss = train_loss(run, group)
    if loss is None:
        return None
    fin = np.flatnonzero(np.isfinite(loss.values))
    if fin.size < p.min_points:
        return None
    vals = loss.values[fin]
    level = float(np.median(vals))
    k, inferred = _classes(run, level, p)
    if not k:
        return None
    ln_k = math.log(k)
    tail = smoothed(loss.values)[fin[len(fin) // 2:]]
    if abs(level - ln_k) > p.loss_tol * ln_k or np.nanmin(tail) < (1 - p.loss_tol) * ln_k:
        return None
    acc = _accuracy(run, group)
    facts = {"k": k, "ln_k": ln_k, "loss": level, "loss_series": loss, "inferred_k": inferred}
    if acc is not None:
        a = as_fraction(acc.values)
        afin = np.flatnonzero(np.isfinite(a))
        tol = max(p.acc_min_tol, p.acc_rel_tol / k)
        near = np.abs(a[afin] - 1.0 / k) <= tol
        if not near.all() and np.median(np.abs(a[afin] - 1.0 / k)) > tol:
            return None  # the accuracy says it learns: the loss level is a coincidence
        facts.update(acc_series=acc, acc=float(np.median(a[afin])), at_series=acc, at=int(afin[np.argmax(near)]),
                     acc_low=float(np.min(a[afin])), acc_high=float(np.max(a[afin])))
        return facts
    if inferred and abs(level - ln_k) > p.infer_tol * ln_k:
        return None
    facts.update(at_series=loss, at=int(fin[p.min_points - 1]))
    return facts


@rule("TM301", "stuck-at-chance", symptom="stuck_at_chance", severity="error", params=ChanceParams)
def check_stuck_at_chance(run: Run, p: ChanceParams) -> list:
    """Loss at ln(K) and accuracy at 1/K: the model outputs the class prior.

    What it does:
        Takes K from num_classes (or from a loss level that equals ln K for an integer K) and checks that the
        train loss sits within {loss_tol} (relative) of ln K for the whole run and the accuracy near 1/K; reports
        the point where the accuracy first confirms it.
    Why it matters:
        For a K-class cross-entropy, predicting the uniform prior gives exactly loss ln K and accuracy 1/K. A run
        that stays there learns nothing: the gradient does not reach the weights that would have to change
        (frozen encoder, optimizer built from the wrong parameters, lr far too small, labels not matching inputs).
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
        ev = [evidence(loss, fin[0], Msg("rule.TM301.ev_loss_first")),
              evidence(loss, fin[-1], Msg("rule.TM301.ev_loss_last"))]
        params = {"loss": f["loss"], "k": f["k"], "ln_k": round(f["ln_k"], 3), "chance": round(1.0 / f["k"], 4),
                  "low": float(np.min(loss.values[fin])), "high": float(np.max(loss.values[fin])),
                  "acc": f.get("acc"), "acc_low": f.get("acc_low"), "acc_high": f.get("acc_high")}
        key = None
        if "acc_series" in f:
            acc = f["acc_series"]
            ev.insert(0, evidence(acc, f["at"], Msg("rule.TM301.ev_acc")))
            ev.append(evidence(acc, len(acc) - 1, Msg("rule.TM301.ev_acc")))
        else:
            key = "rule.TM301.message_loss_only"
        facts = ChanceFacts(k=f["k"], ln_k=f["ln_k"], loss=f["loss"], inferred_k=f["inferred_k"], acc=f.get("acc"),
                            acc_low=f.get("acc_low"), acc_high=f.get("acc_high"))
        out.append(make_finding("TM301", f["at_series"], f["at"], ev=ev, until=len(f["at_series"]) - 1, facts=facts,
                                params=params, message_key=key))
    return out


@rule("TM302", "loss-plateau", symptom="plateau", severity="warning", params=PlateauParams)
def check_plateau(run: Run, p: PlateauParams) -> list:
    """Train loss never falls below where it started, or settles on a floor a perfect classifier would pass.

    What it does:
        Smooths the train loss and checks whether it ever fell {min_drop} below its starting level over a run of
        at least {min_points} points. Also finds a loss floor: an eval accuracy of {floor_acc} or more while the
        train loss's last third stays within {floor_flat} of one level above {floor_min_level}.
    Why it matters:
        A loss that does not move from its first value means the updates do not change the model's predictions:
        lr too small, frozen weights, a detached graph, or data that carries no signal. A floor under a perfect
        accuracy means the loss and the model's output disagree (probabilities fed to a loss that applies softmax
        itself).
    Example:
        loss 2.31, 2.30, 2.31, 2.30 ... for 2000 steps.
    Fix:
        Check the trainable parameters and the optimizer's parameter list, the lr schedule (not stuck at 0), and
        that the loss is computed from the model's output (logits, not probabilities).
    """
    out = []
    for group in run.groups:
        loss = train_loss(run, group)
        if loss is None or np.isfinite(loss.values).sum() < p.min_points or chance_level(run, group):
            continue
        v = smoothed(loss.values)
        fin = np.flatnonzero(np.isfinite(v))
        start = float(np.median(loss.values[fin[:3]]))
        if start <= 0 or float(np.nanmin(v[fin])) < (1 - p.min_drop) * start:
            floor = loss_floor(run, group, p)
            if floor is not None:
                out.append(_floor_finding(loss, floor))
            continue
        ev = [evidence(loss, fin[0]), evidence(loss, fin[-1])]
        low = float(np.nanmin(v[fin]))
        out.append(make_finding("TM302", loss, fin[min(len(fin) - 1, 2)], ev=ev, until=int(fin[-1]),
                                params={"start": start, "low": low, "n": int(fin.size)},
                                facts=PlateauFacts(kind="flat", start=start, low=low)))
    return out


def loss_floor(run: Run, group, p: PlateauParams = PLATEAU) -> Optional[dict]:
    """Facts when the train loss has settled on a level it cannot go below while the model classifies perfectly."""
    loss = train_loss(run, group)
    acc = _accuracy(run, group)
    if loss is None or acc is None or float(run.config.get("label_smoothing") or 0.0) > 0:
        return None  # label smoothing puts a floor there on purpose
    a = as_fraction(acc.values)
    a = a[np.isfinite(a)]
    fin = np.flatnonzero(np.isfinite(loss.values))
    if a.size < 2 or fin.size < p.min_points or float(np.max(a[-2:])) < p.floor_acc:
        return None
    v = smoothed(loss.values)[fin]
    tail = v[-max(3, len(v) // 3):]
    level = float(np.median(tail))
    if level < p.floor_min_level or float(np.max(tail) - np.min(tail)) > p.floor_flat * level:
        return None
    first = float(loss.values[fin[0]])  # the untrained model: ln K for a K-class cross-entropy
    k, _ = _classes(run, first)
    near = np.flatnonzero(v <= level * (1 + p.floor_flat))
    return {"floor": level, "min": float(np.nanmin(loss.values[fin])), "start": first, "k": k,
            "acc": float(np.max(a[-2:])), "at": int(fin[near[0]]), "kind": "floor"}


def _floor_finding(loss: Series, f: dict):
    ev = [evidence(loss, f["at"], Msg("rule.TM302.ev_floor")), evidence(loss, int(np.flatnonzero(
        np.isfinite(loss.values))[-1]), Msg("rule.TM302.ev_floor"))]
    facts = PlateauFacts(kind="floor", start=f["start"], low=f["min"], floor=f["floor"], acc=f["acc"], k=f["k"])
    return make_finding("TM302", loss, f["at"], ev=ev, until=len(loss) - 1, facts=facts,
                        message_key="rule.TM302.message_floor",
                        params={"floor": round(f["floor"], 4), "acc": round(f["acc"], 4), "start": f["start"]})
