MESSAGES = {
    # Where something happened in a run (findings.Position.where)
    "where.step_epoch": "第 {step} 步（第 {epoch} 轮）",
    "where.step": "第 {step} 步",
    "where.epoch": "第 {epoch} 轮",
    "where.index": "第 {index} 个点",
    "core.verdict.healthy": "健康",
    "core.verdict.warning": "警告",
    "core.verdict.failed": "失败",
    "core.verdict.unknown": "未知",
    "errors.missing_extra": "{feature} 需要 {module}，但它没有安装：pip install 'trainmedic[{extra}]'",
}
