"""控制台日志、编码与配置读取器的中文消息。"""

MESSAGES = {
    "readers_text.unreadable": "无法读取（{why}）",
    "readers_text.empty": "空文件",
    "readers_text.binary": "二进制文件，不是文本日志",
    "readers_text.no_numbers": "没有找到任何数字：不是训练日志",
    "readers_text.no_metrics": "没有找到训练指标（没有 `loss: 0.5`、`Epoch 1/5 | Train Loss: ...` "
                               "或 `{{'loss': 0.5, 'epoch': 0.1}}` 这样的行）",
    "readers_text.ranks": "日志中交错着 {ranks, plural, other {#}} 个进程的输出；保留了 rank {kept} 的",
    "readers_text.skipped_lines": "跳过了 {count, plural, other {#}} 行：应为整数的位置出现了无法取整的数（如 `Epoch: inf`）",
    "readers_text.config_too_large": "作为配置文件过大（{size} 字节）",
    "readers_text.config_syntax": "无法解析（{why}）",
    "readers_text.config_binary": "二进制文件，不是配置文件或脚本",
    "readers_text.hf_default_clipping": "TrainingArguments 未设置 max_grad_norm，使用默认值 1.0",
}
