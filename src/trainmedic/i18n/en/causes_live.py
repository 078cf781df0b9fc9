"""English: causes read from what the live guard observed (causes/live.py)."""

MESSAGES = {
    "cause.clip.observed": "the live guard saw no step's gradient clipped",
    "cause.bad_input_data.title_live": "The data: batches that hold NaN/inf values",
    "cause.bad_input_data.live": "The live guard found the NaN/inf in the batch itself: the replay of the first "
    "failing batch met it at the model's input, and the steps it skipped had batches holding NaN/inf ({n} of them: "
    "{batches}). The data produced the non-finite loss, not the optimizer: a lower lr or clipping would not help.",
    "cause.no_gradient_flow.title": "No gradient reaches the weights",
    "cause.no_gradient_flow.explanation": "The gradient norm is exactly 0 at every step: the loss does not depend "
    "on any trainable weight. The loss was detached from the model (`.detach()`, `.item()` turned back into a "
    "tensor, a `torch.no_grad()` around the forward) or every unit feeding the output is dead; no step can change "
    "the model, whatever the lr.",
    "cause.fix.attach_loss.action": "compute the loss from the model's output tensor directly (no `.detach()`, "
    "`.item()` or `torch.no_grad()` on the way) and assert `loss.requires_grad` before `backward()`",
    "cause.fix.attach_loss.why": "backward() can only reach weights the loss was computed from",
    "cause.missing_zero_grad.title": "Gradients are never zeroed between steps",
    "cause.missing_zero_grad.observed": "The live guard compared each step's gradient with what that step's "
    "backward produced: from step {step} it held {ratio}x as much, the gradients of earlier steps still added in. "
    "Every update repeats all the previous ones, so steps grow with time whatever the lr.",
    "cause.missing_zero_grad.growth": "The gradient norm climbs steadily to {ratio}x where it started while the loss "
    "does not diverge: gradients that are never zeroed add up like this, each update repeating the previous ones.",
    "cause.fix.zero_grad.torch": "call `optimizer.zero_grad()` after every `optimizer.step()` (or before every "
    "`loss.backward()`)",
    "cause.fix.zero_grad.accelerate": "call `optimizer.zero_grad()` after every `optimizer.step()` inside "
    "`accelerator.accumulate(model)`",
    "cause.fix.zero_grad.lightning": "do not override `optimizer_zero_grad` with a no-op; with manual optimisation "
    "call `opt.zero_grad()` after `opt.step()`",
    "cause.fix.zero_grad.hf": "do not override the model's `zero_grad` or the Trainer's training loop in a way that "
    "skips it: the Trainer zeroes gradients after each optimizer step",
    "cause.fix.zero_grad.why": "backward() adds into .grad: without zeroing, every step also applies all earlier "
    "gradients",
    "cause.unnormalised_inputs.title": "Inputs are raw values ({low} to {high}), not normalised",
    "cause.unnormalised_inputs.explanation": "The input {name} holds whole numbers from {low} to {high} (mean "
    "{mean}): raw intensities such as 0-255 pixels. Activations and gradients then start hundreds of times larger "
    "than the initialisation assumes, so the first layers saturate and the model barely learns.",
    "cause.fix.normalise_inputs.action": "scale {name} to [0, 1] (divide by {scale}) or standardise it (subtract the "
    "mean, divide by the std of the training set), e.g. `transforms.ToTensor()` + `transforms.Normalize(...)`",
    "cause.fix.normalise_inputs.why": "networks are initialised for inputs of order 1",
    "cause.labels_misaligned.title": "The labels do not belong to their inputs",
    "cause.labels_misaligned.explanation": "The train loss falls from {first} to {last} while {series} never rises "
    "above chance ({chance}; best {best}): the model fits the training pairs it sees without learning anything "
    "that holds for new examples. Labels shuffled independently of their inputs, or misaligned by a join or a "
    "sort, do exactly this; overfitting would first improve the evaluation.",
    "cause.labels_misaligned.gap": "{series} stays at chance ({chance}) while the train accuracy is high (eval at "
    "most {ratio}x train from the first evaluation): the model learns the training pairs, not something that holds "
    "for new examples. Labels shuffled apart from their inputs do this; so does an evaluation path that feeds "
    "different inputs.",
    "cause.fix.check_pairs.action": "print a few decoded training examples with their labels after the full "
    "loading pipeline (shuffling, joins, sorts, augmentations) and check they match",
    "cause.fix.check_pairs.why": "a model can memorise mismatched pairs, so the train loss looks healthy",
    "cause.optimizer_misses_params.title_live": "The optimizer does not hold {missed} trainable parameters",
    "cause.optimizer_misses_params.live": "The live guard compared the model with the optimizer: {missed} of "
    "{trainable} trainable parameters (in {modules}) are in no optimizer group, so they keep their initial values "
    "whatever requires_grad says.",
}
