"""实时监控（Monitor）、守护策略、NaN 溯源、watch 与实时规则的中文消息。"""

MESSAGES = {
    "live.event.skip.nonfinite": "第 {step} 步：损失或梯度非有限，已跳过该步（批次 {batch}）",
    "live.event.skip.spike": "第 {step} 步：损失或梯度范数突增，已跳过该步（批次 {batch}）",
    "live.event.amp_overflow": "第 {step} 步：GradScaler 下梯度溢出；缩放器跳过了该步并降低了缩放系数",
    "live.event.rollback": "第 {step} 步：坏步过多；已恢复第 {to} 步的快照，并将学习率设为原值的 {scale} 倍",
    "live.event.stop.stop": "第 {step} 步：策略为 'stop' 时出现非有限步；训练已结束并给出诊断",
    "live.event.stop.skip": "第 {step} 步：最近每一步都是坏步，跳过已无济于事；训练已结束",
    "live.event.stop.rollback": "第 {step} 步：用完允许的回滚次数后仍然失败；训练已结束",
    "live.event.stop.observe": "第 {step} 步：训练已结束",
    "live.event.end": "训练在 {steps, plural, other {#}} 步后结束（跳过 {skipped} 步，回滚 {rollbacks, plural, other {#}} 次）",
    "live.provenance.overflow": "{module}（{dtype}）：输出溢出 {max_abs:.2g} > {limit:.0f}",
    "live.provenance.forward": "{module}（{dtype}）：输入有限，输出为 {kind}（最大有限绝对值 {max_abs:.3g}）",
    "live.provenance.forward_input": "{module}（{dtype}）：收到的输入已是 {kind}，由不属于任何子模块的代码"
                                     "（其父模块的 forward）产生",
    "live.provenance.input": "{module}（{dtype}）：批次本身含有 {kind} 值（输入数据有问题）",
    "live.provenance.loss": "损失：所有模块输出均有限，损失计算返回了 {kind}",
    "live.provenance.backward": "{module}（{dtype}）：输出有限，梯度为 {kind}（最大有限梯度绝对值 {max_abs:.3g}）",
    "live.provenance.backward_timestep": "{module}（{dtype}）：输出有限，梯度在时间步 {timestep} 处为 {kind}"
                                         "（最大有限梯度绝对值 {max_abs:.3g}）",
    "live.provenance.none": "重放该批次时数值保持有限：失败依赖于重放无法复现的状态（dropout 掩码、其他进程的批次）",
    "live.provenance.error": "重放该批次失败：{error}",
    "live.note.skipped": "守护（策略 '{policy}'）跳过了 {n, plural, other {#}} 步；批次：{batches}。",
    "live.note.rollbacks": "守护回滚了 {n, plural, other {#}} 次；学习率现为原值的 {scale} 倍。",
    "live.note.provenance": "第一个非有限值：{what}。",
    "live.watch.waiting": "等待 {path} 出现……",
    "live.watch.finding": "[{where}] {severity} {code} {rule}：{message}",
    "live.watch.ended": "训练已结束（{why}）；{n, plural, =0 {没有报告任何发现} other {共报告 # 条发现}}",
    "live.watch.alert_failed": "--on-alert 命令失败（退出码 {code}）",
    "rule.TM150.summary": "实时守护跳过、回滚或停止了训练步",
    "rule.TM150.message": "守护从第 {step} 步起跳过了 {skipped, plural, other {#}} 步（批次 {batches}），回滚 {rollbacks, plural, other {#}} 次",
    "rule.TM150.stopped": "守护停止了训练：从第 {step} 步起跳过了 {skipped, plural, other {#}} 步（批次 {batches}），回滚 {rollbacks, plural, other {#}} 次后放弃",
    "rule.TM150.ev_skip": "跳过批次 {batch}（{reason}）",
    "rule.TM150.ev_rollback": "恢复第 {to} 步的快照并降低学习率",
    "rule.TM150.what": "报告实时守护（trainmedic.Monitor）做了什么：损失或梯度非有限（或突增）而未被应用的步、"
                       "回滚到健康快照，以及停止训练。",
    "rule.TM150.why": "跳过一步可以保护权重，但每跳过一步就少学一个批次；反复跳过说明根因仍在。",
    "rule.TM150.example": "批次 417 含有 NaN 特征：守护跳过第 418 步，训练继续。",
    "rule.TM150.fix": "查看溯源发现（TM151）与原因分析；修复数据或数值问题，而不是依赖守护。",
    "rule.TM151.summary": "第一个非有限值出现的模块（带钩子重放）",
    "rule.TM151.what": "在第一个非有限步，Monitor 用相同权重并挂上前向与梯度钩子重放该批次，指出输出或梯度最先"
                       "变为非有限的模块、它在 autocast 下的精度以及观察到的数值大小。",
    "rule.TM151.why": "“loss 是 nan”并不说明问题出在哪里；模块及其精度通常直接指向修复方法"
                      "（该模块用 float32 运行、梯度裁剪、修复数据）。",
    "rule.TM151.example": "classifier (fp16)：输出溢出 7.1e+04 > 65504",
    "rule.TM151.fix": "fp16/bf16 下的溢出：让该模块保持 float32（在其周围关闭 autocast）；循环网络的梯度：裁剪梯度；"
                      "输入非有限：检查数据。",
}
