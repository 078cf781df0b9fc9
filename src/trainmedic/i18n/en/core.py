MESSAGES = {
    "core.verdict.healthy": "healthy",
    "core.verdict.warning": "warning",
    "core.verdict.failed": "failed",
}
