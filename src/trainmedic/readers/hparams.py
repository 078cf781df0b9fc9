"""Hyperparameter dictionaries (Lightning ``hparams.yaml``, MLflow params, W&B config) -> RunConfig keys.

Nested dictionaries are flattened and each leaf key is mapped with the shared spelling table of
:mod:`.config_keys` (``lr``/``learning_rate``/``base_lr`` -> ``lr``, ``gradient_clip_val`` -> ``max_grad_norm``,
``16-mixed`` -> ``fp16`` ...), keeping the file each value came from.
"""

from __future__ import annotations

from ..run import RunConfig
from .config_keys import apply


def flatten(data: dict, prefix: str = "") -> dict:
    """Nested dicts -> one level with ``a.b`` keys."""
    out: dict = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def apply_hparams(data: dict, config: RunConfig, source: str) -> int:
    """Set the RunConfig keys that ``data`` spells (first value wins); returns how many keys it mapped."""
    count = 0
    for key, value in flatten(data).items():
        if value is None or isinstance(value, (dict, list)):
            continue
        leaf = str(key).replace("/", ".").rsplit(".", 1)[-1]
        if apply(config, leaf, value, source, None) is not None:
            count += 1
    return count
