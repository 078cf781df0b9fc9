"""处方的中文用语：代码写在哪里，以及某条修复为何被略去。"""

MESSAGES = {
    "framework.where.torch_clip": "放在 loss.backward() 与 optimizer.step() 之间",
    "framework.where.accelerate_clip": "放在 accelerator.backward(loss) 与 optimizer.step() 之间",
    "framework.where.torch_autocast": "包住前向计算和损失计算（使用 bf16 时不需要 GradScaler）",
    "framework.where.configure_optimizers": "写在 configure_optimizers() 中",
    "prescription.dropped.already": "配置中 {param} 已经是 {value}",
    "prescription.dropped.clipped": "梯度已经被裁剪（max_grad_norm 为 {value}）",
    "prescription.dropped.warmup_long": "预热已经占了整个运行的 {pct}%",
    "prescription.dropped.other_value": "可能性更高的原因把 {param} 设为 {value}",
    "prescription.dropped.conflict": "它与 {param} 的修改相矛盾",
}
