"""Tiny real models and loops for the live tests (a few thousand parameters, a few dozen steps, CPU)."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn


class Classifier(nn.Module):
    """Linear encoder + classifier head; ``boost`` multiplies the head's input (an fp16 overflow when large)."""

    def __init__(self, d_in: int = 16, hidden: int = 32, classes: int = 3) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, hidden), nn.Tanh())
        self.norm = nn.BatchNorm1d(hidden)
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.classifier(self.norm(self.encoder(x)))


def make_batches(n: int, *, seed: int = 0, d_in: int = 16, classes: int = 3, batch: int = 16) -> list:
    """A learnable synthetic task: the class is the argmax of the first ``classes`` features."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        x = torch.randn(batch, d_in, generator=g)
        out.append((x, x[:, :classes].argmax(dim=1)))
    return out


def ce_loss(model, batch):
    x, y = batch
    return nn.functional.cross_entropy(model(x), y)


def state_of(model, optimizer) -> dict:
    """Deep copies of the model and optimizer state, to compare before and after a step."""
    return {"model": copy.deepcopy(model.state_dict()), "optimizer": copy.deepcopy(optimizer.state_dict())}


def assert_same_state(a: dict, b: dict) -> None:
    for k, v in a["model"].items():
        assert torch.equal(v, b["model"][k]), k
    sa, sb = a["optimizer"]["state"], b["optimizer"]["state"]
    assert sa.keys() == sb.keys()
    for pid in sa:
        for k, v in sa[pid].items():
            assert torch.equal(torch.as_tensor(v), torch.as_tensor(sb[pid][k])), (pid, k)


class OutputPoison:
    """Makes a module's output NaN while ``on`` is set: a fault of the model's numerics, not of the data (the batch
    stays finite), the case where rolling back and lowering the lr is the remedy."""

    def __init__(self, module) -> None:
        self.on = False
        module.register_forward_hook(lambda m, args, out: out * float("nan") if self.on else out)
