"""English messages of `trainmedic compare`."""

MESSAGES = {
    "compare.table.title": "Configurations side by side",
    "compare.table.setting": "setting",
    "compare.table.differs_col": "differs",
    "compare.table.differs": "yes",
    "compare.table.reduction_inferred": "{value} (inferred: typical loss {loss})",
    "compare.axis.samples": "Curves aligned by samples seen (step x effective batch), so runs with different batch "
    "sizes are compared at the same point of training.",
    "compare.axis.epoch": "Curves aligned by epoch (both runs see the same data per epoch).",
    "compare.axis.step": "Curves aligned by step: the effective batch of one run is unknown, so samples seen cannot "
    "be computed.",
    "compare.no_common_series": "The two runs record no loss or score under the same name; curves were not compared.",
    "compare.no_parting": "The curves do not part: every shared loss and score stays within the noise of the other run.",
    "compare.no_batch": "The effective batch of one run is unknown (per-device batch, gradient accumulation, world "
    "size); pass its launch script or config to compare learning-rate scaling.",
    "compare.evidence.run": "run {run}",
    "compare.where.both": "epoch {epoch} (step {step})",
    "compare.where.epoch": "epoch {epoch}",
    "compare.where.step": "step {step}",
    "compare.finding.parted": "{series} parts at {where}: {a} {value_a} vs {b} {value_b}; {worse} is worse from here on.",
    "compare.finding.mismatch.sum": "Effective batch {eb_ref} → {eb_chg} ({ratio}x) {lr_same, select, yes {while the lr stayed} other {while the lr went {lr_ref} →}} "
    "{lr_chg}. The loss is summed over the batch, so each step is {ratio}x larger.",
    "compare.finding.mismatch.mean": "Effective batch {eb_ref} → {eb_chg} ({ratio}x) {lr_same, select, yes {while the lr stayed} other {while the lr went {lr_ref} →}} "
    "{lr_chg}: higher than even the linear scaling rule allows ({linear}).",
    "compare.finding.mismatch.unknown": "Effective batch {eb_ref} → {eb_chg} ({ratio}x) {lr_same, select, yes {while the lr stayed} other {while the lr went {lr_ref} →}} "
    "{lr_chg}; the loss reduction is unknown, and under a summed loss this step "
    "is {ratio}x larger.",
    "compare.fix.lr.keep_product": "The loss is summed over the batch, so the gradient already grows with the batch: "
    "keep lr x effective batch constant ({lr_ref} x {eb_ref} / {eb_chg} = {rec}).",
    "compare.fix.lr.sqrt": "Square-root rule, the conservative choice for a mean loss: {lr_ref} x sqrt({eb_chg}/{eb_ref})"
    " = {rec} (the linear rule would give {linear}).",
    "compare.fix.lr.linear": "Linear rule for a mean loss: {lr_ref} x {eb_chg}/{eb_ref} = {rec}.",
    "compare.fix.warmup": "Keep the warmup length in samples: {warm_ref, plural, one {# step} other {# steps}} x {eb_ref} / {eb_chg} = {to, plural, one {# step} other {# steps}} ({samples} samples, as in the stable run).",
    "compare.fix.keep_batch.action": "keep the effective batch at {eb}: a per-device batch of {pdb} with "
    "{accum, plural, one {no gradient accumulation} other {# accumulation steps}}",
    "compare.fix.keep_batch.why": "The stable run's lr {lr} was tuned for an effective batch of {eb}.",
    "compare.diag.title": "Effective batch {eb_ref} → {eb_chg} at lr {lr_chg}: the learning rate was not rescaled",
    "compare.diag.explain.sum": "Losses in the hundreds (typical {loss}) mean the loss is summed over the batch, not "
    "averaged: the gradient and the update lr x gradient grow with the batch. {chg} takes "
    "{ratio}x larger steps than {ref} at the same lr. Keeping lr x batch constant gives "
    "{rec}.",
    "compare.diag.explain.mean": "With a mean loss a bigger batch does not enlarge the gradient, but {chg}'s lr {lr_chg} "
    "is above what either scaling rule allows for its batch (linear {linear}, "
    "square-root {sqrt}).",
    "compare.diag.explain.unknown": "The loss reduction is not known. Under a summed loss the step grows with the batch "
    "and lr x batch must stay constant ({keep}); under a mean loss the square-root rule "
    "gives {sqrt}. The lower value is recommended.",
    "compare.diag.warmup.title": "The runs part after warmup ends, at the peak learning rate",
    "compare.diag.warmup.explain": "Warmup of {chg} ends at step {warm}; the curves part at step {step}, the first "
    "evaluation at the full lr {lr}. The warmup was hiding a step that is too large.",
    "compare.batch_ok.sum": "Effective batch {eb_ref} → {eb_chg} with lr {lr_ref} → {lr_chg}: lr x batch stays within "
    "the rule for a summed loss.",
    "compare.batch_ok.mean": "Effective batch {eb_ref} → {eb_chg} with lr {lr_ref} → {lr_chg}: with a mean loss this "
    "does not enlarge the step (square-root rule {sqrt}, linear rule {linear}).",
    "compare.batch_ok.unknown": "Effective batch {eb_ref} → {eb_chg} with lr {lr_ref} → {lr_chg}: within the scaling "
    "rules.",
    "compare.watch.after_warmup": "Watch the eval loss right after warmup ends (step {warm}): that is where the "
    "changed run parted.",
    "compare.conclusion.cause": "{title}{where, select, none {.} other {; the curves part at {where}.}}",
    "compare.conclusion.parted": "{series} parts at {where}; no configuration difference explains it.",
    "compare.conclusion.same": "{a} and {b} train alike: no lasting gap between their curves.",
}
