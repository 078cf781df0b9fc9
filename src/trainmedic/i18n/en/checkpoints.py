"""English messages of `trainmedic checkpoints`."""

MESSAGES = {
    "checkpoints.table.title": "Checkpoints",
    "checkpoints.modules.title": "Weight norm per module",
    "checkpoints.col.checkpoint": "checkpoint",
    "checkpoints.col.step": "step",
    "checkpoints.col.epoch": "epoch",
    "checkpoints.col.framework": "framework",
    "checkpoints.col.nonfinite_weights": "non-finite weights",
    "checkpoints.col.nonfinite_optimizer": "non-finite optimizer state",
    "checkpoints.col.weight_norm": "weight norm",
    "checkpoints.col.norm_jump": "norm jump",
    "checkpoints.col.metrics": "metrics at this step",
    "checkpoints.col.status": "status",
    "checkpoints.col.module": "module",
    "checkpoints.status.healthy": "healthy",
    "checkpoints.status.broken": "broken ({reasons})",
    "checkpoints.status.unsafe": "not safely readable",
    "checkpoints.status.unreadable": "unreadable ({error})",
    "checkpoints.finding.nonfinite_weights": "{checkpoint} holds {nonfinite} non-finite weights ({count, plural, one {# checkpoint} other {# checkpoints}} affected): resuming from it trains NaN.",
    "checkpoints.finding.norm_jump": "The weight norm of {checkpoint} jumped by {jump}, more than {factor}x the "
    "earlier jumps between saves: an exploding update.",
    "checkpoints.finding.run_failed": "{checkpoint} was saved at or after the point where the run's metrics had already failed ({where}); {count, plural, one {# checkpoint is} other {# checkpoints are}} from the failed run.",
    "checkpoints.finding.nonfinite_optimizer": "The optimizer state saved with {checkpoint} holds non-finite values: "
    "resuming with it replays the NaN even where the weights are finite.",
    "checkpoints.note.unsafe": "{path} is not safely readable: it needs a full unpickler, which can execute code. It "
    "was not loaded ({reason}). If you trust its origin, re-save its state_dict with "
    "safetensors.",
    "checkpoints.note.unreadable": "{path} could not be read: {error}.",
    "checkpoints.note.failure": "The run's metrics had already failed at {where} ({symptom}).",
    "checkpoints.fix.resume": "Resume from the last healthy checkpoint: {code}",
    "checkpoints.fix.resume.why": "{path} is the last checkpoint before the first broken one.",
    "checkpoints.fix.delete": "Do not resume from, evaluate or ship: {paths}",
    "checkpoints.fix.delete.why": "They hold non-finite or exploded weights, or come from after the failure.",
    "checkpoints.diag.title": "{count, plural, one {# broken checkpoint} other {# broken checkpoints}}",
    "checkpoints.diag.explain": "The weights show the damage; the cause is in the run's logs (run `trainmedic "
    "diagnose` on the run folder). Fix it before resuming, or the run will fail again at "
    "the same point.",
    "checkpoints.watch.norm": "Watch the weight norm between saves in the next run: a jump far above the earlier ones "
    "comes before the NaN.",
    "checkpoints.conclusion.healthy": "All readable checkpoints are healthy; the latest is {path}.",
    "checkpoints.conclusion.broken": "Last healthy checkpoint: {path}; {count, plural, one {the checkpoint after it is broken} other {the # checkpoints after it are broken}}. Resume with {code}.",
    "checkpoints.conclusion.none_healthy": "No healthy checkpoint: all {count} readable checkpoints are broken.",
    "checkpoints.conclusion.none_readable": "No checkpoint could be read safely.",
    "checkpoints.conclusion.unknown": "No checkpoint could be read ({reason}), so none can be called healthy.",
    "checkpoints.error.missing_extra": "{module} is not installed (pip install 'trainmedic[{extra}]')",
    "checkpoints.error.unsafe": "{path} needs a full unpickler, which can execute code ({reason})",
    "checkpoints.error.unreadable": "{path}: {error}",
    "checkpoints.error.none_read": "no checkpoint could be read: {reason}",
}
