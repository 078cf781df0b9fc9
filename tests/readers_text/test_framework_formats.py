"""Each framework's console output is read through the text-log reader: small samples shaped as the frameworks
print them, and the series, positions and settings a user would expect from each."""

from __future__ import annotations

import math

import pytest
from readers_text_helpers import points

from trainmedic.readers import load_run


def _read(tmp_path, text: str, name: str = "train.log"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_run([p])


def test_tqdm_bars_with_a_printed_tensor_glued_after_them(tmp_path):
    run = _read(
        tmp_path,
        "".join(
            f" {p}%|██▉       | {b}/658 [02:39<06:15,  1.24it/s]loss tensor({v}, device='cuda:0', "
            f"grad_fn=<BinaryCrossEntropyBackward>)\n"
            for p, b, v in ((29, 192, 0.6868), (30, 197, 0.6876), (31, 202, 0.6883))
        ),
    )
    assert points(run.series["train/loss"]) == [(192, None, 0.6868), (197, None, 0.6876), (202, None, 0.6883)]


def test_lightning_progress_bar_only_log(tmp_path):
    lines = [
        f"Epoch 0:  14%|█▍        | {b}/704 [00:44<04:29,  2.24it/s, v_num=11, train_loss_step={v}]"
        for b, v in ((100, 4.605), (100, 4.605), (101, 4.601), (102, 4.598))
    ]
    run = _read(tmp_path, "\n".join(lines) + "\n")
    assert points(run.series["train/loss"]) == [(100, 0.142, 4.605), (101, 0.1435, 4.601), (102, 0.1449, 4.598)]
    assert not any("v_num" in name for name in run.series)  # the logger's version number is no metric


def test_keras_history_pasted_as_a_markdown_table(tmp_path):
    rows = "\n".join(f"{e} | {a} | {lo}" for e, a, lo in ((1, 1, 10698.17), (2, 0.99375, 9863.7), (3, 0.51, 96.2)))
    run = _read(tmp_path, "epoch | test_accuracy | test_loss\n-- | -- | --\n" + rows + "\n")
    assert points(run.series["eval/acc"]) == [(None, 1.0, 1.0), (None, 2.0, 0.99375), (None, 3.0, 0.51)]
    assert len(run.series["eval/loss"]) == 3


def test_mxnet_speedometer_lines(tmp_path):
    run = _read(
        tmp_path,
        "".join(
            f"2021-08-12 05:44:0{b},294 Epoch[{e}] Batch[{b}] Speed: 2.38 samples/sec,  IDLoss={v},\n"
            for e, b, v in ((0, 1, 45.7), (0, 2, 46.0), (0, 3, "nan"), (1, 1, "nan"))
        ),
    )
    loss = run.series["train/id_loss"]
    assert loss.step.tolist() == [1, 2, 3, 4] and math.isnan(loss.values[2]) and loss.values[0] == 45.7


def test_fairseq_legacy_progress_summaries_and_running_averages(tmp_path):
    text = (
        "| epoch 015  4000 / 8223 loss=0.73 (0.96), wps=963, wpb=915, bsz=32, lr=0.001, clip=100%, gnorm=1.81\n"
        "| epoch 015  8000 / 8223 loss=3.33 (0.92), wps=961, wpb=906, bsz=32, lr=0.001, clip=100%, gnorm=1.79\n"
        "| epoch 015 | train loss 0.92 | train ppl 1.89 | s/checkpoint    7748 | words/s    961 | lr 0.001000\n"
        "| epoch 015 | valid on 'valid' subset  1000 / 1311 loss=1.27\n"
        "| epoch 015 | valid on 'valid' subset | valid loss 1.57 | valid ppl 2.97\n"
        "| epoch 016  1000 / 8223 loss=0.56 (0.86), wps=961, wpb=905, bsz=32, lr=0.001, clip=100%, gnorm=1.71\n"
    )
    run = _read(tmp_path, text)
    # the instant value, never the running mean in parentheses; the epoch summary apart from the progress lines
    assert run.series["train/loss"].values.tolist() == [0.73, 3.33, 0.56]
    assert run.series["train/loss"].step.tolist() == [14 * 8223 + 4000, 14 * 8223 + 8000, 15 * 8223 + 1000]
    assert points(run.series["train/loss_epoch"]) == [(15 * 8223, 15.0, 0.92)]
    assert points(run.series["eval/loss"]) == [(15 * 8223, 15.0, 1.57)]  # not the partial validation's 1.27
    assert not any(name.endswith(("/wps", "/wpb", "/bsz")) for name in run.series)


def test_fairseq_summary_with_num_updates_and_loss_scale_warnings(tmp_path):
    text = (
        "| epoch 027 | loss 6.343 | nll_loss 4.984 | ppl 31.65 | num_updates 10198 | lr 0.000626 | gnorm 0.39 "
        "| loss_scale 0.500 | wall 23080\n"
        "| epoch 027 | valid on 'valid' subset | valid_loss 8.30118 | valid_nll_loss 7.15 | valid_ppl 142.39\n"
        "| WARNING: overflow detected, setting loss scale to: 0.25\n"
        "| WARNING: overflow detected, setting loss scale to: 0.125\n"
        "| WARNING: minimum loss scale reached (0.0001). Your loss is probably exploding.\n"
    )
    run = _read(tmp_path, text)
    scale = run.series["train/loss_scale"]
    assert scale.values.tolist() == [0.5, 0.25, 0.125] and set(scale.step.tolist()) == {10198.0}
    assert points(run.series["eval/loss"]) == [(10198, 27.0, 8.30118)]
    assert "eval/nll_loss" in run.series  # a loss of its own, not an eval set named `nll`
    warnings = run.events_of("warning")
    assert [e.data.get("loss_scale") for e in warnings[:2]] == [0.25, 0.125]
    assert any(e.data.get("loss_scale_floor") for e in warnings)


def test_mmcv_and_mmengine_lines(tmp_path):
    text = (
        "2019-07-30 10:06:35,303 - INFO - Epoch [1][650/58633]\tlr: 0.02000, eta: 3 days, 0:11:00, time: 0.370, "
        "data_time: 0.003, memory: 3791, loss_cls: 0.5771, acc: 91.3262, loss: 1.1476\n"
        "2024/05/07 12:40:23 - mmengine - INFO - Iter(train) [1510/2046]  lr: 3.3994e-05  eta: 0:29:39  "
        "time: 24.9128  data_time: 22.0483  memory: 15266  loss: 0.7818  grad_norm: 0.0005\n"
        "2024/05/07 12:40:52 - mmengine - INFO - Iter(train) [1520/2046]  lr: 3.2813e-05  eta: 0:29:04  "
        "time: 2.9010  data_time: 0.0192  memory: 15266  loss: 0.7605  grad_norm: 0.0005\n"
    )
    run = _read(tmp_path, text)
    assert run.series["train/loss"].values.tolist() == [1.1476, 0.7818, 0.7605]
    assert run.series["train/loss"].step.tolist()[1:] == [1510.0, 1520.0] and run.config.get("max_steps") == 2046
    assert not any("memory" in n or "time" in n for n in run.series)


def test_llamafactory_and_ms_swift_dict_lines(tmp_path):
    text = (
        "[INFO|2024-12-08 01:09:59] llamafactory.train.callbacks:157 >> {'loss': 0.0000, 'learning_rate': 4.9985e-05,"
        " 'epoch': 0.03}\n"
        "{'loss': 0.0, 'grad_norm': nan, 'learning_rate': 4.998452110450943e-05, 'epoch': 0.03}\n"
        "{'loss': 0.21932983, 'grad_norm': 0.5717, 'learning_rate': 6.8e-07, 'memory(GiB)': 63.16, "
        "'train_speed(iter/s)': 0.011239, 'epoch': 0.89, 'global_step/max_steps': '78/176', 'percentage': '44.32%'}\n"
    )
    run = _read(tmp_path, text)
    # LLaMA-Factory prints each event twice (rounded, then the Trainer's own): one point, the precise value
    assert run.series["train/lr"].values.tolist() == [4.998452110450943e-05, 6.8e-07]
    assert math.isnan(run.series["train/grad_norm"].values[0]) and len(run.series["train/loss"]) == 2
    assert run.series["train/loss"].step.tolist()[-1] == 78 and run.config.get("max_steps") == 176
    assert not any("memory" in n or "speed" in n or "percentage" in n for n in run.series)


def test_glog_and_caffe_solver_lines(tmp_path):
    text = (
        "I1128 08:59:24.073550 14972 solver.cpp:397]     Test net output #0: Accuracy1 = 0.1\n"
        "I1128 08:59:24.073571 14972 solver.cpp:397]     Test net output #1: SoftmaxWithLoss1 = 87.3362 "
        "(* 1 = 87.3362 loss)\n"
        "I1128 08:59:24.187857 14972 solver.cpp:218] Iteration 1170 (6.24905 iter/s, 62.4095s/390 iters), "
        "loss = 87.3363\n"
        "I1128 08:59:24.187876 14972 solver.cpp:237]     Train net output #0: SoftmaxWithLoss1 = 87.3365 "
        "(* 1 = 87.3365 loss)\n"
        "I1128 08:59:24.187881 14972 sgd_solver.cpp:105] Iteration 1170, lr = 0.1\n"
        "I1128 09:00:11.118723 14972 solver.cpp:330] Iteration 1560, Testing net (#0)\n"
        "I1128 09:00:26.506765 14972 solver.cpp:397]     Test net output #0: Accuracy1 = 0.1\n"
    )
    run = _read(tmp_path, text)
    assert points(run.series["train/loss"]) == [(1170, None, 87.3363)]  # the solver's, once
    assert points(run.series["eval/acc"]) == [(1170, None, 0.1), (1560, None, 0.1)]
    assert points(run.series["eval/loss"]) == [(1170, None, 87.3362)]


def test_caffe_train_net_outputs_are_the_batch_loss_beside_the_smoothed_loss(tmp_path):
    """The solver's `Iteration N, loss = X` (averaged over its last iterations) stays `train/loss`; the train net's
    outputs give the loss of the displayed batch, its weighted loss outputs added up (GoogLeNet's three heads)."""

    def block(it: int, smoothed: float, heads: tuple) -> str:
        out = (
            f"I0515 11:05:31.873651 37636 solver.cpp:239] Iteration {it} (1.02 iter/s, 19.4s/20 iters), "
            f"loss = {smoothed}\n"
        )
        for k, (name, value, weight) in enumerate(heads):
            out += (
                f"I0515 11:05:31.873690 37636 solver.cpp:258]     Train net output #{k}: {name} = {value}"
                + (f" (* {weight} = {value * weight:g} loss)" if weight else "")
                + "\n"
            )
        return out + f"I0515 11:05:31.873761 37636 sgd_solver.cpp:112] Iteration {it}, lr = 0.01\n"

    text = "".join(
        block(it, sm, (("loss1/loss1", v1, 0.3), ("loss1/top-1", 0.001, None), ("loss3/loss3", v3, 1)))
        for it, sm, v1, v3 in ((0, 9.1, 6.9, 7.0), (20, 6.9077, 6.9078, 6.9078), (40, 6.9076, 6.9078, 6.9078))
    )
    run = _read(tmp_path, text)
    assert points(run.series["train/loss"]) == [(0, None, 9.1), (20, None, 6.9077), (40, None, 6.9076)]
    batch = run.series["train/batch_loss"]
    assert batch.step.tolist() == [0, 20, 40]
    assert batch.values.tolist() == pytest.approx([0.3 * 6.9 + 7.0, 1.3 * 6.9078, 1.3 * 6.9078], abs=1e-4)


def test_spacy_training_table(tmp_path):
    text = (
        "E    #       LOSS TOK2VEC  LOSS NER  ENTS_F  ENTS_P  ENTS_R  SCORE \n"
        "---  ------  ------------  --------  ------  ------  ------  ------\n"
        "  0       0          0.00     49.29    0.00    0.00    0.00    0.00\n"
        "  0     200         13.87   1545.61   47.45   52.33   43.40    0.47\n"
        "  1     400         24.01    710.32   61.80   64.02   59.73    0.62\n"
    )
    run = _read(tmp_path, text)
    assert run.series["train/ner_loss"].step.tolist() == [0, 200, 400]
    assert run.series["eval/score"].values.tolist() == [0.0, 0.47, 0.62]
    assert "train/tok2vec_loss" in run.series and "eval/ents_f" in run.series


def test_allennlp_split_table_in_its_stdout(tmp_path):
    text = (
        "2022-09-19 20:28:43,879 - INFO - allennlp.training.trainer - Epoch 0/9\n"
        "2022-09-19 20:36:19,622 - INFO - allennlp.training.tensorboard_writer -        Training |  Validation\n"
        "2022-09-19 20:36:19,623 - INFO - allennlp.training.tensorboard_writer - loss      |  0.510  |  0.543\n"
        "2022-09-19 20:36:19,624 - INFO - allennlp.training.tensorboard_writer - cpu_memory_MB |  1580.612  |  "
        "N/A\n"
        "2022-09-19 20:36:19,625 - INFO - allennlp.training.tensorboard_writer - accuracy  |  0.721  |  0.762\n"
    )
    run = _read(tmp_path, text)
    assert run.series["train/loss"].values.tolist() == [0.51] and run.series["eval/loss"].values.tolist() == [0.543]
    assert run.series["eval/acc"].values.tolist() == [0.762] and not any("memory" in n for n in run.series)


def test_megatron_argument_dump_and_validation_lines(tmp_path):
    text = (
        "------------------------ arguments ------------------------\n"
        "  lr .............................................. 0.00015\n"
        "  micro_batch_size ................................ 2\n"
        "  clip_grad ....................................... 1.0\n"
        " iteration     1000/    5000 | learning rate: 4.608E-05 | lm loss: 5.544420E+00 | loss scale: 65536.0 |\n"
        " validation loss at iteration 1000 | lm loss value: 6.439325E+00 | lm loss PPL: 6.259840E+02 | \n"
    )
    run = _read(tmp_path, text)
    assert (run.config.get("lr"), run.config.get("per_device_batch"), run.config.get("max_grad_norm")) == (
        0.00015,
        2,
        1.0,
    )
    assert points(run.series["eval/loss"]) == [(1000, None, 6.439325)] and "eval/ppl" in run.series


def test_pytorch_example_lines_with_counts_out_of_a_total(tmp_path):
    text = (
        "Train Epoch: 1 [0/50000 (0%)]\tLoss: 2.303388\tLR: 0.1\n"
        "Train Epoch: 1 [25600/50000 (51%)]\tLoss: 2.233992\tLR: 0.1\n"
        "\nTest set: Average loss: 2.9473, Accuracy: 1000/10000 (10.00%)\n"
    )
    run = _read(tmp_path, text)
    assert run.series["train/loss"].epoch.tolist() == [0.0, 0.512]
    assert run.series["eval/acc"].values.tolist() == [0.1]  # 1000 of 10000, not 1000
    assert run.series["eval/loss"].values.tolist() == [2.9473]  # `Average loss` is the loss


def _flair(batches: list, every: int = 1) -> list:
    """flair's ModelTrainer lines: each print is the mean of the epoch's batch losses so far (8 decimals)."""
    lines = []
    for e, losses in enumerate(batches, 1):
        for k in range(every, len(losses) + 1, every):
            mean = sum(losses[:k]) / k
            lines.append(
                f"2020-02-03 04:46:{k:02d},000 epoch {e} - iter {k}/{len(losses)} - loss {mean:.8f} - samples/sec: 0.55"
            )
        lines.append(f"2020-02-03 04:47:00,000 EPOCH {e} done: loss {sum(losses) / len(losses):.4f} - lr 0.0250")
    return lines


def test_flair_running_means_become_the_batches_losses(tmp_path):
    batches = [[0.12, 0.19, 0.04, 0.03, 0.15, 27.6, 0.03, 0.06], [0.11, 0.08, 0.09, 0.05, 0.07, 0.06, 0.04, 0.05]]
    run = _read(tmp_path, "\n".join(_flair(batches)) + "\n")
    loss = run.series["train/loss"]
    assert [round(v, 4) for v in loss.values] == [x for epoch in batches for x in epoch]  # the spike is one point
    assert loss.step.tolist() == list(range(1, 17))
    notes = [n.render("en") for s in run.sources for n in s.notes]
    assert any("train/loss" in n and "mean of the epoch so far" in n and "16 points" in n for n in notes), notes
    every_other = _read(tmp_path, "\n".join(_flair(batches, every=2)) + "\n", "every2.log").series["train/loss"]
    assert [round(v, 4) for v in every_other.values][:4] == [0.155, 0.035, 13.875, 0.045]  # two batches a print


def test_a_loop_printing_its_batch_loss_in_the_same_words_is_left_as_printed(tmp_path):
    lines = [f"epoch 1 - iter {k}/4 - loss {v}" for k, v in ((1, 0.9), (2, 0.7), (3, 0.8), (4, 0.6))]
    loss = _read(tmp_path, "\n".join(lines) + "\n").series["train/loss"]
    assert loss.values.tolist() == [0.9, 0.7, 0.8, 0.6]  # no `samples/sec`: not flair's running mean
