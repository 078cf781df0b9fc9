MESSAGES = {
    # Where something happened in a run (findings.Position.where)
    "where.step_epoch": "step {step} (epoch {epoch})",
    "where.step": "step {step}",
    "where.epoch": "epoch {epoch}",
    "where.index": "point {index}",
    "core.verdict.healthy": "healthy",
    "core.verdict.warning": "warning",
    "core.verdict.failed": "failed",
    "core.verdict.unknown": "unknown",
    "errors.missing_extra": "{feature} needs {module}, which is not installed: pip install 'trainmedic[{extra}]'",
}
