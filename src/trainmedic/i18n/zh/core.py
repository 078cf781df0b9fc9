MESSAGES = {
    "core.verdict.healthy": "健康",
    "core.verdict.warning": "警告",
    "core.verdict.failed": "失败",
}
