"""English messages for the checks run by `trainmedic preflight`, `checkpoints` and `compare` (`trainmedic explain`)."""

MESSAGES = {
    "checks.docs.title": "Checks run by preflight, checkpoints and compare",

    "checks.docs.command.preflight": "run by trainmedic.preflight(model, batch, ...)",
    "checks.docs.command.checkpoints": "run by trainmedic checkpoints",
    "checks.docs.command.compare": "run by trainmedic compare",

    "check.TM1000.summary": "The model's forward pass fails on a real batch",
    "check.TM1000.what": "Runs the model's forward pass on one batch from the loader and reports the exception if it raises.",
    "check.TM1000.why": "A model that cannot run on the data it will be trained on fails at step 0; the data and loss checks that need its output cannot run.",
    "check.TM1000.fix": "Read the error: usually a shape, dtype or device mismatch between the batch and the model, or a batch key the model does not accept.",

    "check.TM1001.summary": "Under 1% of the parameters train",
    "check.TM1001.what": "Counts the parameters the optimizer will update and warns when they are below 1% of the model's parameters.",
    "check.TM1001.why": "A frozen backbone with a small head often stays near chance: its features were not trained for this task.",
    "check.TM1001.fix": "If the freeze is not deliberate, unfreeze the backbone (or its top layers) and fine-tune with a small lr.",

    "check.TM1002.summary": "Trainable parameters are in no optimizer group",
    "check.TM1002.what": "Compares the parameters with requires_grad=True against the optimizer's parameter groups and lists the modules whose parameters are in none of them.",
    "check.TM1002.why": "A parameter outside the optimizer never changes, whatever its gradient: the model trains partly or not at all.",
    "check.TM1002.fix": "Build the optimizer from model.parameters() (or every group you mean to train), after any layer is added or replaced.",

    "check.TM1003.summary": "Frozen parameters are in the optimizer",
    "check.TM1003.what": "Finds tensors with requires_grad=False that are still in an optimizer group.",
    "check.TM1003.why": "Harmless for the result, but they cost optimizer memory and time.",
    "check.TM1003.fix": "Pass only parameters with requires_grad=True to the optimizer.",

    "check.TM1004.summary": "The loss at initialisation is NaN or infinite",
    "check.TM1004.what": "Computes the loss on one batch before any step and reports it when it is not finite.",
    "check.TM1004.why": "The first backward pass would write NaN into every weight.",
    "check.TM1004.fix": "Check the inputs (TM1010) and labels (TM1011); under mixed precision run the sensitive module in float32.",

    "check.TM1005.summary": "Trainable tensors receive no gradient",
    "check.TM1005.what": "Runs one backward pass and lists trainable tensors whose `.grad` stays `None`: they are not on the path to the loss.",
    "check.TM1005.why": "A parameter with no gradient never trains.",
    "check.TM1005.fix": "Use the module in forward() and remove .detach() or no_grad on its path to the loss, or freeze it on purpose.",

    "check.TM1006.summary": "Tensors receive an all-zero gradient",
    "check.TM1006.what": "Runs one backward pass and lists trainable tensors whose gradient is exactly zero.",
    "check.TM1006.why": "A zero gradient trains nothing; it points to dead activations, a mask or a bad initialisation.",
    "check.TM1006.fix": "Check activations (LeakyReLU or GELU instead of ReLU), masks and initialisation.",

    "check.TM1007.summary": "One step would change a layer by more than 10% of its norm",
    "check.TM1007.what": "Estimates one optimizer step's update of each layer relative to its weight norm and reports the layer above 0.1.",
    "check.TM1007.why": "Updates that large overshoot; the loss tends to spike or diverge early.",
    "check.TM1007.fix": "Lower the lr so that the largest update-to-weight ratio is about 1e-2 (trainmedic gives the value).",

    "check.TM1008.summary": "One step changes every layer by less than 1e-6 of its norm",
    "check.TM1008.what": "Estimates one optimizer step's update of each layer relative to its weight norm and reports when even the largest is below 1e-6.",
    "check.TM1008.why": "Updates that small barely move the weights: the loss plateaus.",
    "check.TM1008.fix": "Raise the lr so that the largest update-to-weight ratio is about 1e-3.",

    "check.TM1009.summary": "The loss at init is well above chance level",
    "check.TM1009.what": "For classification, compares the loss at init with ln K (K classes), the loss of a uniform guess, and notes it when it is more than 1 above.",
    "check.TM1009.why": "A freshly initialised classifier should predict near-uniformly; a much higher loss points to a bad output scale or initialisation.",
    "check.TM1009.fix": "Check the scale of the last layer's initialisation and that the loss receives logits.",

    "check.TM1010.summary": "The batch holds NaN or infinite inputs",
    "check.TM1010.what": "Scans the tensors of one batch for NaN and infinite values and names where they are.",
    "check.TM1010.why": "One NaN input poisons the whole batch's gradient and then every weight.",
    "check.TM1010.fix": "Find and drop or impute the non-finite values in the data pipeline.",

    "check.TM1011.summary": "Labels fall outside the model's classes",
    "check.TM1011.what": "Compares the class labels of one batch with the model's number of classes and counts those below 0 or at least that number.",
    "check.TM1011.why": "An out-of-range label makes the loss fail or index out of bounds (a device-side assert on GPU).",
    "check.TM1011.fix": "Give the output layer one unit per class id (num_classes = largest label + 1), or fix the label mapping.",

    "check.TM1012.summary": "Every label in the batch is the same class",
    "check.TM1012.what": "Reports a batch of more than one example whose labels are all one class.",
    "check.TM1012.why": "Often an unshuffled loader over data sorted by class: each step pushes the model toward one class.",
    "check.TM1012.fix": "Shuffle the training loader (shuffle=True or a shuffling sampler).",

    "check.TM1013.summary": "The eval loader holds a single class",
    "check.TM1013.what": "Counts the class labels in up to 50 batches of the eval loader and reports when there is only one class.",
    "check.TM1013.why": "Accuracy on a one-class set says nothing about the model, and F1 or AUC are degenerate.",
    "check.TM1013.fix": "Build the eval split stratified by class (e.g. train_test_split(..., stratify=labels)).",

    "check.TM1020.summary": "Recurrent layers under low-precision autocast over long sequences",
    "check.TM1020.what": "Finds RNN, LSTM or GRU modules run under float16 or bfloat16 autocast on sequences longer than 512 steps.",
    "check.TM1020.why": "Gradients through long recurrences grow or shrink geometrically and leave the range of low precision, giving NaN.",
    "check.TM1020.fix": "Run the recurrent module in float32 (autocast disabled around its call) and clip gradients (max_grad_norm 1.0).",

    "check.TM1021.summary": "Recurrent layers without gradient clipping",
    "check.TM1021.what": "Finds RNN, LSTM or GRU modules in a setup where max_grad_norm is unset.",
    "check.TM1021.why": "A recurrent gradient can explode in a single step; clipping bounds the step.",
    "check.TM1021.fix": "Set max_grad_norm (1.0 is a common value).",

    "check.TM1022.summary": "BatchNorm with a per-device batch below 4",
    "check.TM1022.what": "Finds BatchNorm layers when the per-device batch is smaller than 4.",
    "check.TM1022.why": "Batch statistics from so few samples are noise: training oscillates and eval (running statistics) disagrees with train.",
    "check.TM1022.fix": "Replace BatchNorm with GroupNorm or LayerNorm, use SyncBatchNorm across devices, or raise the per-device batch.",

    "check.TM1023.summary": "Softmax or log-softmax output fed to CrossEntropyLoss",
    "check.TM1023.what": "Checks whether the model's output already sums to 1 (softmax) or is a log-softmax while the loss is CrossEntropyLoss.",
    "check.TM1023.why": "CrossEntropyLoss applies log-softmax itself; a second softmax squashes the gradient and the model stays near chance.",
    "check.TM1023.fix": "Return logits from forward(), or keep LogSoftmax and use NLLLoss.",

    "check.TM1024.summary": "BCELoss on sigmoid outputs",
    "check.TM1024.what": "Finds a model ending in a sigmoid trained with BCELoss.",
    "check.TM1024.why": "Saturated sigmoids give log(0) = -inf and vanishing gradients.",
    "check.TM1024.fix": "Remove the final sigmoid and use BCEWithLogitsLoss, which computes the same loss stably from logits.",

    "check.TM1030.summary": "The loss does not fall on one repeated batch",
    "check.TM1030.what": "Trains a copy of the model for a few steps on one batch and reports when the loss does not fall by 10%: flat, rising, non-finite, or with no parameter to update.",
    "check.TM1030.why": "Any working model can memorise one batch; if it cannot, the bug is in the setup (lr, optimizer, loss, model), not in the data size.",
    "check.TM1030.fix": "Raise the lr if the loss is flat, lower it if it rises or becomes NaN, and check that the optimizer holds the model's parameters.",

    "check.TM1101.summary": "A checkpoint holds non-finite weights",
    "check.TM1101.what": "Reads each checkpoint and counts NaN and infinite weights.",
    "check.TM1101.why": "Resuming from it gives NaN from the first step; checkpoints saved after it descend from broken weights.",
    "check.TM1101.fix": "Resume from the last healthy checkpoint that trainmedic names, and find what made the weights non-finite.",

    "check.TM1102.summary": "The weight norm jumps far above the run's earlier jumps",
    "check.TM1102.what": "Compares the change of the global weight norm between saves with the median of the earlier changes and reports a jump more than 10 times that median.",
    "check.TM1102.why": "A healthy run changes its norm by similar amounts between saves; a jump that large is an exploding update, even when the weights are still finite.",
    "check.TM1102.fix": "Resume from the checkpoint before the jump, with a lower lr or gradient clipping.",

    "check.TM1103.summary": "A checkpoint was saved after the run's metrics had failed",
    "check.TM1103.what": "With the run's logs, finds where its metrics failed (NaN, divergence, collapse) and reports checkpoints saved at or after that point.",
    "check.TM1103.why": "Their weights are already the failed model, even if every value is finite.",
    "check.TM1103.fix": "Resume from the last checkpoint saved before the failure.",

    "check.TM1104.summary": "The saved optimizer state holds non-finite values",
    "check.TM1104.what": "Counts NaN and infinite values in the optimizer state saved with each checkpoint (e.g. Adam's moments).",
    "check.TM1104.why": "Resuming with it replays the NaN into the weights on the first step, even when the weights are finite.",
    "check.TM1104.fix": "Resume from an earlier checkpoint, or load the weights only and start a fresh optimizer.",

    "check.TM1201.summary": "The two runs' curves part",
    "check.TM1201.what": "Aligns the two runs' series and finds the first point where a loss differs by more than 30% or a score by more than 5 points, and still differs at the next point.",
    "check.TM1201.why": "Where the curves part is where the configuration difference starts to matter; seeds of one configuration stay within a few percent.",
    "check.TM1201.fix": "Look at the configuration differences that act at that point (lr schedule, warmup, batch) in the comparison table.",

    "check.TM1202.summary": "The effective batch changed but the lr was not scaled to match",
    "check.TM1202.what": "Compares effective batch (batch x accumulation x devices) and lr of the two runs, given how the loss is reduced, and reports an lr outside the scaling rules.",
    "check.TM1202.why": "The right lr depends on the batch: changing one without the other makes a run diverge or learn too slowly.",
    "check.TM1202.fix": "Use the recommended lr (and warmup) that trainmedic computes from the linear or square-root rule.",
}
