"""NaN in a few inputs -> NaN loss, Lightning.

Three rows of the feature matrix hold NaN (a failed join left missing values). The first batch that contains one
gives a NaN loss; AdamW writes NaN into every weight and every later loss is NaN. Nothing is injected at run time:
the fault is in the data, where it is in real runs.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from ..common import feature_data, fresh_dir, set_seed, write_truth
from ..lightning_run import LitClassifier, first_nonfinite_row, loaders, read_metrics, train_lightning

LEARNING_RATE = 3e-3
BATCH_SIZE = 32
EPOCHS = 3
NAN_ROWS = (700, 1400, 1900)
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Fit on data with NaN rows; truth: nonfinite at the first logged NaN train loss."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    x, y = feature_data(2000, seed=seed)
    x[list(NAN_ROWS), 3] = float("nan")
    vx, vy = feature_data(400, seed=seed + 100)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 4))
    module = LitClassifier.build(model, lr=LEARNING_RATE, batch_size=BATCH_SIZE)
    tl, vl = loaders((x, y), (vx, vy), BATCH_SIZE, seed)
    rows = read_metrics(train_lightning(out_dir, module, tl, vl, max_epochs=EPOCHS, log_every_n_steps=1))
    bad = first_nonfinite_row(rows, "train_loss")
    return write_truth(
        out_dir,
        scenario="lightning_nan_inputs",
        seed=seed,
        framework="lightning",
        symptoms=["nonfinite"],
        cause="bad_input_data",
        first_bad={"step": bad, "series": "train/loss", "how": "first NaN train_loss row in metrics.csv"},
        inputs=["lightning_logs"],
        fix=["drop or impute the rows with NaN features (torch.isfinite(x).all(dim=1))"],
        measured={"first_nonfinite_step": bad, "nan_rows": list(NAN_ROWS)},
    )
