"""Causes, fixes, checkpoint advice and narrative on runs shaped like the seed cases."""

from seeds_synthetic import healthy, seed000, seed001, seed002, seed003, seed004

from trainmedic.engine import diagnose_run


def report(run):
    return diagnose_run(run).to_dict()


def causes(d):
    return [x["cause"] for x in d["diagnoses"]]


def fixes(d, param):
    return [fx["to"] for x in d["diagnoses"] for fx in x["fixes"] if fx.get("param") == param]


def test_lstm_bf16_long_sequence_ranked_with_fp32_head_fix_and_checkpoints():
    d = report(seed000())
    assert causes(d)[:3] == ["recurrent_long_sequence", "mixed_precision_overflow", "no_grad_clipping"]
    assert 1.0 in fixes(d, "max_grad_norm")
    actions = " ".join(fx.get("action", "") for x in d["diagnoses"] for fx in x["fixes"])
    assert "float32" in actions and "autocast" in actions and "5 processes" in actions
    assert d["checkpoints"]["last_healthy"].endswith("checkpoint-2000")
    assert [p.rsplit("-", 1)[1] for p in d["checkpoints"]["broken"]] == ["2500", "3000", "3500"]
    assert "checkpoint-2000" in d["checkpoints"]["resume"]


def test_frozen_backbone_explains_trainable_share_and_expected_count():
    d = report(seed001())
    assert causes(d)[0] == "frozen_backbone"
    text = d["diagnoses"][0]["explanation"]
    assert "0.15%" in text and "260,356" in text and "168,441,604" in text and "21M" in text
    assert "classifier" in text
    assert 0 in fixes(d, "freeze_layers")


def test_batch_lr_mismatch_with_baseline_rescales_lr_and_warmup():
    d = report(seed002())
    assert causes(d)[:2] == ["batch_lr_mismatch", "warmup_peak_instability"]
    assert 2.5e-05 in fixes(d, "lr")
    assert 5000 in fixes(d, "warmup_steps")
    top = d["diagnoses"][0]["explanation"]
    assert "summed" in top and "64" in top and "192" in top
    assert "15000" in d["diagnoses"][1]["explanation"]
    assert d["checkpoints"]["last_healthy"].endswith("rag_bert.model.ep1")
    assert len(d["checkpoints"]["broken"]) == 4


def test_batch_suspect_without_baseline_gives_no_invented_number():
    d = report(seed002(with_baseline=False))
    assert "batch_lr_mismatch" in causes(d)[:3]
    bl = next(x for x in d["diagnoses"] if x["cause"] == "batch_lr_mismatch")
    assert all("param" not in fx for fx in bl["fixes"])


def test_vanilla_rnn_oscillation_clipping_first_and_lr_to_3e_4():
    d = report(seed003())
    top = causes(d)[:3]
    assert top[0] == "no_grad_clipping" and "recurrent_long_sequence" in top and "lr_too_high" in top
    assert 0.0003 in fixes(d, "lr")
    assert any("cnn2" in n and "rnn" in n for n in d.get("notes", []))


def test_divergence_before_nan_blames_lr_and_multi_gpu_skip_is_agreed():
    d = report(seed004())
    top = causes(d)[:3]
    assert top[0] == "lr_too_high"
    assert {"mixed_precision_overflow", "degenerate_eval_set"} <= set(top)
    assert 5e-05 in fixes(d, "lr") and 1.0 in fixes(d, "max_grad_norm")
    actions = " ".join(fx.get("action", "") for x in d["diagnoses"] for fx in x["fixes"])
    assert "all 2 processes" in actions and "validation labels" in actions
    assert any("Thin evidence" in n for n in d.get("notes", []))
    assert any("2.193" in c and "0.4974" in c for c in d["evidence_chain"])


def test_healthy_run_concludes_healthy_without_diagnoses():
    d = report(healthy(3))
    assert d["verdict"] == "healthy" and d["diagnoses"] == []
    assert d["conclusion"].startswith("Healthy")


def test_chinese_report_renders_every_message():
    d = diagnose_run(seed000()).to_dict("zh")
    blob = str(d)
    assert "cause." not in blob and "narrative." not in blob and "rule.TM" not in blob
    assert "检查点" in d["checkpoints"]["resume"]
