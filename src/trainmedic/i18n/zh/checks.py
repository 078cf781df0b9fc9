"""preflight、checkpoints 和 compare 所做检查的中文消息（`trainmedic explain`）。"""

MESSAGES = {
    "checks.docs.title": "preflight、checkpoints 和 compare 运行的检查",

    "checks.docs.command.preflight": "由 trainmedic.preflight(model, batch, ...) 运行",
    "checks.docs.command.checkpoints": "由 trainmedic checkpoints 运行",
    "checks.docs.command.compare": "由 trainmedic compare 运行",

    "check.TM1000.summary": "模型在真实批次上的前向传播失败",
    "check.TM1000.what": "用数据加载器中的一个批次运行模型的前向传播，如果抛出异常就报告它。",
    "check.TM1000.why": "在训练数据上无法运行的模型会在第 0 步失败；需要其输出的数据和损失检查也无法进行。",
    "check.TM1000.fix": "阅读错误信息：通常是批次与模型的形状、数据类型或设备不匹配，或批次中有模型不接受的键。",

    "check.TM1001.summary": "可训练参数不到 1%",
    "check.TM1001.what": "统计优化器会更新的参数数量，低于模型参数的 1% 时发出警告。",
    "check.TM1001.why": "冻结骨干网络、只训练一个小头部，往往停留在随机水平：其特征并非为该任务训练。",
    "check.TM1001.fix": "如果冻结不是有意的，解冻骨干网络（或其顶层），用较小的学习率微调。",

    "check.TM1002.summary": "可训练参数不在任何优化器参数组中",
    "check.TM1002.what": "将 requires_grad=True 的参数与优化器的参数组比较，列出参数不在任何组中的模块。",
    "check.TM1002.why": "不在优化器中的参数无论梯度如何都不会改变：模型只训练一部分，甚至完全不训练。",
    "check.TM1002.fix": "在添加或替换层之后，用 model.parameters()（或所有要训练的参数组）构建优化器。",

    "check.TM1003.summary": "冻结的参数在优化器中",
    "check.TM1003.what": "找出 requires_grad=False 却仍在优化器参数组中的张量。",
    "check.TM1003.why": "对结果无害，但会占用优化器的内存和时间。",
    "check.TM1003.fix": "只把 requires_grad=True 的参数传给优化器。",

    "check.TM1004.summary": "初始化时的损失是 NaN 或无穷大",
    "check.TM1004.what": "在任何一步之前计算一个批次的损失，不是有限值时报告。",
    "check.TM1004.why": "第一次反向传播就会把 NaN 写入每个权重。",
    "check.TM1004.fix": "检查输入（TM1010）和标签（TM1011）；混合精度下让敏感模块以 float32 运行。",

    "check.TM1005.summary": "可训练张量没有收到梯度",
    "check.TM1005.what": "运行一次反向传播，列出 `.grad` 仍为 `None` 的可训练张量：它们不在通往损失的路径上。",
    "check.TM1005.why": "没有梯度的参数永远不会训练。",
    "check.TM1005.fix": "在 forward() 中使用该模块，去掉其通往损失路径上的 .detach() 或 no_grad，或有意冻结它。",

    "check.TM1006.summary": "张量收到全零梯度",
    "check.TM1006.what": "运行一次反向传播，列出梯度恰好全为零的可训练张量。",
    "check.TM1006.why": "零梯度什么也训练不了；通常说明激活函数死亡、掩码或初始化有问题。",
    "check.TM1006.fix": "检查激活函数（用 LeakyReLU 或 GELU 代替 ReLU）、掩码和初始化。",

    "check.TM1007.summary": "一步更新会让某层改变超过其范数的 10%",
    "check.TM1007.what": "估计优化器一步对每层的更新量与其权重范数之比，报告超过 0.1 的层。",
    "check.TM1007.why": "这么大的更新会越过最优点；损失往往在早期出现尖峰或发散。",
    "check.TM1007.fix": "降低学习率，使最大的更新/权重比约为 1e-2（trainmedic 会给出数值）。",

    "check.TM1008.summary": "一步更新让每层的改变都小于其范数的 1e-6",
    "check.TM1008.what": "估计优化器一步对每层的更新量与其权重范数之比，最大值也低于 1e-6 时报告。",
    "check.TM1008.why": "这么小的更新几乎不改变权重：损失停滞。",
    "check.TM1008.fix": "提高学习率，使最大的更新/权重比约为 1e-3。",

    "check.TM1009.summary": "初始化时的损失远高于随机水平",
    "check.TM1009.what": "对分类任务，将初始化时的损失与 ln K（K 为类别数，即均匀猜测的损失）比较，高出 1 以上时记录。",
    "check.TM1009.why": "刚初始化的分类器应当给出近似均匀的预测；损失高得多说明输出尺度或初始化有问题。",
    "check.TM1009.fix": "检查最后一层初始化的尺度，并确认损失接收的是 logits。",

    "check.TM1010.summary": "批次中有 NaN 或无穷大的输入",
    "check.TM1010.what": "扫描一个批次中的张量是否有 NaN 和无穷大，并指出位置。",
    "check.TM1010.why": "一个 NaN 输入会污染整个批次的梯度，继而污染每个权重。",
    "check.TM1010.fix": "在数据管道中找出非有限值，删除或填补。",

    "check.TM1011.summary": "标签超出模型的类别范围",
    "check.TM1011.what": "将一个批次的类别标签与模型的类别数比较，统计小于 0 或不小于类别数的标签。",
    "check.TM1011.why": "越界标签会让损失计算失败或越界索引（GPU 上表现为 device-side assert）。",
    "check.TM1011.fix": "让输出层每个类别 id 一个单元（num_classes = 最大标签 + 1），或修正标签映射。",

    "check.TM1012.summary": "批次中所有标签都是同一类",
    "check.TM1012.what": "报告样本数多于一个、但所有标签都属于同一类的批次。",
    "check.TM1012.why": "通常是在按类别排序的数据上使用了不打乱的加载器：每一步都把模型推向同一类。",
    "check.TM1012.fix": "打乱训练加载器（shuffle=True 或带打乱的采样器）。",

    "check.TM1013.summary": "评估加载器只有一个类别",
    "check.TM1013.what": "统计评估加载器最多 50 个批次中的类别标签，只有一个类别时报告。",
    "check.TM1013.why": "单一类别的评估集上的准确率说明不了模型的好坏，F1 或 AUC 也会退化。",
    "check.TM1013.fix": "按类别分层构建评估集（例如 train_test_split(..., stratify=labels)）。",

    "check.TM1020.summary": "循环层在低精度 autocast 下处理长序列",
    "check.TM1020.what": "找出在 float16 或 bfloat16 autocast 下、处理长度超过 512 步序列的 RNN、LSTM 或 GRU 模块。",
    "check.TM1020.why": "穿过长循环的梯度按几何级数增长或衰减，超出低精度的范围，产生 NaN。",
    "check.TM1020.fix": "让循环模块以 float32 运行（在其调用处关闭 autocast），并裁剪梯度（max_grad_norm 1.0）。",

    "check.TM1021.summary": "循环层没有梯度裁剪",
    "check.TM1021.what": "在未设置 max_grad_norm 的配置中找出 RNN、LSTM 或 GRU 模块。",
    "check.TM1021.why": "循环网络的梯度可能在一步之内爆炸；裁剪可以限制步长。",
    "check.TM1021.fix": "设置 max_grad_norm（常用 1.0）。",

    "check.TM1022.summary": "每设备批次小于 4 时使用 BatchNorm",
    "check.TM1022.what": "每设备批次小于 4 时找出 BatchNorm 层。",
    "check.TM1022.why": "这么少样本的批次统计量只是噪声：训练振荡，评估（使用滑动统计量）与训练不一致。",
    "check.TM1022.fix": "用 GroupNorm 或 LayerNorm 替换 BatchNorm，跨设备使用 SyncBatchNorm，或增大每设备批次。",

    "check.TM1023.summary": "softmax 或 log-softmax 输出送入 CrossEntropyLoss",
    "check.TM1023.what": "在损失为 CrossEntropyLoss 时，检查模型输出是否已经和为 1（softmax）或是 log-softmax。",
    "check.TM1023.why": "CrossEntropyLoss 自己会做 log-softmax；再做一次 softmax 会压扁梯度，模型停留在随机水平。",
    "check.TM1023.fix": "让 forward() 返回 logits，或保留 LogSoftmax 并改用 NLLLoss。",

    "check.TM1024.summary": "对 sigmoid 输出使用 BCELoss",
    "check.TM1024.what": "找出以 sigmoid 结尾、用 BCELoss 训练的模型。",
    "check.TM1024.why": "饱和的 sigmoid 会得到 log(0) = -inf，梯度消失。",
    "check.TM1024.fix": "去掉最后的 sigmoid，改用 BCEWithLogitsLoss，它从 logits 稳定地计算同样的损失。",

    "check.TM1030.summary": "在同一个重复批次上损失不下降",
    "check.TM1030.what": "用一个批次训练模型的副本若干步，损失没有下降 10% 时报告：持平、上升、变为非有限值，或没有可更新的参数。",
    "check.TM1030.why": "任何能工作的模型都能记住一个批次；记不住说明问题出在配置（学习率、优化器、损失、模型），而不是数据量。",
    "check.TM1030.fix": "损失持平就提高学习率，上升或变成 NaN 就降低学习率，并确认优化器包含模型的参数。",

    "check.TM1101.summary": "检查点中有非有限权重",
    "check.TM1101.what": "读取每个检查点，统计 NaN 和无穷大的权重。",
    "check.TM1101.why": "从它恢复，第一步起就是 NaN；它之后保存的检查点都源自坏掉的权重。",
    "check.TM1101.fix": "从 trainmedic 指出的最后一个健康检查点恢复，并找出让权重变成非有限值的原因。",

    "check.TM1102.summary": "权重范数的跳变远超此前的跳变",
    "check.TM1102.what": "将两次保存之间全局权重范数的变化与此前变化的中位数比较，报告超过该中位数 10 倍的跳变。",
    "check.TM1102.why": "健康的训练在两次保存之间范数变化幅度相近；这么大的跳变是一次爆炸的更新，即使权重仍是有限值。",
    "check.TM1102.fix": "从跳变之前的检查点恢复，并降低学习率或开启梯度裁剪。",

    "check.TM1103.summary": "检查点保存于训练指标已经失败之后",
    "check.TM1103.what": "借助训练日志找出指标失败（NaN、发散、崩塌）的位置，报告在该位置或之后保存的检查点。",
    "check.TM1103.why": "即使每个值都是有限的，这些检查点的权重也已经是失败的模型。",
    "check.TM1103.fix": "从失败之前保存的最后一个检查点恢复。",

    "check.TM1104.summary": "保存的优化器状态中有非有限值",
    "check.TM1104.what": "统计每个检查点中保存的优化器状态（例如 Adam 的动量）里的 NaN 和无穷大。",
    "check.TM1104.why": "带着它恢复，第一步就会把 NaN 重新写入权重，即使权重本身是有限的。",
    "check.TM1104.fix": "从更早的检查点恢复，或只加载权重、重新创建优化器。",

    "check.TM1201.summary": "两次训练的曲线分开",
    "check.TM1201.what": "对齐两次训练的序列，找出损失相差超过 30% 或分数相差超过 5 个百分点、且下一个点仍有差距的第一个位置。",
    "check.TM1201.why": "曲线分开的位置就是配置差异开始起作用的位置；同一配置不同种子的差距只有几个百分点。",
    "check.TM1201.fix": "在对比表中查看在该位置起作用的配置差异（学习率调度、预热、批次）。",

    "check.TM1202.summary": "有效批次改变了，学习率却没有相应缩放",
    "check.TM1202.what": "结合损失的归约方式，比较两次训练的有效批次（批次 x 累积步数 x 设备数）和学习率，报告不符合缩放规则的学习率。",
    "check.TM1202.why": "合适的学习率取决于批次：只改其一会让训练发散或学得太慢。",
    "check.TM1202.fix": "使用 trainmedic 按线性或平方根规则算出的推荐学习率（和预热步数）。",
}
