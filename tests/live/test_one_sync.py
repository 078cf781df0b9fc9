"""A healthy monitored step reads one small tensor back to the host, whatever the policy: the path taken on an
accelerator, where each read waits for the device. (On the CPU a read is a memory access, and the Monitor reads
the few 0-d values one by one, which is cheaper than stacking them; the test runs the accelerator's path.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from live_models import Classifier, ce_loss, make_batches

torch = pytest.importorskip("torch")

import trainmedic  # noqa: E402

PACKAGE = str(Path(trainmedic.__file__).parent)

# Every Tensor method that copies a value to the host (and so waits for the device).
HOST_READS = ("item", "tolist", "cpu", "numpy", "__bool__", "__float__", "__int__")


@pytest.mark.parametrize("policy", ["observe", "skip", "rollback", "stop"])
def test_one_host_read_per_healthy_step(policy, monkeypatch, tmp_path):
    torch.manual_seed(0)
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    monitor = trainmedic.Monitor(model, opt, policy=policy, loss_fn=ce_loss, log_path=tmp_path / "live.jsonl")
    monitor._reads_free = False  # as on a GPU
    batches = make_batches(6)
    for batch in batches[:3]:  # warm up: the first steps may set things up
        loss = ce_loss(model, batch)
        loss.backward()
        monitor.step(loss, batch)
        opt.zero_grad()

    calls: list = []
    for name in HOST_READS:
        original = getattr(torch.Tensor, name)

        def counted(self, *a, _name=name, _original=original, **kw):
            caller = sys._getframe(1).f_code.co_filename
            if PACKAGE in caller:  # reads by trainmedic itself; torch's own optimizer step reads its step count
                calls.append(f"{_name} in {caller}")
            return _original(self, *a, **kw)

        monkeypatch.setattr(torch.Tensor, name, counted)
    for batch in batches[3:]:
        loss = ce_loss(model, batch)
        loss.backward()
        before = len(calls)
        monitor.step(loss, batch)
        assert len(calls) - before <= 1, calls[before:]
        opt.zero_grad()
    monitor.close()
