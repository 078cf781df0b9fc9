"""崩溃规则（TM950）的中文消息。"""

MESSAGES = {
    "rule.TM950.summary": "运行因异常而终止（Python 回溯或 CUDA 设备端断言）",
    "rule.TM950.what": "找出控制台日志结尾处的异常——Python 回溯的最后一行，或 CUDA 内核的 `Assertion ... failed` / "
    "`device-side assert triggered`——并把它放在最后一个记录步之后的那一步。",
    "rule.TM950.why": "崩溃的运行没有产出最终模型，无论此前的曲线看起来如何；而异常的文字通常已经指出原因（标签超出类别范围、"
    "形状不匹配、显存不足）。",
    "rule.TM950.example": "一个 4 类模型在第 40 步之后出现 `IndexError: Target 4 is out of bounds.`。",
    "rule.TM950.fix": "阅读异常那一行及其上方的调用帧；修正它指出的数据或配置，然后从崩溃前保存的最后一个检查点恢复。",
    "rule.TM950.message": "运行在{where}崩溃：{line}（{source}）。",
    "rule.TM950.ev_last": "崩溃前记录的最后一个点",
    "narrative.symptom.crash": "{where, select, none {} other {{where}，}}训练崩溃了",
}
