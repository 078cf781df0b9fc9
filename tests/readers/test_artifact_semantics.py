"""What the numbers of an artifact mean: no logged point merged away, summaries and running means kept apart,
rows written twice and restarted runs resolved, epoch- and step-level series apart."""

from __future__ import annotations

import json
import math

from trainmedic.readers import load_run


def _write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_trainer_console_without_steps_keeps_every_logged_line(tmp_path):
    lines = [
        str({"loss": round(2.0 - i / 1000, 4), "learning_rate": 2e-05, "epoch": round(i / 2000 * 3, 2)})
        for i in range(2000)
    ]
    lines.append(
        str(
            {
                "train_runtime": 812.3,
                "train_samples_per_second": 19.7,
                "train_steps_per_second": 2.46,
                "train_loss": 1.2,
                "epoch": 3.0,
            }
        )
    )
    log = _write(tmp_path, "console.log", "\n".join(lines) + "\n")
    run = load_run([log])
    loss = run.series["train/loss"]
    # 2,000 logging events, not the ~300 distinct rounded epochs; the final summary (a whole-run mean) is no point
    assert len(loss) == 2000 and loss.axis == "index" and loss.values[-1] == round(2.0 - 1999 / 1000, 4)
    cmd = _write(tmp_path, "cmd.txt", "python train.py --logging_steps 50 --learning_rate 2e-5\n")
    run = load_run([log, cmd])
    loss = run.series["train/loss"]
    assert loss.axis == "step" and loss.step[:3].tolist() == [50.0, 100.0, 150.0] and loss.step[-1] == 100000.0
    assert any("logging_steps = 50" in n.render() for s in run.sources for n in s.notes)


def test_masked_nan_is_kept_as_logged(tmp_path):
    text = "".join(
        str({"loss": v, "grad_norm": g, "learning_rate": 1e-4, "epoch": 0.05}) + "\n"
        for v, g in ((1.968, 2.1), (0.0, float("nan")), (0.0, float("nan")), (0.0, float("nan")))
    )
    run = load_run([_write(tmp_path, "log.txt", text)])
    assert run.series["train/loss"].values.tolist() == [1.968, 0.0, 0.0, 0.0]
    grad = run.series["train/grad_norm"].values
    assert len(grad) == 4 and math.isnan(grad[1]) and math.isnan(grad[3])


def test_a_restarted_console_log_is_segments_where_the_later_one_wins(tmp_path):
    steps = [10, 20, 30, 40, 50, 30, 40, 50, 60]
    text = "".join(f"step {s} loss {1.0 / (i + 1):.4f}\n" for i, s in enumerate(steps))
    run = load_run([_write(tmp_path, "train.log", text)])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [10, 20, 30, 40, 50, 60]
    assert loss.values.tolist()[2:] == [round(1 / 6, 4), round(1 / 7, 4), round(1 / 8, 4), round(1 / 9, 4)]
    assert any("restarted once" in n.render() for n in run.sources[0].notes)


def test_running_averages_beside_instant_values_are_not_the_series(tmp_path):
    text = (
        "Epoch: [0]  [ 0/209]  eta: 0:03:06  lr: 0.0001  loss: 0.5737 (0.5737)  time: 0.8938\n"
        "Epoch: [0]  [10/209]  eta: 0:02:13  lr: 0.0001  loss: 0.5818 (0.6080)  time: 0.6731\n"
        "step 20 | loss: 0.53 (avg: 0.71)\n"
    )
    run = load_run([_write(tmp_path, "train.log", text)])
    assert run.series["train/loss"].values.tolist() == [0.5737, 0.5818, 0.53]
    assert not any("avg" in name for name in run.series)


def test_eval_every_tenth_epoch_keeps_its_own_positions(tmp_path):
    text = "".join(
        f"Epoch {e}: train_loss={1 / e:.4f}" + (f", val_loss={1.5 / e:.4f}" if e % 10 == 0 else "") + "\n"
        for e in range(1, 31)
    )
    run = load_run([_write(tmp_path, "train.log", text)])
    assert run.series["eval/loss"].epoch.tolist() == [10.0, 20.0, 30.0]
    assert len(run.series["train/loss"]) == 30


def test_loss_scale_lines_of_fp16_optimizers_become_a_series_and_events(tmp_path):
    text = (
        "step 100 loss 2.5\n"
        "Gradient overflow.  Skipping step, loss scaler 0 reducing loss scale to 32768.0\n"
        "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 32768, reducing to 16384\n"
        "step 101 loss 2.4\n"
    )
    run = load_run([_write(tmp_path, "train.log", text)])
    assert run.series["train/loss_scale"].values.tolist() == [32768.0, 16384.0]
    assert [e.data.get("loss_scale") for e in run.events_of("warning")] == [32768.0, 16384.0]


def test_csv_rows_written_twice_and_a_restart_keep_one_point_per_step(tmp_path):
    rows = ["step,loss", "10,1.0", "10,1.0", "20,0.9", "20,0.9", "30,0.8", "20,0.85", "30,0.75", "40,0.7"]
    run = load_run([_write(tmp_path, "history.csv", "\n".join(rows) + "\n")])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [10, 20, 30, 40] and loss.values.tolist() == [1.0, 0.85, 0.75, 0.7]


def test_keras_csvlogger_bare_accuracy_is_the_training_score(tmp_path):
    text = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.28,1.78,0.17,1.90\n1,0.36,1.48,0.32,1.52\n"
    run = load_run([_write(tmp_path, "training.log.csv", text)])
    assert run.series["train/acc"].values.tolist() == [0.28, 0.36]
    assert run.series["eval/acc"].values.tolist() == [0.17, 0.32]


def test_lightning_val_and_test_of_one_metric_stay_apart(tmp_path):
    text = (
        "epoch,step,test_loss,train_loss,val_accuracy,val_loss\n0,49,,0.63,,\n0,99,,0.19,,\n0,99,,,0.97,0.07\n"
        "1,199,,0.08,,\n1,199,,,0.98,0.05\n1,199,0.03,,,\n"
    )
    run = load_run([_write(tmp_path, "metrics.csv", text)])
    assert run.series["eval/loss"].values.tolist() == [0.07, 0.05]
    assert run.series["eval/test/loss"].values.tolist() == [0.03]


def test_sentence_transformers_evaluator_csv(tmp_path):
    text = "epoch,steps,cosine_pearson,cosine_spearman\n0,-1,0.816,0.811\n1,-1,0.861,0.859\n2,-1,0.862,0.860\n"
    run = load_run([_write(tmp_path, "similarity_evaluation_sts-dev_results.csv", text)])
    s = run.series["eval/cosine_pearson"]
    assert s.axis == "epoch" and s.epoch.tolist() == [0, 1, 2]  # `-1` steps mean "the end of the epoch"


def test_ultralytics_results_csv_with_padded_headers(tmp_path):
    header = ["epoch", "train/box_loss", "metrics/precision(B)", "metrics/mAP50-95(B)", "val/box_loss", "lr/pg0"]
    rows = [[0, 1.6878, 0.1762, 0.05583, 2.335, 0.070545], [1, 1.267, 0.34394, 0.12497, 2.2896, 0.040284]]
    text = "\n".join(",".join(f"{c:>23}" for c in line) for line in [header] + rows) + "\n"
    run = load_run([_write(tmp_path, "results.csv", text)])
    assert run.series["eval/precision"].values.tolist() == [0.1762, 0.34394]
    assert run.series["eval/map50_95"].epoch.tolist() == [0, 1] and "eval/box/loss" in run.series
    assert "train/box_loss" in run.series


def test_detectron2_metrics_json_after_a_resume(tmp_path):
    rows = [
        {
            "iteration": 19,
            "total_loss": 2.17,
            "loss_cls": 0.72,
            "lr": 1.6e-05,
            "data_time": 0.004,
            "fast_rcnn/cls_accuracy": 0.48,
            "eta_seconds": 99.8,
        },
        {
            "iteration": 19,
            "total_loss": 2.15,
            "loss_cls": 0.71,
            "lr": 1.6e-05,
            "data_time": 0.004,
            "fast_rcnn/cls_accuracy": 0.49,
            "eta_seconds": 97.6,
        },
        {
            "iteration": 39,
            "total_loss": 1.88,
            "loss_cls": 0.59,
            "lr": 3.2e-05,
            "data_time": 0.004,
            "fast_rcnn/cls_accuracy": 0.75,
            "eta_seconds": 86.4,
        },
    ]
    run = load_run([_write(tmp_path, "metrics.json", "\n".join(json.dumps(r) for r in rows) + "\n")])
    assert run.series["train/loss"].values.tolist() == [2.15, 1.88]  # the resumed iteration 19 wins
    assert run.series["train/fast_rcnn_cls_acc"].step.tolist() == [19, 39]  # a training-batch statistic
    assert not any("time" in n or "eta" in n for n in run.series)


def test_llamafactory_trainer_log_jsonl(tmp_path):
    rows = [
        {
            "current_steps": s,
            "total_steps": 30,
            "loss": lo,
            "learning_rate": 1e-05,
            "epoch": s / 30,
            "percentage": s / 30 * 100,
            "elapsed_time": "0:00:24",
            "remaining_time": "5:58:33",
        }
        for s, lo in ((10, 2.5), (20, 2.1), (30, 1.9))
    ]
    rows.append({"current_steps": 30, "total_steps": 30, "epoch": 1.0, "percentage": 100.0})
    run = load_run([_write(tmp_path, "trainer_log.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")])
    assert run.series["train/loss"].step.tolist() == [10, 20, 30] and run.config.get("max_steps") == 30
    assert set(run.series) == {"train/loss", "train/lr"}


def test_allennlp_metrics_per_epoch_and_its_summary(tmp_path):
    for e, (tl, vl) in enumerate(((0.51, 0.54), (0.45, 0.52), (0.40, 0.55))):
        _write(
            tmp_path,
            f"metrics_epoch_{e}.json",
            json.dumps(
                {
                    "epoch": e,
                    "best_epoch": 1,
                    "training_loss": tl,
                    "validation_loss": vl,
                    "training_accuracy": 0.7 + e / 10,
                    "training_cpu_memory_MB": 1580.6,
                    "training_duration": "0:07:35",
                    "best_validation_loss": 0.52,
                }
            ),
        )
    _write(
        tmp_path,
        "metrics.json",
        json.dumps({"best_epoch": 1, "training_duration": "0:21:00", "training_loss": 0.40, "validation_loss": 0.55}),
    )
    run = load_run(sorted(tmp_path.iterdir()))
    assert run.series["eval/loss"].epoch.tolist() == [0, 1, 2]
    assert run.series["eval/loss"].values.tolist() == [0.54, 0.52, 0.55]
    assert set(run.series) == {"train/loss", "eval/loss", "train/acc"}
    summary = [s for s in run.sources if s.path.endswith("/metrics.json")]
    assert summary and summary[0].skipped and "summary" in summary[0].notes[0].render()


def test_a_console_counting_epochs_from_1_beside_a_csv_counting_from_0_is_one_curve(tmp_path):
    _write(tmp_path, "history.csv", "epoch,loss,val_loss\n0,1.7801,1.8975\n1,1.4794,1.5191\n2,1.3516,1.3385\n")
    _write(
        tmp_path,
        "console.log",
        "Epoch 1/3\n - loss: 1.7801 - val_loss: 1.8975\nEpoch 2/3\n"
        " - loss: 1.4794 - val_loss: 1.5191\nEpoch 3/3\n - loss: 1.3516 - val_loss: 1.3385\n",
    )
    run = load_run([tmp_path / "history.csv", tmp_path / "console.log"])
    assert run.series["train/loss"].epoch.tolist() == [0, 1, 2]  # not a fourth point at epoch 3
