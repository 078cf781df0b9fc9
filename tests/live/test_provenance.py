"""NaN provenance: the replay names the module, its dtype and the magnitudes, and disturbs nothing."""

from __future__ import annotations

import pytest
from live_models import ce_loss, make_batches

torch = pytest.importorskip("torch")
nn = torch.nn

import trainmedic  # noqa: E402
from trainmedic.live.provenance import replay  # noqa: E402


class LogitScale(nn.Module):
    """Multiplies logits by a temperature (as CLIP does); a temperature that drifted to 1e5 overflows fp16."""

    def forward(self, logits, scale):
        return logits * torch.tensor(scale)


class Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(16, 32), nn.Tanh())
        self.classifier = nn.Linear(32, 3)
        self.logit_scale = LogitScale()

    def forward(self, x, scale=1.0):
        return self.logit_scale(self.classifier(self.encoder(x)), scale)


def test_fp16_overflow_is_named_with_its_true_magnitude():
    torch.manual_seed(0)
    model = Scaled()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    fp16 = {"device_type": "cpu", "dtype": torch.float16}

    def loss_fn(m, batch):
        x, y, boost = batch
        return nn.functional.cross_entropy(m(x, boost).float(), y)

    monitor = trainmedic.Monitor(model, opt, policy="skip", loss_fn=loss_fn, autocast=fp16)
    results = []
    for i, (x, y) in enumerate(make_batches(8)):
        batch = (x, y, 1e5 if i == 4 else 1.0)
        with torch.autocast(**fp16):
            loss = loss_fn(model, batch)
        loss.backward()
        results.append(monitor.step(loss, batch))
        opt.zero_grad()
    found = results[4].provenance
    assert results[4].action == "skip" and found["module"] == "logit_scale" and found["dtype"] == "fp16"
    assert found["kind"] == "overflow" and found["max_abs"] > 65504 and found["limit"] == 65504
    text = monitor.report().to_text()
    assert "logit_scale (fp16): output overflow" in text and "> 65504" in text


class LeakyLSTM(nn.LSTM):
    """An LSTM whose backward through time produces inf at early timesteps when ``leak`` is set: the injected form
    of the bf16 long-sequence explosion (seed 000), which a tiny CPU test cannot reach naturally."""

    leak = False

    def forward(self, x, hx=None):
        if self.leak:
            x = _InfGradBefore.apply(x, 3)
        return super().forward(x, hx)


class _InfGradBefore(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, t):
        ctx.t = t
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        grad[:, : ctx.t + 1] = float("inf")
        return grad, None


class Tagger(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 8)
        self.lstm = LeakyLSTM(8, 8, batch_first=True).to(torch.bfloat16)  # CPU autocast has no bf16 LSTM kernel
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        h, _ = self.lstm(self.embed(x).to(torch.bfloat16))
        return self.head(h[:, -1].float())


def test_lstm_gradient_blowup_is_named_with_its_timestep():
    torch.manual_seed(0)
    model = Tagger()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = trainmedic.Monitor(model, opt, policy="skip", loss_fn=ce_loss)
    results = []
    for i in range(6):
        x, y = torch.randn(4, 64, 4), torch.randint(0, 2, (4,))
        model.lstm.leak = i == 3
        loss = ce_loss(model, (x, y))
        loss.backward()
        results.append(monitor.step(loss, (x, y)))
        opt.zero_grad()
    found = results[3].provenance
    assert results[3].action == "skip"
    assert found["phase"] == "backward" and found["module"] == "lstm" and found["dtype"] == "bf16"
    assert found["timestep"] == 3
    assert "lstm (bf16): output finite, grad inf at timestep 3" in monitor.report().to_text()


def test_replay_restores_buffers_rng_and_gradients(classifier):
    x, y = make_batches(1)[0]
    ce_loss(classifier, (x, y)).backward()
    grads = [p.grad.clone() for p in classifier.parameters()]
    buffers = [b.clone() for b in classifier.buffers()]
    rng = torch.get_rng_state()
    bad = x.clone()
    bad[1, 3] = float("inf")
    found = replay(classifier, (bad, y), ce_loss)
    assert found["phase"] == "input" and found["kind"] == "inf"
    assert all(torch.equal(a, p.grad) for a, p in zip(grads, classifier.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(buffers, classifier.buffers()))
    assert torch.equal(rng, torch.get_rng_state())


def test_nothing_is_replayed_on_healthy_steps(classifier, monkeypatch):
    import trainmedic.live.provenance as provenance

    monkeypatch.setattr(provenance, "replay", lambda *a, **k: pytest.fail("replayed a healthy step"))
    opt = torch.optim.SGD(classifier.parameters(), lr=0.1)
    monitor = trainmedic.Monitor(classifier, opt, loss_fn=ce_loss)
    for batch in make_batches(5):
        ce_loss(classifier, batch).backward()
        monitor.step(ce_loss(classifier, batch).detach(), batch)
        opt.zero_grad()
