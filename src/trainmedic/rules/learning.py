"""Not learning: a loss stuck at ln(K) with accuracy at 1/K (the model outputs the class prior), or a flat loss.

For a K-class cross-entropy, a model that predicts the uniform prior scores loss ln K and accuracy 1/K. A run
that stays there for its whole length is not learning anything: nothing it can see reaches the trainable weights.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import as_fraction, evidence, make_finding, series_of, smoothed, train_loss

# The loss counts as "at ln K" within 5% of it: batch noise at chance is about 1% (seed 001: 1.38-1.40 vs 1.386).
LOSS_TOL = 0.05
# Inferring K from the loss alone (no num_classes in the config, no accuracy) needs a tighter 2% match.
INFER_TOL = 0.02
# Accuracy counts as "at 1/K" within 30% of 1/K (at least 2 points): with K=4, 0.175-0.325.
ACC_REL_TOL = 0.3
ACC_MIN_TOL = 0.02
# Points needed before "stuck" can be said at all.
MIN_POINTS = 4
# Plateau: over the whole run the smoothed train loss never fell 2% below where it started.
PLATEAU_MIN_DROP = 0.02
PLATEAU_MIN_POINTS = 10
# Loss floor: a classifier whose eval accuracy reaches 99% normally drives its cross-entropy towards 0. A train loss
# whose last third stays within 3% of one level above 0.1 while the accuracy is that high cannot go lower: the loss
# and the model's output disagree (probabilities fed to a loss that applies softmax itself, a clamped output).
FLOOR_ACC = 0.99
FLOOR_MIN_LEVEL = 0.1
FLOOR_FLAT = 0.03


# The largest class count a loss level is read as (ln 100000 = 11.5); beyond it a loss is not "at chance".
MAX_INFERRED_CLASSES = 100000

def _classes(run: Run, level: float) -> tuple:
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
    if not math.isfinite(level) or level <= math.log(2) * (1 - INFER_TOL) or level > math.log(MAX_INFERRED_CLASSES) * 1.5:
        return None, True
    k = int(round(math.exp(level)))
    if 2 <= k <= MAX_INFERRED_CLASSES and abs(level - math.log(k)) <= INFER_TOL * math.log(k):
        return k, True
    return None, True


def _accuracy(run: Run, group) -> Optional[Series]:
    for split in ("eval", "train"):
        found = [s for s in series_of(run, split=split, metric="acc", group=group) if np.isfinite(s.values).sum()]
        if found:
            return found[0]
    return None


def chance_level(run: Run, group) -> Optional[dict]:
    """Facts when a model group is stuck at chance: K, ln K, loss level, accuracy level, where it is established."""
    loss = train_loss(run, group)
    if loss is None:
        return None
    fin = np.flatnonzero(np.isfinite(loss.values))
    if fin.size < MIN_POINTS:
        return None
    vals = loss.values[fin]
    level = float(np.median(vals))
    k, inferred = _classes(run, level)
    if not k:
        return None
    ln_k = math.log(k)
    tail = smoothed(loss.values)[fin[len(fin) // 2:]]
    if abs(level - ln_k) > LOSS_TOL * ln_k or np.nanmin(tail) < (1 - LOSS_TOL) * ln_k:
        return None
    acc = _accuracy(run, group)
    facts = {"k": k, "ln_k": ln_k, "loss": level, "loss_series": loss, "inferred_k": inferred}
    if acc is not None:
        a = as_fraction(acc.values)
        afin = np.flatnonzero(np.isfinite(a))
        tol = max(ACC_MIN_TOL, ACC_REL_TOL / k)
        near = np.abs(a[afin] - 1.0 / k) <= tol
        if not near.all() and np.median(np.abs(a[afin] - 1.0 / k)) > tol:
            return None  # the accuracy says it learns: the loss level is a coincidence
        facts.update(acc_series=acc, acc=float(np.median(a[afin])), at_series=acc, at=int(afin[np.argmax(near)]),
                     acc_low=float(np.min(a[afin])), acc_high=float(np.max(a[afin])))
        return facts
    if inferred and abs(level - ln_k) > INFER_TOL * ln_k:
        return None
    facts.update(at_series=loss, at=int(fin[MIN_POINTS - 1]))
    return facts


@rule("TM301", "stuck-at-chance", symptom="stuck_at_chance", severity="error",
      thresholds={"LOSS_TOL": LOSS_TOL, "INFER_TOL": INFER_TOL, "ACC_REL_TOL": ACC_REL_TOL, "MIN_POINTS": MIN_POINTS})
def check_stuck_at_chance(run: Run) -> list:
    """Loss near ln K and accuracy near 1/K for the whole run; reported where the accuracy first confirms it."""
    out = []
    for group in run.groups:
        f = chance_level(run, group)
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
        data = {k: v for k, v in f.items() if not isinstance(v, Series)}
        out.append(make_finding("TM301", f["at_series"], f["at"], ev=ev, until=len(f["at_series"]) - 1, data=data,
                                params=params, message_key=key))
    return out


@rule("TM302", "loss-plateau", symptom="plateau", severity="warning",
      thresholds={"PLATEAU_MIN_DROP": PLATEAU_MIN_DROP, "PLATEAU_MIN_POINTS": PLATEAU_MIN_POINTS})
def check_plateau(run: Run) -> list:
    """A train loss that never falls meaningfully below where it started (and is not already at chance)."""
    out = []
    for group in run.groups:
        loss = train_loss(run, group)
        if loss is None or np.isfinite(loss.values).sum() < PLATEAU_MIN_POINTS or chance_level(run, group):
            continue
        v = smoothed(loss.values)
        fin = np.flatnonzero(np.isfinite(v))
        start = float(np.median(loss.values[fin[:3]]))
        if start <= 0 or float(np.nanmin(v[fin])) < (1 - PLATEAU_MIN_DROP) * start:
            floor = loss_floor(run, group)
            if floor is not None:
                out.append(_floor_finding(loss, floor))
            continue
        ev = [evidence(loss, fin[0]), evidence(loss, fin[-1])]
        out.append(make_finding("TM302", loss, fin[min(len(fin) - 1, 2)], ev=ev, until=int(fin[-1]),
                                params={"start": start, "low": float(np.nanmin(v[fin])), "n": int(fin.size)}))
    return out


def loss_floor(run: Run, group) -> Optional[dict]:
    """Facts when the train loss has settled on a level it cannot go below while the model classifies perfectly."""
    loss = train_loss(run, group)
    acc = _accuracy(run, group)
    if loss is None or acc is None or float(run.config.get("label_smoothing") or 0.0) > 0:
        return None  # label smoothing puts a floor there on purpose
    a = as_fraction(acc.values)
    a = a[np.isfinite(a)]
    fin = np.flatnonzero(np.isfinite(loss.values))
    if a.size < 2 or fin.size < PLATEAU_MIN_POINTS or float(np.max(a[-2:])) < FLOOR_ACC:
        return None
    v = smoothed(loss.values)[fin]
    tail = v[-max(3, len(v) // 3):]
    level = float(np.median(tail))
    if level < FLOOR_MIN_LEVEL or float(np.max(tail) - np.min(tail)) > FLOOR_FLAT * level:
        return None
    first = float(loss.values[fin[0]])  # the untrained model: ln K for a K-class cross-entropy
    k, _ = _classes(run, first)
    near = np.flatnonzero(v <= level * (1 + FLOOR_FLAT))
    return {"floor": level, "min": float(np.nanmin(loss.values[fin])), "start": first, "k": k,
            "acc": float(np.max(a[-2:])), "at": int(fin[near[0]]), "kind": "floor"}


def _floor_finding(loss: Series, f: dict):
    ev = [evidence(loss, f["at"], Msg("rule.TM302.ev_floor")), evidence(loss, int(np.flatnonzero(
        np.isfinite(loss.values))[-1]), Msg("rule.TM302.ev_floor"))]
    return make_finding("TM302", loss, f["at"], ev=ev, until=len(loss) - 1, data=f,
                        message_key="rule.TM302.message_floor",
                        params={"floor": round(f["floor"], 4), "acc": round(f["acc"], 4), "start": f["start"]})
