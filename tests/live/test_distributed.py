"""torch.distributed (DDP, gloo, 2 processes on CPU): a NaN on one rank only, and a loss outlier seen by one rank
only. No hang, every rank takes the same decision at the same step, the weights stay identical, only rank 0 writes."""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import timedelta

import pytest

torch = pytest.importorskip("torch")
mp = pytest.importorskip("torch.multiprocessing")

STEPS = 14
NAN_STEP, OUTLIER_STEP = 5, 9  # batch indices: NaN in rank 1's batch; a loss offset on rank 0 only


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out_dir: str, tests_dir: str) -> None:
    import torch.distributed as dist

    sys.path.insert(0, tests_dir)
    from live_models import Classifier, make_batches

    import trainmedic

    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world, timeout=timedelta(seconds=60)
    )
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(Classifier())
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    def loss_fn(m, batch):
        return torch.nn.functional.cross_entropy(m(batch[0]), batch[1])

    monitor = trainmedic.Monitor(
        model,
        opt,
        policy="skip",
        skip_spikes=True,
        spike_min_history=4,
        loss_fn=loss_fn,
        log_path=f"{out_dir}/live-rank{rank}.jsonl",
    )
    actions = []
    for i, (x, y) in enumerate(make_batches(STEPS, seed=rank)):
        if i == NAN_STEP and rank == 1:
            x[2, 5] = float("nan")
        loss = loss_fn(model, (x, y))
        if i == OUTLIER_STEP and rank == 0:
            loss = loss + 1000.0  # a constant: the same gradients, a loss only this rank sees as an outlier
        loss.backward()
        actions.append(monitor.step(loss, (x, y)).action)
        opt.zero_grad()
    monitor.close()
    weights = torch.cat([p.detach().flatten() for p in model.parameters()])
    everyone = [torch.zeros_like(weights) for _ in range(world)]
    dist.all_gather(everyone, weights)
    same = all(torch.equal(everyone[0], w) for w in everyone)
    provenance = monitor.provenance or {}
    with open(f"{out_dir}/rank{rank}.json", "w") as fh:
        json.dump(
            {
                "actions": actions,
                "same_weights": same,
                "provenance": provenance,
                "finite": bool(torch.isfinite(weights).all()),
            },
            fh,
            default=str,
        )
    dist.barrier()  # both ranks are done with gloo before either tears it down
    dist.destroy_process_group()
    # Leave at once: gloo's threads can abort the interpreter's own shutdown ("terminate called without an active
    # exception"), which would fail a run whose results are already written.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def test_ddp_ranks_agree_on_every_skip(tmp_path):
    ctx = mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), os.path.dirname(__file__)), nprocs=2, join=False)
    deadline = 120
    import time

    start = time.monotonic()
    while not ctx.join(timeout=5):
        if time.monotonic() - start > deadline:
            for p in ctx.processes:
                p.kill()
            pytest.fail("a rank hung")
    r0 = json.loads((tmp_path / "rank0.json").read_text())
    r1 = json.loads((tmp_path / "rank1.json").read_text())
    expected = ["step"] * STEPS
    expected[NAN_STEP] = expected[OUTLIER_STEP] = "skip"
    assert r0["actions"] == r1["actions"] == expected
    assert r0["same_weights"] and r1["same_weights"] and r0["finite"]
    # Rank 0 reports the provenance found on rank 1, whose batch held the NaN.
    assert r0["provenance"]["rank"] == 1 and r0["provenance"]["phase"] == "input"
    assert r0["provenance"]["module"] == "encoder.0"
    assert (tmp_path / "live-rank0.jsonl").exists() and not (tmp_path / "live-rank1.jsonl").exists()
