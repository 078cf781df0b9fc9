"""A quiet step is measured, decided and put aside in one go (``Monitor._judge``'s quick path, the common step of a
plain CPU or single-GPU loop). It must change nothing a user sees: the same results step by step, the same log, the
same weights and the same diagnosis as the general path, through skips, spikes, NaN batches, unzeroed gradients
and a parameter group added mid-run; and it must be the way most healthy steps go."""

from __future__ import annotations

import json

import pytest
from live_models import Classifier, ce_loss, make_batches

torch = pytest.importorskip("torch")

import trainmedic  # noqa: E402
from trainmedic.live import monitor as monitor_module  # noqa: E402


class GeneralPath(trainmedic.Monitor):
    """The reference: every step goes the general way (measure, then decide, then judge the signals)."""

    _quick = property(lambda self: False, lambda self, value: None)


def mlp() -> torch.nn.Module:
    """No BatchNorm: applying a step is the optimizer's step alone (no buffers to keep)."""
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 3))


def train(cls, make_model, policy: str, log_path, steps: int = 260) -> tuple:
    """A run with the faults the guard meets: a NaN batch, a few batches 60x too large (gradient spikes), a
    stretch where the loop forgets ``zero_grad`` (the stale-gradient probe arms again), an lr that climbs, and a
    parameter group added mid-run. Returns (results, monitor, model)."""
    torch.manual_seed(0)
    model = make_model()
    extra = torch.nn.Linear(16, 3)  # joins the optimizer at step 200
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    monitor = cls(model, opt, policy=policy, loss_fn=ce_loss, log_path=str(log_path), announce=False)
    batches = make_batches(steps, seed=1)
    results = []
    for i, (x, y) in enumerate(batches):
        if i == 120:
            x = x.clone()
            x[0, 0] = float("nan")
        if i in (90, 150, 151):
            x = x * 60.0
        if i == 200:
            opt.add_param_group({"params": list(extra.parameters()), "lr": 0.01})
        if i >= 230:
            for group in opt.param_groups:
                group["lr"] *= 1.3
        out = model(x) + (extra(x) if i >= 200 else 0.0)
        loss = torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        try:
            result = monitor.step(loss, (x, y), epoch=i / 100)
        except trainmedic.StopTraining:
            break
        results.append(result)
        if not 170 <= i < 176:  # six steps whose gradients are never zeroed
            opt.zero_grad()
    monitor.close()
    return results, monitor, model


def seen(result) -> str:
    """What a step's result says (as text: NaN equals NaN)."""
    return repr(
        (
            result.step,
            result.action,
            result.loss,
            result.grad_norm,
            result.nonfinite,
            result.spike,
            sorted(result.layers.items()),
            result.bad_data,
            [(a.code, a.step, a.at) for a in result.alarms],
        )
    )


def log_records(path) -> list:
    """The log without its clock: the header's time and each step's duration differ between any two runs."""
    out = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        rec.pop("time", None)
        rec.pop("step_time", None)
        out.append(rec)
    return out


@pytest.mark.parametrize("policy", ["observe", "skip", "rollback"])
@pytest.mark.parametrize("make_model", [mlp, Classifier], ids=["mlp", "batchnorm"])
def test_the_quick_path_changes_nothing_a_user_sees(policy, make_model, tmp_path, monkeypatch):
    runs = {}
    for name, cls in (("quick", trainmedic.Monitor), ("general", GeneralPath)):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)  # the same log path in both runs: the report cites it
        runs[name] = train(cls, make_model, policy, "live.jsonl")
    (got, mon, model), (want, ref, ref_model) = runs["quick"], runs["general"]
    assert [seen(r) for r in got] == [seen(r) for r in want]
    assert any(r.action != "step" for r in got) or policy == "observe"  # not vacuous: the guard acted
    assert log_records(tmp_path / "quick" / "live.jsonl") == log_records(tmp_path / "general" / "live.jsonl")
    for (name, a), b in zip(model.state_dict().items(), ref_model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True, msg=name)
    report, reference = mon.report().to_dict(), ref.report().to_dict()
    assert report["findings"] and report["findings"] == reference["findings"]
    assert report["diagnoses"] == reference["diagnoses"]
    assert json.dumps(mon.state_dict(), sort_keys=True) == json.dumps(ref.state_dict(), sort_keys=True)


def test_most_healthy_steps_take_the_quick_path(monkeypatch, tmp_path):
    general = []
    original = monitor_module.measure
    monkeypatch.setattr(monitor_module, "measure", lambda *a, **kw: general.append(1) or original(*a, **kw))
    results, monitor, _ = train(trainmedic.Monitor, mlp, "skip", tmp_path / "live.jsonl", steps=200)
    # The general way (80 of 200 steps here): the 50 steps before the stale-gradient probe trusts zero_grad and the
    # 50 after the loop forgot it, the per-layer norms every 50 steps, the NaN batch and the spikes with the steps
    # around them. Every other step is quick.
    assert len(results) == 200
    assert len(general) < 90, len(general)
    assert [r.action for r in results].count("skip") == 1  # the NaN batch, skipped on the quick path's way out
