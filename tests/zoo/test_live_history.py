"""The live guard's bounded history (recent points at full resolution, older ones decimated) keeps the findings of
the unbounded history on every zoo run, even when the full-resolution window is only 32 to 64 points."""

from __future__ import annotations

from trainmedic.livelog.history import SeriesHistory
from trainmedic.rules import check_all
from trainmedic.run import Run, Series

# Sizes hundreds of times smaller than the defaults: full resolution for only the last 32-64 points.
SMALL = {"recent": 32, "chunk": 8, "grid": 64, "buckets": 16, "nonfinite": 16}


def _live_alarms(run: Run) -> list:
    """The alarms the Monitor's detectors would raise at full resolution while training (it records them as
    observations beside the decimated history)."""
    from trainmedic.observations import LiveAlarm
    from trainmedic.rules.streaming import GradientExplosion, Spike

    out = []
    for name, code, det in (("train/loss", "TM402", Spike), ("train/grad_norm", "TM801", GradientExplosion)):
        s = run.get(name)
        if s is None:
            continue
        s = s.sorted()
        for a in det.scan(s.values, s.x):
            out.append(
                LiveAlarm(
                    step=int(a.x), code=code, detector=a.detector, series=name, at=a.x, value=a.value, ratio=a.ratio
                )
            )
    return out


def _kept(run: Run) -> Run:
    out = Run(
        path=run.path,
        events=list(run.events),
        config=run.config,
        sources=run.sources,
        observations=list(run.observations) + _live_alarms(run),
    )
    for name, s in run.series.items():
        s = s.sorted()
        h = SeriesHistory(**SMALL)
        for step, epoch, value in zip(s.step, s.epoch, s.values):
            h.append(step, epoch, value)
        steps, epochs, values = h.arrays()
        out.series[name] = Series(name, values, steps, epochs, s.label, s.source)
    return out


def _key(findings) -> list:
    return sorted((f.code, f.severity.value, f.at.step, f.at.epoch) for f in findings if f.serious)


def test_decimated_history_keeps_every_finding_on_the_zoo(zoo_dir):
    from trainmedic.readers import load_run
    from zoo.make import scenario_names

    decimated = 0
    for name in scenario_names():
        run = load_run([zoo_dir / name])
        kept = _kept(run)
        decimated += sum(len(kept.series[n]) < len(s) for n, s in run.series.items())
        assert _key(check_all(kept)) == _key(check_all(run)), name
    assert decimated >= 4  # not vacuous: the long series (loss spike, NaN inputs, batch x3, fp16) lost points
