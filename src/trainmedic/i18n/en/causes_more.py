"""English messages of the causes read from what the logs alone can say: an unknown precision under a NaN, and a
missing zero_grad."""

MESSAGES = {
    "cause.mixed_precision_overflow.title_unknown": "Half-precision overflow (the run does not say its precision)",
    "cause.mixed_precision_overflow.unknown": "Nothing read says whether this run used fp16 or bf16; most NaNs in "
    "mixed-precision runs are values above fp16's 65504 (attention "
    "scores, large losses, recurrent states) that become inf, then NaN.",
    "cause.mixed_precision_overflow.at_init": "The first non-finite value came before any update could cause it (at "
    "the first step logged, or while the lr was 0): the forward pass "
    "itself overflows, which points to the precision or to the input, "
    "not to the step size.",
    "cause.fix.check_precision.action": "check whether the run trains in fp16/bf16 (AMP, `--fp16`, "
    "`precision=16`); if so, rerun one batch in float32",
    "cause.fix.check_precision.why": "a batch that is finite in float32 and NaN in fp16 names the precision as the "
    "cause",
    "cause.missing_zero_grad.title": "Gradients accumulate across steps (optimizer.zero_grad() missing)",
    "cause.missing_zero_grad.rebound": "{series} fell from {first} to {low} and then climbed back smoothly to "
    "{last}, point after point: the shape of updates that add up every past "
    "gradient (no zero_grad), which overshoot the minimum like a ball without "
    "friction.",
    "cause.missing_zero_grad.grad_grows": "the gradient norm grows from step to step, as a sum of past gradients does",
    "cause.fix.zero_grad.action": "call `optimizer.zero_grad()` once per step, before `loss.backward()` (or "
    "`set_to_none=True`); with gradient accumulation, after `optimizer.step()` only",
    "cause.fix.zero_grad.why": "each step must start from zero gradients, or it applies the sum of every earlier one",
    "cause.lr_schedule_decayed.title": "The learning-rate schedule has decayed the lr to zero",
    "cause.lr_schedule_decayed.explanation": "The logged lr is 0 from {where} while training goes on: the schedule{scheduler, select, none {{lr, select, none {} other { (base lr {lr})}}} other { (scheduler {scheduler}{lr, select, none {} other {, base lr {lr}}})}} has already decayed it away, so no step changes the weights and the loss can only stay where it is.",
    "cause.fix.check_scheduler.action": "check the schedule: milestones and gamma of a step schedule, whether the scheduler is stepped once per epoch (not per batch), and that the lr is not multiplied twice",
    "cause.fix.check_scheduler.why": "an lr of zero trains nothing, however long the run goes on",
    "cause.fix.print_lr.action": "log the lr with enough digits (e.g. `{{lr:.2e}}`)",
    "cause.fix.print_lr.why": "an lr printed as 0.000000 hides whether it is 1e-7 or exactly 0",
}
