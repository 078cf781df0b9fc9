"""`trainmedic compare` 的中文消息。"""

MESSAGES = {
    "compare.table.title": "配置对比",
    "compare.table.setting": "配置项",
    "compare.table.differs_col": "不同",
    "compare.table.differs": "是",
    "compare.table.reduction_inferred": "{value}（推断：典型 loss {loss}）",
    "compare.axis.samples": "曲线按已见样本数对齐（step × 有效 batch），batch 不同的两次训练在同一训练进度上比较。",
    "compare.axis.epoch": "曲线按 epoch 对齐（两次训练每个 epoch 看到相同的数据）。",
    "compare.axis.step": "曲线按 step 对齐：其中一次训练的有效 batch 未知，无法换算样本数。",
    "compare.no_common_series": "两次训练没有同名的 loss 或指标，未比较曲线。",
    "compare.no_parting": "曲线没有分离：所有共有的 loss 和指标都在对方的噪声范围内。",
    "compare.no_batch": "其中一次训练的有效 batch 未知（单卡 batch、梯度累积、卡数）；请一并提供启动脚本或配置以比较学习率缩放。",
    "compare.evidence.run": "训练 {run}",
    "compare.where.both": "第 {epoch} 个 epoch（step {step}）",
    "compare.where.epoch": "第 {epoch} 个 epoch",
    "compare.where.step": "step {step}",
    "compare.finding.parted": "{series} 在{where}分离：{a} {value_a}，{b} {value_b}；此后 {worse} 更差。",
    "compare.finding.mismatch.sum": "有效 batch {eb_ref} → {eb_chg}（{ratio} 倍），{lr_same, select, yes {学习率仍为 {lr_chg}} other {学习率 {lr_ref} → {lr_chg}}}。"
    "loss 按 batch 求和，每步更新因此大了 {ratio} 倍。",
    "compare.finding.mismatch.mean": "有效 batch {eb_ref} → {eb_chg}（{ratio} 倍），{lr_same, select, yes {学习率仍为 {lr_chg}} other {学习率 {lr_ref} → {lr_chg}}}："
    "比线性缩放规则允许的值（{linear}）还高。",
    "compare.finding.mismatch.unknown": "有效 batch {eb_ref} → {eb_chg}（{ratio} 倍），{lr_same, select, yes {学习率仍为 {lr_chg}} other {学习率 {lr_ref} → {lr_chg}}}；"
    "loss 的归约方式未知，若为求和，每步更新大了 {ratio} 倍。",
    "compare.fix.lr.keep_product": "loss 按 batch 求和，梯度本身已随 batch 增大：保持 学习率 × 有效 batch 不变"
    "（{lr_ref} × {eb_ref} / {eb_chg} = {rec}）。",
    "compare.fix.lr.sqrt": "平方根规则，mean loss 下的保守选择：{lr_ref} × sqrt({eb_chg}/{eb_ref}) = {rec}"
    "（线性规则为 {linear}）。",
    "compare.fix.lr.linear": "mean loss 的线性规则：{lr_ref} × {eb_chg}/{eb_ref} = {rec}。",
    "compare.fix.warmup": "保持以样本数计的预热长度：{warm_ref, plural, other {# 步}} × {eb_ref} / {eb_chg} = {to, plural, other {# 步}}（与稳定训练相同的 {samples} 个样本）。",
    "compare.fix.keep_batch.action": "把有效批量保持在 {eb}：每个设备的批量为 {pdb}，{accum, plural, =1 {不做梯度累积} other {梯度累积 # 步}}",
    "compare.fix.keep_batch.why": "稳定训练的学习率 {lr} 是针对有效 batch {eb} 调好的。",
    "compare.diag.title": "有效 batch {eb_ref} → {eb_chg}，学习率仍为 {lr_chg}：学习率没有随之缩放",
    "compare.diag.explain.sum": "loss 在几百的量级（典型值 {loss}），说明 loss 是对 batch 求和而不是取平均："
    "梯度和更新量 学习率 × 梯度 都随 batch 增大。相同学习率下 {chg} 的步长是 {ref} 的 "
    "{ratio} 倍。保持 学习率 × batch 不变得到 {rec}。",
    "compare.diag.explain.mean": "mean loss 下更大的 batch 不会放大梯度，但 {chg} 的学习率 {lr_chg} 超出了两种缩放规则"
    "对其 batch 允许的值（线性 {linear}，平方根 {sqrt}）。",
    "compare.diag.explain.unknown": "loss 的归约方式未知。若为求和，步长随 batch 增大，需保持 学习率 × batch 不变"
    "（{keep}）；若为平均，平方根规则给出 {sqrt}。建议取较小的值。",
    "compare.diag.warmup.title": "warmup 结束、学习率到达峰值后曲线分离",
    "compare.diag.warmup.explain": "{chg} 的 warmup 在 step {warm} 结束；曲线在 step {step} 分离，即满学习率 {lr} "
    "下的第一次评估。warmup 掩盖了过大的步长。",
    "compare.batch_ok.sum": "有效 batch {eb_ref} → {eb_chg}，学习率 {lr_ref} → {lr_chg}：对求和 loss，学习率 × batch "
    "在规则范围内。",
    "compare.batch_ok.mean": "有效 batch {eb_ref} → {eb_chg}，学习率 {lr_ref} → {lr_chg}：mean loss 下步长不会因此"
    "变大（平方根规则 {sqrt}，线性规则 {linear}）。",
    "compare.batch_ok.unknown": "有效 batch {eb_ref} → {eb_chg}，学习率 {lr_ref} → {lr_chg}：在缩放规则范围内。",
    "compare.watch.after_warmup": "关注 warmup 结束（step {warm}）之后的验证 loss：改动后的训练正是在那里分离的。",
    "compare.conclusion.cause": "{title}{where, select, none {。} other {；曲线在{where}分开。}}",
    "compare.conclusion.parted": "{series} 在{where}分离；没有配置差异能解释。",
    "compare.conclusion.same": "{a} 与 {b} 训练表现一致：曲线之间没有持续的差距。",
}
