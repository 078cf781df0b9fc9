"""Preflight on real tiny models: each planted fault is caught, a correct setup stays quiet, and the user's model,
optimizer and random state are left exactly as they were."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import trainmedic  # noqa: E402


class Classifier(nn.Module):
    """encoder + classifier, like seed 001's BERT head at toy size."""

    def __init__(self, k=4, final=None, bn=False, dropout=0.1):
        super().__init__()
        layers = [nn.Linear(10, 32), nn.ReLU(), nn.Dropout(dropout)]
        if bn:
            layers.insert(1, nn.BatchNorm1d(32))
        self.encoder = nn.Sequential(*layers)
        self.classifier = nn.Linear(32, k)
        self.final = final

    def forward(self, x):
        out = self.classifier(self.encoder(x))
        return self.final(out) if self.final is not None else out


class RNNTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def batch(n=16, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 10, generator=g), torch.arange(n) % k


def codes(rep):
    return {f.code for f in rep.findings if f.severity in ("warning", "error")}


def causes(rep):
    return {d.cause for d in rep.diagnoses}


def test_correct_setup_is_quiet_and_overfits():
    torch.manual_seed(0)
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    rep = trainmedic.preflight(model, batch(), optimizer=opt, overfit_steps=30, max_grad_norm=1.0)
    assert codes(rep) == set(), [f.message.render() for f in rep.findings]
    assert rep.verdict == "healthy"
    tables = {t.key: t for t in rep.tables}
    assert {"parameters", "optimizer_groups", "gradients", "data"} <= set(tables)
    assert tables["optimizer_groups"].rows[0][3:5] == [1e-3, 0.01]
    pf = rep.to_dict()["preflight"]
    assert pf["loss_at_init"] == pytest.approx(math.log(4), abs=0.4)
    assert pf["overfit_losses"][-1] < 0.9 * pf["overfit_losses"][0]


def test_seed001_optimizer_built_from_classifier_only():
    model = Classifier()
    opt = torch.optim.AdamW(model.classifier.parameters(), lr=2e-5)
    rep = trainmedic.preflight(model, batch(), optimizer=opt)
    f = next(f for f in rep.findings if f.code == "TM1002")
    assert f.severity == "error" and f.symptom == "stuck_at_chance"
    assert "encoder" in f.message.render()
    assert rep.diagnoses[0].cause == "optimizer_misses_params"
    params = {r[0]: r for r in rep.tables[0].rows if isinstance(r[0], str)}
    assert params["encoder"][4] == 0 and params["classifier"][4] == 32 * 4 + 4


def test_tiny_trainable_ratio_is_a_frozen_backbone():
    model = nn.Sequential(nn.Linear(10, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 2))
    for p in list(model.parameters())[:4]:
        p.requires_grad_(False)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01)
    rep = trainmedic.preflight(model, batch(k=2), optimizer=opt)
    assert "TM1001" in codes(rep) and "frozen_backbone" in causes(rep)
    assert all(r[0] != 0 or r[2] == 0 for r in rep.tables[0].rows if r[0] == "0")


def test_unused_layer_gets_no_gradient():
    class Unused(Classifier):
        def __init__(self):
            super().__init__()
            self.extra = nn.Linear(32, 32)

    model = Unused()
    rep = trainmedic.preflight(model, batch(), optimizer=torch.optim.Adam(model.parameters(), lr=1e-3))
    f = next(f for f in rep.findings if f.code == "TM1005")
    assert "extra" in f.message.render() and f.symptom == "vanishing_gradient"


def test_nan_inputs_and_labels_out_of_range():
    x, y = batch()
    x[3, 2] = float("nan")
    model = Classifier()
    rep = trainmedic.preflight(model, (x, y), optimizer=torch.optim.Adam(model.parameters()))
    assert "TM1010" in codes(rep) and "bad_input_data" in causes(rep)
    assert "TM1004" in codes(rep)  # the loss is NaN too
    y2 = y.clone()
    y2[0] = 7
    rep = trainmedic.preflight(model, (batch()[0], y2), optimizer=torch.optim.Adam(model.parameters()))
    f = next(f for f in rep.findings if f.code == "TM1011")
    assert "0..7" in f.message.render() and "bad_labels" in causes(rep)
    fix = next(d for d in rep.diagnoses if d.cause == "bad_labels").fixes[0]
    assert (fix.param, fix.from_, fix.to) == ("num_classes", 4, 8)


def test_one_class_batch_and_one_class_eval_loader():
    x, _ = batch()
    model = Classifier()
    eval_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, torch.zeros(16, dtype=torch.long)), batch_size=4, shuffle=True
    )
    rep = trainmedic.preflight(
        model, (x, torch.full((16,), 2)), optimizer=torch.optim.Adam(model.parameters()), eval_loader=eval_loader
    )
    assert {"TM1012", "TM1013"} <= codes(rep)
    assert "degenerate_eval_set" in causes(rep)
    assert {t.key: t for t in rep.tables}["data"].rows == [[2, 16]]


def test_double_softmax_module_and_functional():
    model = Classifier(final=nn.Softmax(dim=-1))
    rep = trainmedic.preflight(model, batch(), optimizer=torch.optim.Adam(model.parameters()))
    f = next(f for f in rep.findings if f.code == "TM1023")
    assert "final" in f.message.render() and "loss_output_mismatch" in causes(rep)

    class Functional(Classifier):
        def forward(self, x):
            return torch.log_softmax(super().forward(x), dim=-1)

    model = Functional()
    ce, nll = nn.CrossEntropyLoss(), nn.NLLLoss()
    rep = trainmedic.preflight(
        model, batch(), loss_fn=lambda m, b: ce(m(b[0]), b[1]), optimizer=torch.optim.Adam(model.parameters())
    )
    assert "TM1023" in codes(rep)
    # LogSoftmax + NLLLoss is correct.
    rep = trainmedic.preflight(
        model, batch(), loss_fn=lambda m, b: nll(m(b[0]), b[1]), optimizer=torch.optim.Adam(model.parameters())
    )
    assert "TM1023" not in codes(rep)


def test_sigmoid_with_bceloss():
    model = Classifier(k=1, final=nn.Sigmoid())
    x, _ = batch()
    y = (torch.arange(16) % 2).float().unsqueeze(1)
    bce, bce_logits = nn.BCELoss(), nn.BCEWithLogitsLoss()
    rep = trainmedic.preflight(
        model, (x, y), loss_fn=lambda m, b: bce(m(b[0]), b[1]), optimizer=torch.optim.Adam(model.parameters())
    )
    assert "TM1024" in codes(rep)
    model = Classifier(k=1)
    rep = trainmedic.preflight(
        model,
        (x, y),
        loss_fn=lambda m, b: bce_logits(m(b[0]), b[1]),
        optimizer=torch.optim.Adam(model.parameters()),
        max_grad_norm=1.0,
    )
    assert codes(rep) == set()


def test_lstm_under_bf16_over_long_sequences_without_clipping():
    model = RNNTagger()
    x = torch.randn(2, 600, 6)
    y = torch.tensor([0, 2])
    rep = trainmedic.preflight(
        model, (x, y), optimizer=torch.optim.Adam(model.parameters()), autocast_dtype=torch.bfloat16
    )
    assert {"TM1020", "TM1021"} <= codes(rep)
    assert {"recurrent_long_sequence", "no_grad_clipping", "mixed_precision_overflow"} <= causes(rep)
    clip = next(d for d in rep.diagnoses if d.cause == "no_grad_clipping").fixes[0]
    assert (clip.param, clip.to) == ("max_grad_norm", 1.0)
    # Short sequences in float32 with clipping: quiet.
    rep = trainmedic.preflight(model, (x[:, :20], y), optimizer=torch.optim.Adam(model.parameters()), max_grad_norm=1.0)
    assert not {"TM1020", "TM1021"} & codes(rep)


def test_batchnorm_with_tiny_per_device_batch():
    model = Classifier(bn=True)
    rep = trainmedic.preflight(model, batch(), optimizer=torch.optim.Adam(model.parameters()), per_device_batch=2)
    assert "TM1022" in codes(rep) and "batchnorm_small_batch" in causes(rep)
    rep = trainmedic.preflight(model, batch(), optimizer=torch.optim.Adam(model.parameters()))
    assert "TM1022" not in codes(rep)


def test_cannot_overfit_with_a_tiny_lr():
    model = Classifier()
    opt = torch.optim.SGD(model.parameters(), lr=1e-9)
    rep = trainmedic.preflight(model, batch(), optimizer=opt, overfit_steps=20)
    assert "TM1030" in codes(rep)
    fix = next(d for d in rep.diagnoses if d.cause == "lr_too_low" and "TM1030" in d.findings).fixes[0]
    assert fix.param == "lr" and fix.to > fix.from_
    assert "TM1008" in codes(rep)  # the update-to-weight ratio says so before any step


def test_hf_dict_batch_with_labels():
    transformers = pytest.importorskip("transformers")
    cfg = transformers.BertConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=32,
        num_labels=4,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(cfg)
    b = {
        "input_ids": torch.randint(1, 50, (8, 12)),
        "attention_mask": torch.ones(8, 12, dtype=torch.long),
        "labels": torch.arange(8) % 4,
    }
    opt = torch.optim.AdamW(model.classifier.parameters(), lr=2e-5)
    rep = trainmedic.preflight(model, b, optimizer=opt)
    assert rep.diagnoses[0].cause == "optimizer_misses_params"
    assert "bert" in next(f for f in rep.findings if f.code == "TM1002").message.render()
    assert rep.to_dict()["preflight"]["num_classes"] == 4
    assert rep.to_dict()["preflight"]["loss_at_init"] == pytest.approx(math.log(4), abs=0.5)
    assert "TM1002" in rep.to_json("zh")


def test_leaves_model_optimizer_and_rng_exactly_as_they_were():
    torch.manual_seed(0)
    model = Classifier(bn=True)
    model.eval()
    model.encoder[0].train()  # a mixed mode the user chose
    model.classifier.bias.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    x, y = batch()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()  # optimizer has state, params have grads
    before_params = {k: v.clone() for k, v in model.state_dict().items()}
    before_grads = {n: (None if p.grad is None else p.grad.clone()) for n, p in model.named_parameters()}
    before_modes = {n: m.training for n, m in model.named_modules()}
    before_rg = {n: p.requires_grad for n, p in model.named_parameters()}
    before_opt = {
        k: {kk: (vv.clone() if torch.is_tensor(vv) else vv) for kk, vv in v.items()}
        for k, v in opt.state_dict()["state"].items()
    }
    torch.manual_seed(123)
    random.seed(5)
    np.random.seed(7)
    rng = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy())
    eval_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4, shuffle=True)
    trainmedic.preflight(model, (x, y), optimizer=opt, overfit_steps=5, eval_loader=eval_loader)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before_params[k]), k  # weights and BatchNorm running stats
    for n, p in model.named_parameters():
        assert (p.grad is None) == (before_grads[n] is None) and (
            p.grad is None or torch.equal(p.grad, before_grads[n])
        )
        assert p.requires_grad == before_rg[n]
    assert {n: m.training for n, m in model.named_modules()} == before_modes
    after_opt = opt.state_dict()["state"]
    for k, v in before_opt.items():
        for kk, vv in v.items():
            assert torch.equal(after_opt[k][kk], vv) if torch.is_tensor(vv) else after_opt[k][kk] == vv
    assert torch.equal(torch.get_rng_state(), rng[0])
    assert random.getstate() == rng[1]
    assert (np.random.get_state()[1] == rng[2]).all()


def _tiny_bert(seed=0):
    transformers = pytest.importorskip("transformers")
    cfg = transformers.BertConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=32,
        num_labels=4,
    )
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(cfg)
    b = {
        "input_ids": torch.randint(1, 50, (8, 12)),
        "attention_mask": torch.ones(8, 12, dtype=torch.long),
        "labels": torch.arange(8) % 4,
    }
    return model, b


def test_healthy_tiny_bert_at_a_fine_tuning_lr_is_not_an_error():
    """30 steps at 2e-5 barely move a BERT's loss: that is thin evidence (info), not a broken setup."""
    model, b = _tiny_bert()
    rep = trainmedic.preflight(model, b, optimizer=torch.optim.AdamW(model.parameters(), lr=2e-5), overfit_steps=30)
    assert codes(rep) == set() and rep.verdict == "healthy"
    [thin] = [f for f in rep.findings if f.code == "TM1030"]
    assert thin.severity == "info" and "too few steps" in thin.message.render()
    assert not rep.diagnoses


def test_overfit_with_no_gradient_reaching_the_weights_is_an_error():
    model, b = _tiny_bert()

    def detached(m, batch):
        out = m(**batch)
        return out.loss.detach().requires_grad_()  # the loss no longer depends on the weights

    rep = trainmedic.preflight(
        model, b, loss_fn=detached, optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3), overfit_steps=5
    )
    f = next(f for f in rep.findings if f.code == "TM1030")
    assert f.severity == "error" and "optimizer_misses_params" in causes(rep)


def test_one_loss_fn_contract_and_a_clear_error_for_a_criterion():
    from trainmedic.lossfn import LossFnError

    model = Classifier()
    with pytest.raises(LossFnError, match=r"loss_fn\(model, batch\).*CrossEntropyLoss.*lambda model, batch"):
        trainmedic.preflight(model, batch(), loss_fn=nn.CrossEntropyLoss())
    with pytest.raises(LossFnError, match="first argument is named 'logits'"):
        trainmedic.preflight(model, batch(), loss_fn=lambda logits, labels: logits.sum())
    with pytest.raises(LossFnError, match="two arguments"):
        trainmedic.preflight(model, batch(), loss_fn=lambda batch: batch)
    # A loss_fn that fails inside is a finding that names the call, not a traceback.
    rep = trainmedic.preflight(model, batch(), loss_fn=lambda m, b: m(b["x"]))
    f = next(f for f in rep.findings if f.code == "TM1000")
    assert "loss_fn(model, batch) raised TypeError" in f.message.render()
    # Dict and tuple returns are fine: the loss is found inside.
    rep = trainmedic.preflight(
        model, batch(), loss_fn=lambda m, b: {"loss": nn.functional.cross_entropy(m(b[0]), b[1])}
    )
    assert rep.to_dict()["preflight"]["loss_at_init"] == pytest.approx(math.log(4), abs=0.4)
