"""仅凭日志能说出的原因的中文消息：NaN 时精度未知，以及缺少 zero_grad。"""

MESSAGES = {
    "cause.mixed_precision_overflow.title_unknown": "半精度溢出（运行没有说明其精度）",
    "cause.mixed_precision_overflow.unknown": "读到的信息都没有说明这次运行是否使用 fp16 或 bf16；混合精度训练中的大多数 NaN 来自超过 "
    "fp16 上限 65504 的数值（注意力分数、很大的损失、循环状态），它们先变成 inf，再变成 "
    "NaN。",
    "cause.mixed_precision_overflow.at_init": "第一个非有限值出现在任何更新都还不可能造成它之前（在记录的第一步，或学习率为 0 "
    "时）：前向传播本身就溢出了，这指向精度或输入，而不是步长。",
    "cause.fix.check_precision.action": "检查运行是否用 fp16/bf16 训练（AMP、`--fp16`、`precision=16`）；如果是，用 float32 "
    "重跑一个批次",
    "cause.fix.check_precision.why": "一个批次在 float32 下有限而在 fp16 下是 NaN，就说明原因是精度",
    "cause.missing_zero_grad.title": "梯度在步与步之间累加（缺少 optimizer.zero_grad()）",
    "cause.missing_zero_grad.rebound": "{series} 从 {first} 降到 {low}，然后一个点接一个点平滑地回升到 {last}：这正是把过去"
    "所有梯度加在一起的更新（没有 zero_grad）的形状，它像没有摩擦的球一样冲过最小值。",
    "cause.missing_zero_grad.grad_grows": "梯度范数一步步增长，正如过去梯度之和那样",
    "cause.fix.zero_grad.action": "每一步调用一次 `optimizer.zero_grad()`，放在 `loss.backward()` 之前（或用 "
    "`set_to_none=True`）；有梯度累积时，只在 `optimizer.step()` 之后调用",
    "cause.fix.zero_grad.why": "每一步都必须从零梯度开始，否则它应用的是之前所有梯度之和",
    "cause.lr_schedule_decayed.title": "学习率调度已把学习率衰减到零",
    "cause.lr_schedule_decayed.explanation": "从{where}起记录的学习率为 0，而训练仍在继续：调度{scheduler, select, none {{lr, select, none {} other {（基础学习率 {lr}）}}} other {（调度器 {scheduler}{lr, select, none {} other {，基础学习率 {lr}}}）}}已经把它衰减没了，所以没有哪一步会改变权重，损失只能停在原处。",
    "cause.fix.check_scheduler.action": "检查调度：阶梯调度的里程碑和 gamma、调度器是否每轮（而不是每批）调用一次、学习率是否被乘了两次",
    "cause.fix.check_scheduler.why": "学习率为零时，训练多久都学不到东西",
    "cause.fix.print_lr.action": "用足够的位数记录学习率（例如 `{{lr:.2e}}`）",
    "cause.fix.print_lr.why": "打印成 0.000000 的学习率看不出是 1e-7 还是恰好为 0",
}
