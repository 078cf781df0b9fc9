"""What the Hugging Face and Lightning callbacks add per step over the bare Monitor they drive.

A small MLP (the one of bench/live_overhead.py) trained by each framework's Trainer with the callback, policy
``skip``. Every event method of the callback is timed (the ones it leaves to the base class too: the framework
calls them), and so are the Monitor calls made inside them (``judge``, ``discard``, ``after``) and, for the HF
Trainer, the callback's wrappers around ``training_step`` and ``_get_grad_norm`` (outer time minus the wrapped
call). The callback's extra cost of a step is (events + wrappers - Monitor), median over steps after a warm-up.
The timers' own cost stays in (an empty timed call is measured and printed beside): an upper bound.

    python -m bench.live_callbacks [--steps 600]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch

pc = time.perf_counter
WARMUP = 100  # steps left out: the probe's first 50 steps, the first flushes


def _timer_cost() -> float:
    """Seconds one timed call adds (measured on an empty function)."""
    acc = [0.0]
    f = _timed(lambda: None, acc, 0)
    n = 20000
    t0 = pc()
    for _ in range(n):
        f()
    return (pc() - t0) / n - 0.05e-6  # an untimed lambda call is about 0.05 us


def _timed(fn, acc: list, slot: int):
    def wrapper(*args, **kwargs):
        t0 = pc()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[slot] += pc() - t0

    return wrapper


class Ledger:
    """Per-step sums: [events, monitor, wrapper outer, wrapped inner] and the count of timed calls in each."""

    def __init__(self) -> None:
        self.steps: list = []
        self.now = [0.0, 0.0, 0.0, 0.0]
        self.calls = [0, 0]

    def next_step(self) -> None:
        self.steps.append((tuple(self.now), tuple(self.calls)))
        self.now[:] = [0.0, 0.0, 0.0, 0.0]  # in place: the timers hold this list
        self.calls[:] = [0, 0]

    def extra_us(self) -> float:
        """Median over the steps after WARMUP of (events + wrappers - Monitor), in us."""
        extra = [events + outer - inner - monitor for (events, monitor, outer, inner), _ in self.steps[WARMUP:]]
        return 1e6 * statistics.median(extra)

    def events_per_step(self) -> float:
        """Median count of event calls a step."""
        return statistics.median(c[0] for _, c in self.steps[WARMUP:])


def _count(fn, ledger: Ledger, slot: int):
    def wrapper(*args, **kwargs):
        ledger.calls[slot] += 1
        return fn(*args, **kwargs)

    return wrapper


def _instrument_events(cb, ledger: Ledger, first_event: str) -> None:
    """Time every ``on_*`` method of callback ``cb`` (instance attributes shadow the class's)."""
    for name in dir(cb):
        if name.startswith("on_") and callable(getattr(cb, name)):
            f = _count(_timed(getattr(cb, name), ledger.now, 0), ledger, 0)
            if name == first_event:
                inner = f

                def f(*args, _inner=inner, **kwargs):
                    ledger.next_step()
                    return _inner(*args, **kwargs)

            setattr(cb, name, f)


def _instrument_monitor(monitor, ledger: Ledger) -> None:
    for name in ("judge", "discard", "after"):
        setattr(monitor, name, _timed(getattr(monitor, name), ledger.now, 1))


def _mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(128, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )


def hf_extra(steps: int) -> tuple:
    """(median extra us a step, event calls a step) of the HF callback."""
    import transformers

    from trainmedic.integrations import hf

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp()

        def forward(self, x, labels=None):
            logits = self.net(x)
            return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}

    g = torch.Generator().manual_seed(0)
    data = [{"x": torch.randn(128, generator=g), "labels": int(i % 10)} for i in range(64 * 16)]
    ledger = Ledger()
    cb = hf.TrainMedicCallback("skip", announce=False)
    _instrument_events(cb, ledger, "on_step_begin")

    class Clock(transformers.TrainerCallback):
        """After the guard's on_train_begin: time its wrappers and its Monitor."""

        def on_train_begin(self, args, state, control, **kwargs):
            _instrument_monitor(cb.monitor, ledger)
            trainer.training_step = _timed(trainer.training_step, ledger.now, 2)
            trainer._get_grad_norm = _timed(trainer._get_grad_norm, ledger.now, 2)

    with tempfile.TemporaryDirectory() as tmp:
        args = transformers.TrainingArguments(
            output_dir=tmp,
            max_steps=steps,
            per_device_train_batch_size=64,
            learning_rate=1e-3,
            logging_steps=10**6,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            disable_tqdm=True,
            max_grad_norm=1.0,
        )
        trainer = transformers.Trainer(model=Model(), args=args, train_dataset=data, callbacks=[cb, Clock()])
        # the wrapped calls, timed inside the callback's wrappers (installed before it wraps them)
        trainer.training_step = _count(_timed(trainer.training_step, ledger.now, 3), ledger, 1)
        trainer._get_grad_norm = _count(_timed(trainer._get_grad_norm, ledger.now, 3), ledger, 1)
        trainer.train()
    return ledger.extra_us(), ledger.events_per_step()


def lightning_extra(steps: int) -> tuple:
    """(median extra us a step, event calls a step) of the Lightning callback."""
    import lightning.pytorch as pl

    from trainmedic.integrations import lightning as tl

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp()

        def training_step(self, batch, batch_idx):
            return torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    g = torch.Generator().manual_seed(0)
    batches = [(torch.randn(64, 128, generator=g), torch.randint(0, 10, (64,), generator=g)) for _ in range(16)]
    ledger = Ledger()
    cb = tl.TrainMedicCallback("skip", announce=False)
    _instrument_events(cb, ledger, "on_train_batch_start")

    class Clock(pl.Callback):
        def on_train_start(self, trainer, module):
            _instrument_monitor(cb.monitor, ledger)

    with tempfile.TemporaryDirectory() as tmp:
        cb.log_path = f"{tmp}/live.jsonl"
        trainer = pl.Trainer(
            max_steps=steps,
            accelerator="cpu",
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=[cb, Clock()],
            default_root_dir=tmp,
        )
        loader = torch.utils.data.DataLoader(batches, batch_size=None)
        trainer.fit(Module(), train_dataloaders=loader)
    return ledger.extra_us(), ledger.events_per_step()


def main(argv: list | None = None) -> dict:
    """Measure both callbacks; returns {"hf_us": ..., "lightning_us": ..., "timer_us": ...}."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=600)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    hf_us, hf_events = hf_extra(args.steps)
    pl_us, pl_events = lightning_extra(args.steps)
    out = {
        "steps": args.steps,
        "timer_us": 1e6 * _timer_cost(),
        "hf_us": hf_us,
        "hf_events": hf_events,
        "lightning_us": pl_us,
        "lightning_events": pl_events,
    }
    print(
        f"HF callback: +{hf_us:.1f} us a step over the Monitor ({hf_events:g} events); Lightning: +{pl_us:.1f} us "
        f"({pl_events:g} events); an empty timed call costs {out['timer_us']:.2f} us"
    )
    return out


if __name__ == "__main__":
    main()
