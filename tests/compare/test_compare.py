"""`trainmedic compare`: where two runs part and what rescaling the lr needs, on synthetic runs and on seed 002."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trainmedic.compare import compare_runs
from trainmedic.run import Run, Series

SEED002 = Path(__file__).resolve().parents[3] / "shared" / "acceptance" / "seed002_batch_lr_mismatch"


def make_run(steps, train_loss, eval_loss, f1, *, pdb, accum=4, lr=7.5e-5, warmup=15000, epochs=True, **cfg) -> Run:
    run = Run()
    ep = list(range(1, len(steps) + 1)) if epochs else None
    run.add_series(Series.build("train/loss", train_loss, step=steps, epoch=ep))
    run.add_series(Series.build("eval/loss", eval_loss, step=steps, epoch=ep))
    run.add_series(Series.build("eval/f1", f1, step=steps, epoch=ep))
    run.config.set("per_device_batch", pdb)
    run.config.set("grad_accum", accum)
    run.config.set("lr", lr)
    run.config.set("warmup_steps", warmup)
    for k, v in cfg.items():
        run.config.set(k, v)
    run.config.derive()
    return run


def seed002_like(loss_scale: float = 1.0, **cfg_b):
    base = make_run(
        [45000, 90000, 135000, 180000, 225000],
        [x * loss_scale for x in (188.2, 121.6, 112.3, 106.8, 103.1)],
        [x * loss_scale for x in (112.4, 104.9, 101.7, 100.2, 99.6)],
        [0.951, 0.958, 0.962, 0.964, 0.965],
        pdb=16,
    )
    big = make_run(
        [15000, 30000, 45000, 60000, 75000],
        [x * loss_scale for x in (182, 134, 133, 133, 133)],
        [x * loss_scale for x in (110, 355, 1142, 1817, 2360)],
        [0.95, 0.86, 0.44, 0.22, 0.17],
        pdb=48,
        **cfg_b,
    )
    return base, big


def fixes_of(report, cause):
    d = next(d for d in report.diagnoses if d.cause == cause)
    return {f.param: f for f in d.fixes if f.param}, d


def test_summed_loss_batch_tripled_recommends_lr_and_warmup_that_keep_the_step():
    a, b = seed002_like()
    rep = compare_runs(a, b, names=("base", "big"))
    c = rep.to_dict()["compare"]
    assert c["effective_batch"] == [64, 192]
    assert c["axis"] == "samples"
    assert c["first_divergent_epoch"] == 2 and c["first_divergent_step"] == 30000
    assert c["first_divergent_series"] == "eval/loss" and c["worse_run"] == "big"
    assert c["loss_reduction"] == ["sum", "sum"]
    assert c["recommended_lr"] == pytest.approx(2.5e-5)
    assert c["recommended_warmup_steps"] == 5000
    fixes, diag = fixes_of(rep, "batch_lr_mismatch")
    assert rep.diagnoses[0].cause == "batch_lr_mismatch"
    assert (fixes["lr"].from_, fixes["lr"].to) == (7.5e-5, pytest.approx(2.5e-5))
    assert (fixes["warmup_steps"].from_, fixes["warmup_steps"].to) == (15000, 5000)
    actions = [f.action.render("en") for f in diag.fixes if f.action]
    assert any("32" in a and "2" in a and "64" in a for a in actions)
    assert "summed" in diag.explanation.render("en")
    assert any(
        f.code == "TM1201" and f.symptom == "divergence" and f.at.as_dict() == {"step": 30000, "epoch": 2}
        for f in rep.findings
    )
    # The warmup ended at step 15000 and the runs part at the next evaluation.
    assert any(d.cause == "warmup_peak_instability" for d in rep.diagnoses)
    assert "2.5e-05" in rep.to_json("zh")
    mismatch = next(f for f in rep.findings if f.code == "TM1202").message
    assert "while the lr stayed 7.5e-05" in mismatch.render("en") and "学习率仍为 7.5e-05" in mismatch.render("zh")
    assert "→ 7.5e-05" not in mismatch.render("en")  # an lr that did not change is not written as a change


def test_mean_loss_does_not_blame_a_bigger_batch_at_the_same_lr():
    a, b = seed002_like(loss_scale=0.01)
    rep = compare_runs(a, b)
    c = rep.to_dict()["compare"]
    assert c["loss_reduction"] == ["mean", "mean"]
    assert c["first_divergent_epoch"] == 2
    assert not any(d.cause == "batch_lr_mismatch" for d in rep.diagnoses)
    # The conservative mean-loss rule (square root) would RAISE the lr for the 3x batch.
    assert c["recommended_lr_rule"] == "sqrt"
    assert c["recommended_lr"] == pytest.approx(7.5e-5 * 3**0.5, rel=1e-2)


def test_mean_loss_smaller_batch_same_lr_is_a_mismatch_with_linear_rule():
    a, b = seed002_like(loss_scale=0.01)
    # B is the stable big-batch run here, A the small-batch one that fails: swap roles.
    rep = compare_runs(b, a, names=("big", "small"))
    c = rep.to_dict()["compare"]
    assert c["worse_run"] == "big"  # the big-batch curves are still the worse ones
    a2 = make_run([1000, 2000, 3000], [1.0, 0.8, 0.7], [1.0, 0.9, 0.85], [0.6, 0.7, 0.75], pdb=64, accum=1, lr=1e-3)
    b2 = make_run([4000, 8000, 12000], [1.0, 2.5, 3.0], [1.0, 2.6, 3.1], [0.6, 0.3, 0.2], pdb=16, accum=1, lr=1e-3)
    rep2 = compare_runs(a2, b2)
    fixes, _ = fixes_of(rep2, "batch_lr_mismatch")
    assert fixes["lr"].to == pytest.approx(2.5e-4)  # 1e-3 x 16 / 64
    assert rep2.to_dict()["compare"]["recommended_lr_rule"] == "linear"


def test_explicit_loss_reduction_beats_loss_magnitude():
    a, b = seed002_like(loss_scale=0.01)
    a.config.set("loss_reduction", "sum")
    b.config.set("loss_reduction", "sum")
    rep = compare_runs(a, b)
    assert rep.to_dict()["compare"]["loss_reduction"] == ["sum", "sum"]
    assert fixes_of(rep, "batch_lr_mismatch")[0]["lr"].to == pytest.approx(2.5e-5)


def test_identical_runs_do_not_part():
    a, _ = seed002_like()
    b, _ = seed002_like()
    rep = compare_runs(a, b)
    c = rep.to_dict()["compare"]
    assert c["first_divergent_epoch"] is None and c["first_divergent_step"] is None
    assert rep.findings == () and rep.diagnoses == ()
    assert rep.verdict == "healthy"


def test_epoch_only_runs_align_by_epoch():
    a = make_run([None] * 4, [1.0, 0.8, 0.7, 0.6], [1.0, 0.9, 0.85, 0.8], [0.5, 0.6, 0.65, 0.7], pdb=32, epochs=True)
    b = make_run([None] * 4, [1.0, 0.8, 0.7, 0.6], [1.0, 0.95, 1.6, 2.4], [0.5, 0.6, 0.5, 0.3], pdb=32, epochs=True)
    for run in (a, b):
        assert not any(s.has_step for s in run.series.values())  # epochs only
    rep = compare_runs(a, b)
    c = rep.to_dict()["compare"]
    assert c["axis"] == "epoch"
    assert c["first_divergent_epoch"] == 3
    assert c["first_divergent_step"] is None


def test_single_noisy_point_is_not_a_parting():
    a = make_run([100, 200, 300, 400], [1, 0.8, 0.7, 0.6], [1, 0.9, 0.85, 0.8], [0.5, 0.6, 0.65, 0.7], pdb=32)
    b = make_run([100, 200, 300, 400], [1, 0.8, 0.7, 0.6], [1, 0.9, 1.5, 0.81], [0.5, 0.6, 0.65, 0.7], pdb=32)
    assert compare_runs(a, b).to_dict()["compare"]["first_divergent_epoch"] is None


@pytest.mark.skipif(not SEED002.is_dir(), reason=f"seed 002 acceptance artifacts not found at {SEED002}")
def test_cli_on_seed002_reports_the_acceptance_values():
    expected = json.loads((SEED002 / "expected.json").read_text())["compare_must_report"]
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "trainmedic",
            "compare",
            str(SEED002 / "v17_baseline"),
            str(SEED002 / "v17_batch48"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["compare"]
    assert c["effective_batch"] == expected["effective_batch"]
    assert c["lr"] == pytest.approx(expected["lr"])
    assert c["first_divergent_epoch"] == expected["first_divergent_epoch"]
    assert c["recommended_lr"] == pytest.approx(2.5e-5)
    assert c["recommended_warmup_steps"] == 5000
