MESSAGES = {
    "core.verdict.healthy": "healthy",
    "core.verdict.warning": "warning",
    "core.verdict.failed": "failed",
    "core.verdict.unknown": "unknown",
}
