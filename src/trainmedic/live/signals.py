"""What the Monitor judges from the host values of each step, after its one synchronisation: the streaming alarms
(the same detectors as ``watch`` and ``diagnose``), gradients that never flow, gradients that are never zeroed, and
whether the loop clips. Pure Python on floats; no torch.

:meth:`Signals.update` returns typed observations to record; each kind is returned once (the first time it is
established), except alarms, which are returned as their detectors confirm them.
"""

from __future__ import annotations

import math
from typing import Optional

from ..observations import Clipping, GradientFlow, LiveAlarm, StaleGradients
from ..rules.streaming import GradientExplosion, GradientGrowth, GradientSpike, NonFinite, Spike, ZeroGradient
from .quiet import QuietSteps

# Rule codes whose offline definition is the detector (loss spikes and explosions: TM402 and TM801).
CODES = {
    ("train/loss", "nonfinite"): "TM101",
    ("train/grad_norm", "nonfinite"): "TM101",
    ("train/loss", "spike"): "TM402",
    ("train/grad_norm", "gradient_spike"): "TM404",
    ("train/grad_norm", "gradient_explosion"): "TM801",
    ("train/grad_norm", "gradient_growth"): "TM804",
    ("train/grad_norm", "zero_gradient"): "TM805",
}
# A gradient norm of exactly 0 on this many steps in a row: no gradient reaches the weights (a detached loss). The
# same count as the zero-gradient detector (TM805), which raises the alarm.
FLOW_STEPS = ZeroGradient.MIN_POINTS
# The gradient at a step is 1.5x (or more) what the backward passes since the last step produced, on 3 measured
# steps in a row: the old gradients were never zeroed (a healthy loop gives 1.0 to rounding).
STALE_RATIO, STALE_STEPS = 1.5, 3
# Clipping seen from the norms alone: after 20 steps, at least 30% of them within 0.1% of one ceiling that none
# exceeds is a loop that clips before handing the norm over; norms that vary freely past that are a loop that does
# not clip.
CLIP_DECIDE_STEPS, CLIP_AT_CEILING, CLIP_TOL = 20, 0.3, 1e-3


class Signals:
    """Host-side judgement of every step; bounded state, resumable with :meth:`state_dict`."""

    def __init__(self, *, max_grad_norm: Optional[float] = None) -> None:
        self.detectors = {
            ("train/loss", "nonfinite"): NonFinite(),
            ("train/grad_norm", "nonfinite"): NonFinite(),
            ("train/loss", "spike"): Spike(),
            ("train/grad_norm", "gradient_spike"): GradientSpike(),
            ("train/grad_norm", "gradient_explosion"): GradientExplosion(),
            ("train/grad_norm", "gradient_growth"): GradientGrowth(),
            ("train/grad_norm", "zero_gradient"): ZeroGradient(),
        }
        self._feeds = [(key, det.update, key[0] == "train/loss") for key, det in self.detectors.items()]
        self.quiet = QuietSteps(self.detectors)  # healthy steps go to the detectors in bulk, with the same alarms
        self.flow = [0, 0, 0, 0]  # steps, zero-norm steps, steps without any gradient, zero steps in a row
        self.stale_in_row = 0
        self.reported: set = set()
        self.max_grad_norm = max_grad_norm
        self.norms: list = []  # the first CLIP_DECIDE_STEPS finite norms
        self.clip_seen: Optional[float] = None  # the ceiling seen when a passed norm was above the measured one

    def update(
        self,
        step: int,
        loss: Optional[float],
        norm: float,
        no_grads: bool = False,
        stale: Optional[float] = None,
        passed: Optional[float] = None,
        measured: Optional[float] = None,
    ) -> list:
        """Observations this step establishes (see the module docstring)."""
        if self.quiet_step(step, loss, norm, no_grads, stale):
            return []
        return self.loud_step(step, loss, norm, no_grads, stale, passed, measured)

    def quiet_step(
        self, step: int, loss: Optional[float], norm: float, no_grads: bool = False, stale: Optional[float] = None
    ) -> bool:
        """True when this step has nothing to say (put aside for the detectors, counted in the tally): then it is
        done with. Otherwise :meth:`loud_step` must judge it (call each once per step, in this order)."""
        eligible = (
            not no_grads
            and 0.0 < norm < math.inf
            and (loss is None or -math.inf < loss < math.inf)
            and self.stale_in_row == 0
            and (stale is None or stale < STALE_RATIO)
            and "clip" in self.reported
        )
        if self.quiet.accept(step, loss, norm, eligible):
            flow = self.flow
            flow[0] += 1
            flow[3] = 0
            return True
        return False

    def loud_step(
        self,
        step: int,
        loss: Optional[float],
        norm: float,
        no_grads: bool,
        stale: Optional[float],
        passed: Optional[float],
        measured: Optional[float],
    ) -> list:
        """Observations of a step that :meth:`quiet_step` did not take (the arguments of :meth:`update`)."""
        self.quiet.hand_over()
        out: list = []
        x = float(step)
        missing = loss is None
        if missing:
            loss = math.nan
        for key, update, on_loss in self._feeds:
            if on_loss:
                if missing:
                    continue
                alarm = update(x, loss, loss=loss)
            else:
                alarm = update(x, norm, loss=loss)
            if alarm is not None:
                out.append(self._alarm(step, key, alarm))
        out += self._flow(step, norm, no_grads)
        if stale is not None:
            out += self._stale(step, stale)
        if "clip" not in self.reported:
            out += self._clipping(step, norm, passed, measured)
        return out

    @staticmethod
    def _alarm(step: int, key: tuple, alarm) -> LiveAlarm:
        return LiveAlarm(
            step=step,
            code=CODES[key],
            detector=alarm.detector,
            series=key[0],
            at=alarm.x,
            value=alarm.value,
            ratio=alarm.ratio,
        )

    def _once(self, key: str, obs) -> list:
        if key in self.reported:
            return []
        self.reported.add(key)
        return [obs]

    def _flow(self, step: int, norm: float, no_grads: bool) -> list:
        f = self.flow
        f[0] += 1
        zero = no_grads or norm == 0.0
        f[1] += zero
        f[2] += no_grads
        f[3] = f[3] + 1 if zero else 0
        if f[3] >= FLOW_STEPS:
            return self._once("flow", self.gradient_flow(step))
        return []

    def gradient_flow(self, step: Optional[int] = None) -> GradientFlow:
        """The gradient-flow tally so far."""
        return GradientFlow(step=step, steps=self.flow[0], zero_steps=self.flow[1], none_steps=self.flow[2])

    def _stale(self, step: int, ratio: Optional[float]) -> list:
        if ratio is None or not math.isfinite(ratio):
            return []
        self.stale_in_row = self.stale_in_row + 1 if ratio >= STALE_RATIO else 0
        if self.stale_in_row >= STALE_STEPS:
            return self._once("stale", StaleGradients(step=step, ratio=ratio, steps=self.stale_in_row))
        return []

    def _clipping(self, step: int, norm: float, passed: Optional[float], measured: Optional[float]) -> list:
        if "clip" in self.reported:
            return []
        if self.max_grad_norm:
            return self._once("clip", Clipping(step=step, clipped=True, max_norm=self.max_grad_norm, how="config"))
        if passed is not None and measured is not None and measured < passed * (1 - CLIP_TOL):
            return self._once("clip", Clipping(step=step, clipped=True, max_norm=measured, how="measured"))
        if math.isfinite(norm) and norm > 0 and len(self.norms) < CLIP_DECIDE_STEPS:
            self.norms.append(norm)
        if len(self.norms) < CLIP_DECIDE_STEPS:
            return []
        if passed is not None:  # the loop hands over clip_grad_norm_'s result: it clips (above the norms seen so far)
            return self._once("clip", Clipping(step=step, clipped=True, max_norm=None, how="passed"))
        top = max(self.norms)
        at_top = sum(1 for n in self.norms if n >= top * (1 - CLIP_TOL))
        if at_top >= CLIP_AT_CEILING * len(self.norms):
            return self._once("clip", Clipping(step=step, clipped=True, max_norm=top, how="measured"))
        return self._once("clip", Clipping(step=step, clipped=False, max_norm=None, how="none_seen"))

    def state_dict(self) -> dict:
        """JSON-safe state."""
        self.quiet.hand_over()
        return {
            "detectors": {f"{s}|{n}": d.state_dict() for (s, n), d in self.detectors.items()},
            "flow": list(self.flow),
            "stale_in_row": self.stale_in_row,
            "reported": sorted(self.reported),
            "norms": list(self.norms),
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        for key, st in (state.get("detectors") or {}).items():
            series, _, name = key.partition("|")
            det = self.detectors.get((series, name))
            if det is not None:
                det.load_state_dict(st)
        self.flow = [int(x) for x in (state.get("flow") or self.flow)][:4]
        self.stale_in_row = int(state.get("stale_in_row", 0))
        self.reported = set(state.get("reported") or [])
        self.norms = [float(x) for x in (state.get("norms") or [])]
        self.quiet.restart()
