MESSAGES = {
    "core.verdict.healthy": "健康",
    "core.verdict.warning": "警告",
    "core.verdict.failed": "失败",
    "core.verdict.unknown": "未知",
}
