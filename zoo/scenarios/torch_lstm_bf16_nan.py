"""LSTM head over long sequences in bf16 -> NaN, plain PyTorch (the seed-000 failure, small).

An embedding + linear encoder feeds a bf16 ``nn.LSTM`` over 128-token sequences under
``torch.autocast("cpu", dtype=torch.bfloat16)``, Adam, no gradient clipping. On real hardware the gradient of
backpropagation through thousands of steps overflows after hours; on a CPU in seconds it does not, so the
overflow is INJECTED (see truth.json "injected"): at one step a backward hook turns the recurrent weight's gradient
into inf, as the overflowing BPTT product would. Everything after is real: Adam writes NaN into the weights, every
later loss is NaN, the eval loss is NaN and accuracy falls to whatever one class scores.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..common import VOCAB, batches, console_log, copy_training_script, fresh_dir, keyword_data, set_seed, write_truth
from ..torch_loop import LoopConfig, tensorboard_writer, train_loop

SEQ_LEN = 128
LEARNING_RATE = 2e-3
BATCH_SIZE = 16
EPOCHS = 2
MAX_GRAD_NORM = 0.0
PRECISION = "bf16"
INJECT_AT_STEP = 45
SEEDS = (0,)


class EncoderLSTM(nn.Module):
    """Token encoder (embedding + linear) with an LSTM head kept in bf16."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 32)
        self.encoder = nn.Sequential(nn.Linear(32, 32), nn.GELU())
        self.lstm = nn.LSTM(32, 32, batch_first=True).to(torch.bfloat16)
        self.head = nn.Linear(32, 4)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.encoder(self.embed(ids)).to(torch.bfloat16))
        return self.head(out[:, -1].float())


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train until the injected overflow; truth: nonfinite at the injected step as logged."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train, val = keyword_data(640, SEQ_LEN, seed=seed), keyword_data(128, SEQ_LEN, seed=seed + 100)
    model = EncoderLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    calls = {"n": 0}

    def overflow(grad: torch.Tensor) -> torch.Tensor:
        calls["n"] += 1
        return torch.full_like(grad, float("inf")) if calls["n"] == INJECT_AT_STEP else grad

    model.lstm.weight_hh_l0.register_hook(overflow)
    writer = tensorboard_writer(out_dir)
    with console_log(out_dir / "console.log"):
        print(
            f"Namespace(model='encoder+lstm', max_len={SEQ_LEN}, lr={LEARNING_RATE}, batch_size={BATCH_SIZE}, "
            f"bf16=True, max_grad_norm={MAX_GRAD_NORM})"
        )
        hist = train_loop(
            model,
            opt,
            lambda e: batches(train, BATCH_SIZE, seed=seed, epoch=e),
            (val.input_ids, val.labels),
            LoopConfig(epochs=EPOCHS, log_every=5, autocast=torch.bfloat16),
            writer=writer,
        )
    writer.close()
    copy_training_script(out_dir, __file__)
    bad = hist.first_nonfinite_step()
    return write_truth(
        out_dir,
        scenario="torch_lstm_bf16_nan",
        seed=seed,
        framework="pytorch",
        symptoms=["nonfinite"],
        also_symptoms=["metric_collapse"],
        cause="recurrent_long_sequence",
        also_acceptable=["mixed_precision_overflow", "no_grad_clipping"],
        first_bad={"step": bad, "series": "train/loss", "how": "first logged non-finite loss"} if bad else None,
        inputs=["console.log", "tb", "train.py"],
        injected=f"the LSTM recurrent weight gradient is set to inf by a backward hook at step {INJECT_AT_STEP}, "
        "standing in for the bf16 BPTT overflow a long run hits; the NaN that follows is real",
        fix=[
            {"param": "max_grad_norm", "from": MAX_GRAD_NORM, "to": 1.0},
            "run the LSTM in float32 (autocast disabled for that module)",
        ],
        measured={"first_nonfinite_step": bad, "evals": hist.evals},
    )
