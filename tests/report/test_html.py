"""HTML: one self-contained file with the curves plotted, anomalies marked, non-finite values shown, fast."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import numpy as np
from report_samples import failed_report

from trainmedic.findings import Finding, Position
from trainmedic.report.model import Report
from trainmedic.report.plots import decimate, plan_panels
from trainmedic.run import Series

EXTERNAL = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I
)


def svgs(html: str) -> list:
    return re.findall(r"<svg.*?</svg>", html, re.S)


def test_one_self_contained_file(failed):
    html = failed.to_html()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert not EXTERNAL.search(html)
    assert "<script" not in html and "<link" not in html
    assert 'class="badge failed"' in html


def test_a_plot_per_panel_with_findings_marked(failed):
    html = failed.to_html()
    assert [k for k, _ in plan_panels(failed)] == ["loss", "metrics", "lr", "grad_norm"]
    figures = re.findall(r'<figure id="plot-(\w+)"><figcaption>([^<]*)</figcaption>', html)
    assert figures == [
        ("loss", "Loss"),
        ("metrics", "Evaluation metrics"),
        ("lr", "Learning rate"),
        ("grad_norm", "Gradient norm"),
    ]
    loss_svg, metrics_svg = svgs(html)[:2]
    assert "TM101" in loss_svg and "TM108" in metrics_svg
    # Non-finite points are counted in the legend, not silently dropped.
    assert "Train Loss (15 non-finite points)" in loss_svg
    assert "grad_norm (16 non-finite points)" in svgs(html)[3]
    # Each point and each finding says what it is on hover; the axis is named in the report's language.
    assert "<title>Train Loss = 0.6677 at step 100 (epoch 0.03)</title>" in loss_svg
    assert "<title>TM101 nonfinite-loss · step 2100 (epoch 0.67)</title>" in loss_svg
    assert ">step<" in loss_svg


def test_action_first_and_inputs_folded(failed):
    html = failed.to_html()
    ids = re.findall(r'<(?:section|details) id="([\w-]+)">', html)
    assert ids == ["fixes", "why", "evidence", "checkpoints", "watch", "notes", "read"]
    assert (
        html.index('id="headline-conclusion"')
        < html.index('id="headline-first"')
        < html.index('id="headline-resume"')
        < html.index('id="fixes"')
        < html.index('id="plots"')
        < html.index('id="read"')
    )
    assert '<details id="read">' in html and "<code>2e-05</code>" in html and "bertTextRNN_FT.py:10" in html
    assert "max_grad_norm: 0 → 1" in html and '<span class="badge first">do this first</span>' in html


def test_chinese_html(failed):
    html = failed.to_html("zh")
    assert '<html lang="zh">' in html
    for word in (
        "结论",
        "首先修改",
        "从此恢复",
        "读取了什么",
        "证据",
        "原因",
        "修复建议",
        "检查点",
        "损失",
        "梯度范数",
        ">步<",
        "个非有限值",
    ):
        assert word in html
    assert "font-family" in html and "Noto Sans CJK SC" in html


def test_text_from_logs_is_escaped():
    evil = "<script>alert(1)</script>"
    f = Finding(
        code="TM101",
        rule="x",
        symptom="nonfinite",
        severity="error",
        message=evil,
        series=evil,
        series_label=evil,
        at={"step": 3},
    )
    s = Series.build(evil, [1.0, float("nan"), 2.0], step=[1, 2, 3], label=evil)
    html = Report(findings=[f], series_data={"train/loss": s}).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_decimation_keeps_extremes_and_gaps():
    v = np.sin(np.linspace(0, 60, 100_000))
    v[50_000] = 9.0
    v[70_000:70_100] = np.nan
    idx = decimate(v, buckets=500)
    assert len(idx) <= 1500
    assert 50_000 in idx and int(np.nanargmin(v)) in idx
    assert np.isnan(v[idx]).any()  # the line breaks where the run had NaN


def test_long_runs_render_fast():
    n = 10_000
    steps = np.arange(n, dtype=float)
    loss = 2.0 * np.exp(-steps / 3000) + 0.05 * np.random.default_rng(0).standard_normal(n) ** 2
    loss[8000:8500] = np.nan
    series = {
        "train/loss": Series.build("train/loss", loss, step=steps),
        "eval/loss": Series.build("eval/loss", loss[::100] + 0.1, step=steps[::100]),
        "train/lr": Series.build("train/lr", np.minimum(steps / 1000, 1) * 1e-4, step=steps),
        "train/grad_norm": Series.build("train/grad_norm", 1 + np.abs(np.sin(steps)), step=steps),
    }
    report = Report(series_data=series)
    report.to_html()  # the first render pays for importing matplotlib and jinja2
    start = time.perf_counter()
    html = report.to_html()
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{elapsed:.2f}s"
    assert len(html) < 1_500_000
    assert "(500 non-finite points)" in html


def test_import_does_not_load_renderer_dependencies():
    code = (
        "import sys, trainmedic; from trainmedic.report import Report; "
        "print(','.join(m for m in ('matplotlib', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_hidden_nan_is_drawn_as_non_finite_and_chance_line_is_drawn():
    from trainmedic.rules.learning import ChanceFacts
    from trainmedic.rules.nonfinite import NonfiniteFacts

    steps = np.arange(1, 41, dtype=float)
    loss = np.where(steps >= 30, 0.0, 1.1 + 0.01 * np.sin(steps))
    acc = np.full(8, 1 / 3)
    series = {
        "train/loss": Series.build("train/loss", loss, step=steps, label="loss"),
        "eval/acc": Series.build("eval/acc", acc, step=steps[4::5], label="eval_accuracy"),
    }
    hidden = Finding(
        code="TM102",
        rule="hidden-nan-loss",
        symptom="nonfinite",
        severity="error",
        message="hidden",
        series="train/loss",
        at={"step": 30},
        until={"step": 40},
        facts=NonfiniteFacts(series=("train/loss",), hidden_nan=True, witness="train/grad_norm"),
    )
    chance = Finding(
        code="TM301",
        rule="stuck-at-chance",
        symptom="stuck_at_chance",
        severity="error",
        message="chance",
        series="train/loss",
        at={"step": 1},
        facts=ChanceFacts(k=3, ln_k=float(np.log(3)), loss=1.1, k_source="config"),
    )
    html = Report(findings=[hidden, chance], series_data=series).to_html()
    loss_svg, metrics_svg = svgs(html)[:2]
    assert "loss (11 hidden NaNs logged as 0.0)" in loss_svg
    assert "chance: ln 3 = 1.099" in loss_svg and "chance: 1/3 = 0.333" in metrics_svg
    # The zeros are not drawn as a loss of 0: the hover layer only names finite, real values.
    assert "<title>loss = 0 at" not in loss_svg


def test_a_val_loss_that_dwarfs_the_train_loss_gets_a_log_axis():
    steps = np.arange(1, 11, dtype=float)
    series = {
        "train/loss": Series.build("train/loss", 130 - steps, step=steps * 100),
        "eval/loss": Series.build("eval/loss", 100 * steps**1.4, step=steps * 100),
    }
    svg = svgs(Report(series_data=series).to_html())[0]
    assert "10^{" in svg  # log-axis tick labels (10^2, 10^3)


def test_the_layout_works_at_phone_width(failed):
    html = failed.to_html()
    assert "minmax(min(100%, 480px), 1fr)" in html and "@media (max-width: 600px)" in html
    assert '<div class="scroll"><table' in html  # wide tables scroll inside the page, never widen it


def test_report_without_series_has_no_plots_section():
    html = failed_report().to_html()
    assert 'id="plots"' in html
    r = failed_report()
    r = r.replace(series_data={})
    assert 'id="plots"' not in r.to_html()


def test_epoch_only_eval_is_placed_on_the_step_axis_of_the_train_loss():
    from trainmedic.report.plots import AxisMap, choose_axis

    steps = np.arange(1, 301, dtype=float)
    train = Series.build("train/loss", 1 / steps, step=steps, epoch=steps / 100)
    evals = Series.build("eval/loss", [0.5, 0.4, 0.3], epoch=[1, 2, 3])
    amap = AxisMap([train, evals])
    assert choose_axis([train, evals], amap) == "step"
    assert np.allclose(amap.x(evals, "step"), [100, 200, 300])
    assert amap.point(Position(epoch=2), "step") == 200
