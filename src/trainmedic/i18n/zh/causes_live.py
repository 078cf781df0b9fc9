"""中文：由实时守护观察到的原因（causes/live.py）。"""

MESSAGES = {
    "cause.clip.observed": "实时守护没有看到任何一步的梯度被裁剪",
    "cause.bad_input_data.title_live": "数据问题：批次中含有 NaN/inf 值",
    "cause.bad_input_data.live": "实时守护在批次本身中发现了 NaN/inf：重放第一个失败批次时，在模型输入处就遇到了它；被跳过的步"
    "所用的批次都含有 NaN/inf（共 {n} 个：{batches}）。非有限损失来自数据而不是优化器：降低学习率或裁剪梯度都无济于事。",
    "cause.no_gradient_flow.title": "没有梯度到达权重",
    "cause.no_gradient_flow.explanation": "每一步的梯度范数都恰好为 0：损失不依赖任何可训练的权重。损失与模型断开了"
    "（`.detach()`、`.item()` 再转回张量、前向计算外包了 `torch.no_grad()`），或者通向输出的单元全部死亡；无论学习率多大，"
    "任何一步都改变不了模型。",
    "cause.fix.attach_loss.action": "直接用模型输出张量计算损失（中间不要 `.detach()`、`.item()` 或 `torch.no_grad()`），并在 "
    "`backward()` 之前断言 `loss.requires_grad`",
    "cause.fix.attach_loss.why": "backward() 只能到达计算损失时用到的权重",
    "cause.missing_zero_grad.title": "各步之间梯度从未清零",
    "cause.missing_zero_grad.observed": "实时守护把每一步的梯度与该步反向传播所得比较：从第 {step} 步起，梯度是后者的 {ratio} "
    "倍，之前各步的梯度仍被累加在内。每次更新都重复之前的所有更新，因此无论学习率多少，步长都随时间增大。",
    "cause.missing_zero_grad.growth": "梯度范数稳定攀升到起点的 {ratio} 倍，而损失没有发散：从不清零的梯度就是这样累加的，"
    "每次更新都重复之前的更新。",
    "cause.fix.zero_grad.torch": "在每次 `optimizer.step()` 之后（或每次 `loss.backward()` 之前）调用 `optimizer.zero_grad()`",
    "cause.fix.zero_grad.accelerate": "在 `accelerator.accumulate(model)` 中每次 `optimizer.step()` 之后调用 "
    "`optimizer.zero_grad()`",
    "cause.fix.zero_grad.lightning": "不要把 `optimizer_zero_grad` 覆盖成空操作；手动优化时在 `opt.step()` 之后调用 "
    "`opt.zero_grad()`",
    "cause.fix.zero_grad.hf": "不要以跳过清零的方式覆盖模型的 `zero_grad` 或 Trainer 的训练循环：Trainer 会在每次优化器步之后"
    "清零梯度",
    "cause.fix.zero_grad.why": "backward() 会累加到 .grad 上：不清零的话，每一步都会同时应用之前所有的梯度",
    "cause.unnormalised_inputs.title": "输入是原始数值（{low} 到 {high}），没有归一化",
    "cause.unnormalised_inputs.explanation": "输入 {name} 是从 {low} 到 {high} 的整数（均值 {mean}）：即 0-255 像素这样的原始"
    "强度。激活值和梯度一开始就比初始化所假设的大几百倍，前几层饱和，模型几乎学不到东西。",
    "cause.fix.normalise_inputs.action": "把 {name} 缩放到 [0, 1]（除以 {scale}）或标准化（减去训练集的均值、除以标准差），例如 "
    "`transforms.ToTensor()` + `transforms.Normalize(...)`",
    "cause.fix.normalise_inputs.why": "网络的初始化假设输入的量级为 1",
    "cause.labels_misaligned.title": "标签与其输入不对应",
    "cause.labels_misaligned.explanation": "训练损失从 {first} 降到 {last}，而 {series} 从未高于随机水平（{chance}；最好为 "
    "{best}）：模型拟合了它见到的训练样本对，却没有学到对新样本成立的东西。与输入分别打乱的标签，或因连接、排序而错位的"
    "标签正会如此；过拟合则会先让评估变好。",
    "cause.labels_misaligned.gap": "{series} 一直停在随机水平（{chance}），而训练准确率很高（从第一次评估起，评估最多是训练的 "
    "{ratio} 倍）：模型学到的是训练样本对，而不是对新样本成立的东西。与输入分别打乱的标签会如此；给评估送入不同输入的评估流程也会。",
    "cause.fix.check_pairs.action": "在完整的加载流程（打乱、连接、排序、增强）之后打印几个解码后的训练样本及其标签，检查是否"
    "匹配",
    "cause.fix.check_pairs.why": "模型能记住不匹配的样本对，因此训练损失看起来很健康",
    "cause.optimizer_misses_params.title_live": "优化器没有持有 {missed} 个可训练参数",
    "cause.optimizer_misses_params.live": "实时守护比较了模型与优化器：{trainable} 个可训练参数中有 {missed} 个（位于 "
    "{modules}）不在任何优化器参数组中，因此无论 requires_grad 如何，它们都保持初始值。",
}
