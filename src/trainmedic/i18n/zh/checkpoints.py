"""`trainmedic checkpoints` 的中文消息。"""

MESSAGES = {
    "checkpoints.table.title": "检查点",
    "checkpoints.modules.title": "各模块权重范数",
    "checkpoints.col.checkpoint": "检查点",
    "checkpoints.col.step": "step",
    "checkpoints.col.epoch": "epoch",
    "checkpoints.col.framework": "框架",
    "checkpoints.col.nonfinite_weights": "非有限权重数",
    "checkpoints.col.nonfinite_optimizer": "优化器状态非有限值",
    "checkpoints.col.weight_norm": "权重范数",
    "checkpoints.col.norm_jump": "范数跳变",
    "checkpoints.col.metrics": "该 step 的指标",
    "checkpoints.col.status": "状态",
    "checkpoints.col.module": "模块",
    "checkpoints.status.healthy": "健康",
    "checkpoints.status.broken": "损坏（{reasons}）",
    "checkpoints.status.unsafe": "无法安全读取",
    "checkpoints.status.unreadable": "无法读取（{error}）",
    "checkpoints.finding.nonfinite_weights": "{checkpoint} 含 {nonfinite} 个非有限权重（共 {count} 个检查点受影响）："
                                             "从它恢复只会继续训练 NaN。",
    "checkpoints.finding.norm_jump": "{checkpoint} 的权重范数跳变了 {jump}，超过之前各次保存间跳变的 {factor} 倍："
                                     "发生了一次爆炸性的更新。",
    "checkpoints.finding.run_failed": "{checkpoint} 保存于训练指标已经失败之时或之后（{where}）；共 {count} 个检查点"
                                      "来自失败的训练。",
    "checkpoints.finding.nonfinite_optimizer": "与 {checkpoint} 一起保存的优化器状态含非有限值：即使权重有限，"
                                               "带着它恢复也会重现 NaN。",
    "checkpoints.note.unsafe": "{path} 无法安全读取：它需要完整的反序列化（unpickle），可能执行代码，因此未加载"
                               "（{reason}）。若确认来源可信，请用 safetensors 重新保存其 state_dict。",
    "checkpoints.note.unreadable": "{path} 无法读取：{error}。",
    "checkpoints.note.failure": "训练指标在 {where} 已经失败（{symptom}）。",
    "checkpoints.fix.resume": "从最后一个健康的检查点恢复：{code}",
    "checkpoints.fix.resume.why": "{path} 是第一个损坏检查点之前的最后一个检查点。",
    "checkpoints.fix.delete": "不要从这些检查点恢复、评估或发布：{paths}",
    "checkpoints.fix.delete.why": "它们含非有限或已爆炸的权重，或来自失败之后。",
    "checkpoints.diag.title": "{count} 个检查点已损坏",
    "checkpoints.diag.explain": "权重显示了损坏的结果；原因在训练日志里（对训练目录运行 `trainmedic diagnose`）。"
                                "恢复前先修复原因，否则训练会在同一位置再次失败。",
    "checkpoints.watch.norm": "下次训练关注每次保存之间的权重范数：远大于之前的跳变会先于 NaN 出现。",
    "checkpoints.conclusion.healthy": "所有可读的检查点都健康；最新的是 {path}。",
    "checkpoints.conclusion.broken": "最后一个健康的检查点：{path}；之后的 {count} 个检查点已损坏。恢复方式：{code}。",
    "checkpoints.conclusion.none_healthy": "没有健康的检查点：全部 {count} 个可读检查点都已损坏。",
    "checkpoints.conclusion.none_readable": "没有能安全读取的检查点。",
    "checkpoints.conclusion.unknown": "没有任何检查点可以读取（{reason}），因此无法判定哪个是健康的。",
    "checkpoints.error.missing_extra": "未安装 {module}（pip install 'trainmedic[{extra}]'）",
    "checkpoints.error.unsafe": "{path} 需要完整的反序列化器，可能执行代码（{reason}）",
    "checkpoints.error.unreadable": "{path}：{error}",
    "checkpoints.error.none_read": "没有任何检查点可以读取：{reason}",
}
