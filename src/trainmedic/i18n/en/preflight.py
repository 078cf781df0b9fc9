"""English messages of `trainmedic.preflight`."""

MESSAGES = {
    "preflight.table.parameters": "Parameters per module",
    "preflight.table.optimizer_groups": "Optimizer groups ({optimizer})",
    "preflight.table.gradients": "Gradients after one backward pass",
    "preflight.table.data": "Classes in the batch",
    "preflight.table.eval": "Classes in the eval loader",
    "preflight.table.all": "all",
    "preflight.col.module": "module",
    "preflight.col.total": "total",
    "preflight.col.trainable": "trainable",
    "preflight.col.frozen": "frozen",
    "preflight.col.optimized": "in optimizer",
    "preflight.col.trained_ratio": "trained ratio",
    "preflight.col.group": "group",
    "preflight.col.tensors": "tensors",
    "preflight.col.params": "params",
    "preflight.col.lr": "lr",
    "preflight.col.weight_decay": "weight decay",
    "preflight.col.frozen_in_group": "frozen in group",
    "preflight.col.modules": "modules",
    "preflight.col.layer": "layer",
    "preflight.col.grad_norm": "grad norm",
    "preflight.col.weight_norm": "weight norm",
    "preflight.col.update_ratio": "update/weight",
    "preflight.col.class": "class",
    "preflight.col.count": "count",
    "preflight.finding.optimizer_misses": "{count, plural, one {# trainable parameter} other {# trainable parameters}} ({tensors, plural, one {# tensor} other {# tensors}}, in {modules}) are in no optimizer group: they will never change. Only {ratio:.2f}% of the model trains.",
    "preflight.finding.tiny_ratio": "Only {trained} of {total, plural, one {# parameter} other {# parameters}} train ({ratio:.2f}%, below {threshold:.0f}%).",
    "preflight.finding.frozen_in_opt": "{tensors} frozen tensors are in the optimizer (harmless, but they cost memory "
    "for optimizer state).",
    "preflight.finding.forward_failed": "The forward pass on the batch failed: {error}",
    "preflight.finding.nonfinite_inputs": "The batch holds NaN/Inf inputs: {where}.",
    "preflight.finding.labels_range": "Labels span {lo}..{hi} but the model has {k, plural, one {# class} other {# classes}}: {count, plural, one {# label is} other {# labels are}} outside [0, {k}).",
    "preflight.finding.one_class_batch": "All {n} labels in the batch are class {label}.",
    "preflight.finding.one_class_eval": "The eval loader holds a single class ({label}, {n} labels): accuracy on it "
    "is exactly 0 or 1 and says nothing.",
    "preflight.finding.nonfinite_loss": "The loss at initialisation is {value}.",
    "preflight.finding.init_loss_high": "The loss at init is {value}, well above ln({k}) = {chance:.3f} for a "
    "uniform guess: the initial outputs are overconfident.",
    "preflight.finding.no_grad": "{tensors} trainable tensors receive no gradient ({layers}): they are not on the path "
    "from the inputs to the loss.",
    "preflight.finding.zero_grad": "{tensors, plural, one {# tensor receives} other {# tensors receive}} an all-zero gradient ({layers}).",
    "preflight.finding.ratio_high": "One step at lr {lr} would change {layer} by {ratio:.3g} of its norm (above "
    "{limit}).",
    "preflight.finding.ratio_low": "One step at lr {lr} changes every layer by at most {ratio:.2g} of its norm (below "
    "{limit}): training will barely move.",
    "preflight.finding.rnn_amp": "Recurrent layers ({modules}) run under {dtype} autocast over sequences of {length, plural, one {# step} other {# steps}} (at least {limit}): backprop through time in low precision overflows or vanishes.",
    "preflight.finding.rnn_no_clip": "Recurrent layers ({modules}) with no gradient clipping (max_grad_norm unset).",
    "preflight.finding.bn_small": "BatchNorm ({modules}) with a per-device batch of {batch} (below {limit}): batch "
    "statistics are noise.",
    "preflight.finding.double_softmax": "The model's output ({module}) is already a softmax, and CrossEntropyLoss "
    "applies log-softmax again: gradients shrink and the loss stalls near ln(K).",
    "preflight.finding.double_log_softmax": "The model's output ({module}) is a log-softmax fed to CrossEntropyLoss, "
    "which applies log-softmax again.",
    "preflight.finding.bce": "BCELoss on sigmoid outputs: saturated sigmoids give log(0) = -inf and vanishing "
    "gradients.",
    "preflight.finding.overfit.flat": "The loss did not fall on one repeated batch: from {first} to {last} in {steps, plural, one {# step} other {# steps}} at lr {lr}.",
    "preflight.finding.overfit.rises": "The loss rose on one repeated batch: from {first} to {last} in {steps, plural, one {# step} other {# steps}} at lr {lr}.",
    "preflight.finding.overfit.thin": "On one repeated batch the loss went from {first} to {last} in {steps, plural, one {# step} other {# steps}} at lr "
    "{lr}: too few steps to tell a slow fine-tune from a stuck setup (at a "
    "fine-tuning lr a pretrained model needs more); run {confident}+ steps or raise "
    "the lr for this check.",
    "preflight.finding.overfit.nonfinite": "The loss became {last} while overfitting one batch (from {first}, lr {lr}).",
    "preflight.finding.overfit.no_params": "The loss did not fall on one repeated batch ({first} → {last}): no "
    "parameter the optimizer holds receives a gradient.",
    "preflight.diag.optimizer_misses.title": "The optimizer does not hold {modules}",
    "preflight.diag.optimizer_misses.explain": "{count, plural, one {# parameter has} other {# parameters have}} requires_grad=True but no optimizer group holds them, typically because the optimizer was built from one submodule (model.classifier.parameters()). Those layers stay at their initial values, and the loss sits near ln K.",
    "preflight.diag.frozen.title": "Only {ratio:.2f}% of the parameters train",
    "preflight.diag.frozen.explain": "{trained} of {total, plural, one {# parameter is} other {# parameters are}} trainable: a frozen backbone leaves only the head to fit the task, which is often too little.",
    "preflight.diag.no_grad.title": "Trainable layers receive no gradient",
    "preflight.diag.no_grad.explain": "{layers} are not used in the forward pass, or their output is detached "
    "(.detach(), torch.no_grad(), .item()) before the loss.",
    "preflight.diag.zero_grad.title": "Layers receive a zero gradient",
    "preflight.diag.zero_grad.explain": "{layers}: dead ReLUs, a multiplication by zero, or a masked-out branch.",
    "preflight.diag.ratio_high.title": "lr {lr} is too large for some layers",
    "preflight.diag.ratio_high.explain": "{layer} would move by {ratio:.3g} of its norm per step; about 1e-3 is typical.",
    "preflight.diag.ratio_low.title": "lr {lr} is too small to move the weights",
    "preflight.diag.ratio_low.explain": "The largest update-to-weight ratio is {ratio:.2g}; about 1e-3 is typical.",
    "preflight.diag.bad_input.title": "NaN/Inf in the input data",
    "preflight.diag.bad_input.explain": "Non-finite inputs ({where}) make the loss and every gradient NaN.",
    "preflight.diag.bad_labels.title": "Labels do not fit the {k} outputs",
    "preflight.diag.bad_labels.explain": "Labels run {lo}..{hi}; cross-entropy needs 0..{k}-1 (it crashes on CUDA, "
    "or silently trains the wrong classes after a shift).",
    "preflight.diag.eval.title": "The eval set holds one class",
    "preflight.diag.eval.explain": "Every eval label is {label}: a collapsed model scores exactly 0 or 1.",
    "preflight.diag.amp.title": "Low-precision overflow",
    "preflight.diag.amp.explain": "Under bf16/fp16 the forward or backward leaves the representable range.",
    "preflight.diag.rnn_amp.title": "Recurrent layer under {dtype} over {length}-step sequences",
    "preflight.diag.rnn_amp.explain": "The gradient through a recurrent layer is a product of {length} Jacobians; in "
    "{dtype} it overflows to Inf/NaN or underflows. Linear and CNN heads do not "
    "have this path.",
    "preflight.diag.no_clip.title": "Recurrent layers without gradient clipping",
    "preflight.diag.no_clip.explain": "Recurrent gradients explode from time to time; without clipping one such step "
    "throws the weights far away.",
    "preflight.diag.bn.title": "BatchNorm with a per-device batch of {batch}",
    "preflight.diag.bn.explain": "With {batch} samples per device the batch mean and variance are noise, and the "
    "running statistics used at eval do not match training.",
    "preflight.diag.double_softmax.title": "Softmax fed to CrossEntropyLoss",
    "preflight.diag.double_softmax.explain": "CrossEntropyLoss expects logits. On probabilities, softmax is applied "
    "twice: outputs are squeezed into a narrow range and the model stalls.",
    "preflight.diag.bce.title": "sigmoid + BCELoss instead of BCEWithLogitsLoss",
    "preflight.diag.bce.explain": "BCELoss on probabilities loses precision as the sigmoid saturates; "
    "BCEWithLogitsLoss fuses both stably.",
    "preflight.diag.overfit.flat.title": "The model cannot overfit one batch",
    "preflight.diag.overfit.rises.title": "Overfitting one batch makes the loss rise",
    "preflight.diag.overfit.nonfinite.title": "Overfitting one batch diverges to NaN",
    "preflight.diag.overfit.no_params.title": "No parameter the optimizer holds gets a gradient",
    "preflight.diag.overfit.explain": "On one repeated batch the loss went from {first} to {last} in {steps, plural, one {# step} other {# steps}}; a working setup drives it towards zero.",
    "preflight.fix.optimizer_all_params": "Build the optimizer from model.parameters() (or every group you mean to "
    "train), e.g. AdamW(model.parameters(), lr=...).",
    "preflight.fix.optimizer_all_params.why": "Parameters outside the optimizer never change, whatever their gradient.",
    "preflight.fix.unfreeze": "Unfreeze the backbone (or its top layers) and fine-tune with a small lr (2e-5 for BERT).",
    "preflight.fix.unfreeze.why": "A frozen encoder's features were not trained for this task.",
    "preflight.fix.no_grad": "Use the module in forward() and remove .detach()/no_grad on its path to the loss, or "
    "freeze it on purpose (requires_grad=False).",
    "preflight.fix.no_grad.why": "A parameter with no gradient never trains.",
    "preflight.fix.zero_grad": "Check activations (LeakyReLU/GELU instead of ReLU), masks and initialisation.",
    "preflight.fix.zero_grad.why": "A zero gradient trains nothing.",
    "preflight.fix.ratio_high.why": "Brings the largest update-to-weight ratio to about 1e-2.",
    "preflight.fix.ratio_low.why": "Brings the largest update-to-weight ratio to about 1e-3.",
    "preflight.fix.bad_input": "Find and drop or impute the non-finite values in the data pipeline (assert "
    "torch.isfinite(x).all() in the dataset).",
    "preflight.fix.bad_input.why": "One NaN input poisons the whole batch's gradient.",
    "preflight.fix.bad_labels.why": "The output layer needs one unit per class id.",
    "preflight.fix.eval": "Build the eval split stratified by class (e.g. train_test_split(..., stratify=labels)).",
    "preflight.fix.eval.why": "An eval set with every class measures the model, not the split.",
    "preflight.fix.amp": "Keep bf16 for the encoder but run the sensitive module in float32 (torch.autocast(..., "
    "enabled=False) around it), and clip gradients.",
    "preflight.fix.amp.why": "float32 has the range the low-precision path lacks.",
    "preflight.fix.rnn_fp32": "Run {module} in float32: wrap its call in torch.autocast(device_type, enabled=False) "
    "and cast its input with .float().",
    "preflight.fix.rnn_fp32.why": "Keeps the speed of bf16 elsewhere and the range of float32 where the gradient "
    "grows with sequence length.",
    "preflight.fix.clip.why": "Clipping bounds the step when a recurrent gradient explodes.",
    "preflight.fix.bn": "Replace BatchNorm with GroupNorm/LayerNorm, or use SyncBatchNorm across devices.",
    "preflight.fix.bn.why": "They do not depend on the batch size.",
    "preflight.fix.bn_batch.why": "At 16 samples per device the batch statistics become usable.",
    "preflight.fix.double_softmax": "Return logits from forward(): remove the final Softmax (apply softmax only when "
    "predicting).",
    "preflight.fix.double_log_softmax": "Either return logits, or keep LogSoftmax and use NLLLoss.",
    "preflight.fix.double_softmax.why": "CrossEntropyLoss applies log-softmax itself.",
    "preflight.fix.bce": "Remove the final sigmoid and use BCEWithLogitsLoss.",
    "preflight.fix.bce.why": "It computes the same loss stably from logits.",
    "preflight.fix.overfit_lr_up.why": "The loss barely moves at this lr on a batch the model sees every step.",
    "preflight.fix.overfit_lr_down.why": "The loss rises or diverges on a batch the model sees every step.",
    "preflight.conclusion.ok": "Preflight passed: every trainable parameter is in the optimizer and gets a gradient, "
    "the loss is finite, and no risky setting was found.",
    "preflight.conclusion.problems": "{count, plural, one {# problem} other {# problems}} before training; first: {first}",
}
