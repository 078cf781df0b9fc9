"""English messages of the causes layer: diagnosis titles, explanations, fixes and checkpoint advice."""

MESSAGES = {
    "cause.explain": "{parts}.",
    # recurrent_long_sequence
    "cause.recurrent_long_sequence.title": "Recurrent layer ({layers}) backpropagating through long sequences",
    "cause.recurrent_long_sequence.bptt": "The model has a recurrent layer ({layers}{cite, select, none {} other {, {cite}}}): backpropagation through time multiplies one Jacobian per time step, so the gradient can grow exponentially with the sequence length",
    "cause.recurrent_long_sequence.long": "here the sequences are {max_len} tokens long, so the product runs over {max_len, plural, one {# step} other {# steps}}; linear or CNN heads on the same encoder do not have a gradient path that grows with the length",
    "cause.recurrent_long_sequence.mixed": "and it runs in {precision}, which leaves far fewer digits (bf16) or far "
    "less range (fp16) for values accumulated over that many steps",
    "cause.recurrent_long_sequence.vanilla": "a vanilla tanh nn.RNN has no gates to protect that product, unlike "
    "LSTM/GRU",
    # mixed_precision_overflow
    "cause.mixed_precision_overflow.title": "Half precision ({precision}) overflow or precision loss",
    "cause.mixed_precision_overflow.fp16": "The run uses fp16{cite, select, none {} other { ({cite})}}: values above 65504 become inf and then NaN (large activations, attention scores, a loss scale that grew too far)",
    "cause.mixed_precision_overflow.bf16": "The run uses bf16{cite, select, none {} other { ({cite})}}: its range is fp32's, but with 8 bits of mantissa long accumulations lose precision and a value that keeps growing is not caught by a loss scaler",
    "cause.mixed_precision_overflow.recurrent": "the recurrent layer ({layers}) is where half precision hurts: its "
    "state is accumulated step after step",
    # no_grad_clipping
    "cause.no_grad_clipping.title": "No gradient clipping",
    "cause.no_grad_clipping.explanation": "Gradient clipping is off (max_grad_norm = {max_grad_norm}{cite, select, none {} other {, {cite}}}), so nothing bounds one large gradient: a single bad step can throw the weights off their optimum (swings, spikes) or overflow to NaN.",
    # lr_too_high
    "cause.cite.logged_lr": "the peak of the logged learning rate",
    "cause.lr_too_high.title": "Learning rate too high{lr, select, none {} other { ({lr})}}",
    "cause.lr_too_high.lead": "The learning rate{lr, select, none {} other { {lr}}}{cite, select, none {} other { ({cite})}} is larger than this run tolerates",
    "cause.lr_too_high.rise": "{series} rose from {low} to {high} before it became non-finite: the run was diverging before the NaN, the signature of steps too large for the loss surface{lr, select, none {} other { (lr {lr}{cite, select, none {} other {, {cite}}})}}",
    "cause.lr_too_high.divergence": "the loss left its minimum and climbed, which larger-than-stable updates do",
    "cause.lr_too_high.explosion": "the gradient norm jumped far above its level at {where} and stayed up while the loss stopped falling, which steps too large for where the model is do",
    "cause.lr_too_high.swings": "the eval metric jumps between evaluations while the train loss is smooth: with {lr, select, none {this lr} other {lr {lr}}}{optimizer, select, none {} other { ({optimizer})}} each epoch lands somewhere else in a sharp valley",
    # batch_lr_mismatch
    "cause.batch_lr_mismatch.title": "Effective batch changed {base_eff} → {eff} while the learning rate stayed {lr}",
    "cause.batch_lr_mismatch.change": "The effective batch went from {base_eff} ({base_pdb} x {base_accum}) in the "
    "stable baseline to {eff} ({pdb} x {accum}) here, {ratio}x larger, while the "
    "learning rate stayed {lr}",
    "cause.batch_lr_mismatch.summed": "losses in the hundreds (median {level}) mean the loss is summed over the "
    "batch, not averaged, so the gradient and the step size grow with the batch: "
    "a {ratio}x batch at the same lr is a {ratio}x larger step",
    "cause.batch_lr_mismatch.mean": "the loss is averaged over the batch (median {level}), so a bigger batch does "
    "not enlarge the gradient, only reduces its noise; the usual adjustment is the "
    "square-root rule",
    # warmup_peak_instability
    "cause.batch_lr_mismatch.title_no_baseline": "Step size grows with the effective batch ({eff}) under a summed loss",
    "cause.batch_lr_mismatch.no_baseline": "Losses in the hundreds (median {level}) mean the loss is summed over the batch, not averaged, so the gradient and the step size grow with the effective batch ({eff} = {pdb} x {accum}) at lr {lr}. If the batch was raised from a stable run without lowering the lr, every step is larger by the same factor; pass the stable run's directory to compare the two.",
    "cause.fix.lr_by_batch.action": "scale the lr by old effective batch / {eff} (a summed loss: keep lr x effective batch constant), or return to the effective batch that was stable",
    "cause.fix.lr_by_batch.why": "with a summed loss lr x effective batch is the step size that matters",
    "cause.warmup_peak_instability.title": "Failure begins when warmup ends and the lr peaks",
    "cause.warmup_peak_instability.explanation": "The collapse starts right after the {warmup} warmup steps end "
    "(epoch {epoch} is the first evaluation after step {warmup}; the "
    "last healthy one was at step {prev}), when the learning rate "
    "reaches its {peak} peak: the model was stable while the lr was "
    "ramping up and broke at full lr.",
    # frozen_backbone / optimizer_misses_params
    "cause.frozen_backbone.title": "Backbone frozen: only {ratio} of the parameters train",
    "cause.frozen_backbone.ratio": "Only {ratio} of the parameters ({trainable} of {total}{cite, select, none {} other {, {cite}}}) are trainable",
    "cause.frozen_backbone.expected": "freezing {freeze} of 12 encoder layers would still leave about {expected} of them trainable ({layers_left, plural, one {# layer} other {# layers}}); {trainable} means only the classifier head trains, and a head on frozen features that were never tuned for the task stays at the class prior",
    "cause.frozen_backbone.subset": "the optimizer is built from model.{subset}.parameters() only, so even layers "
    "left unfrozen never receive an update",
    "cause.optimizer_misses_params.title": "Optimizer built from model.{subset}.parameters() only",
    "cause.optimizer_misses_params.explanation": "The optimizer holds only the parameters of model.{subset}{cite, select, none {} other { ({cite})}}; every other parameter keeps its initial value whatever requires_grad says.",
    # degenerate_eval_set
    "cause.degenerate_eval_set.title": "Validation set holds a single class (or the metric is wrong)",
    "cause.degenerate_eval_set.explanation": "{series}{values, select, none { stays where a model that never changes its prediction would} other { is exactly {values}}} from {where}. A collapsed model predicts one class; it scores exactly 0 or exactly 1 only if every validation label is the same class, otherwise the accuracy code is wrong.",
    # overfitting_capacity
    "cause.overfitting_capacity.title": "The model memorises the train set",
    "cause.overfitting_capacity.explanation": "The train loss keeps falling while {series} rises from its minimum "
    "{min} ({where} is the first evaluation after it) to {last}: extra "
    "epochs fit the train set, not the task.",
    "cause.overfitting_capacity.explanation_memorise": "The train loss fell to {train} while {series} stays at {eval} "
    "({ratio}x) and has not improved since {where}: extra epochs "
    "fit the train set, not the task.",
    "cause.overfitting_capacity.explanation_short": "The train loss keeps falling while {series} rises from {where}: "
    "extra epochs fit the train set, not the task.",
    "cause.unknown.title": "Cause not determined",
    "cause.unknown.explanation": "The findings match none of the known causes with the configuration that could be "
    "read; pass the launch script or training script so that lr, batch, precision and "
    "clipping are known.",
    # fixes
    "cause.fix.clip.why": "bounds every update to a gradient norm of {to}, a safe bound for fine-tuning that rarely slows training",
    "cause.fix.clip_call.action": "call torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm={clip}) between loss.backward() and optimizer.step(); {clip_rnn} is a common looser bound for a recurrent model trained from scratch",
    "cause.fix.clip_call.why": "the training loop is hand-written: clipping is one line at that place",
    "cause.fix.rnn_fp32.action": "run the recurrent head ({layers}) in float32: wrap it in "
    "torch.autocast(device_type='cuda', enabled=False) and call it on .float() inputs; "
    "keep {precision} for the encoder instead of turning it off for the whole model",
    "cause.fix.rnn_fp32.why": "the encoder is stable in {precision}; only the recurrence needs the digits, and "
    "keeping the long context and the batch size avoids the slower, smaller run",
    "cause.fix.gated_rnn.action": "replace nn.RNN with nn.LSTM or nn.GRU",
    "cause.fix.gated_rnn.why": "gates keep the gradient through time bounded",
    "cause.fix.shorter_recurrence.action": "feed the recurrent head a shorter sequence (pool or chunk the "
    "{max_len} encoder outputs) if clipping and float32 are not enough",
    "cause.fix.shorter_recurrence.why": "the gradient path through a recurrence grows with its length",
    "cause.fix.bf16.why": "bf16 has fp32's range: no overflow at 65504 and no loss scaler needed (Ampere or newer)",
    "cause.fix.fp32_hotspots.action": "keep softmax/attention scores and the loss in float32 (clamp attention "
    "logits) if bf16 is not available",
    "cause.fix.fp32_hotspots.why": "these are the values that overflow fp16 first",
    "cause.fix.agreed_skip.action": 'skip a non-finite batch only when {world_size, plural, one {the process agrees} other {all # processes agree}}: all-reduce a flag (MAX) and skip on every process, or use trainmedic.Monitor(policy="skip"), which does so',
    "cause.fix.agreed_skip.why": "with `continue` on one process of a multi-GPU run the other processes wait "
    "forever in the gradient all-reduce: the run hangs instead of skipping",
    "cause.fix.skip_nonfinite.action": "skip the update when the loss is not finite (check torch.isfinite(loss) "
    "before backward)",
    "cause.fix.skip_nonfinite.why": "one bad batch then costs one step, not the run",
    "cause.fix.lr_unknown.action": "lower the learning rate {factor}x (its value is not in the files read: pass the launch script or config to get the number)",
    "cause.fix.lr_cut.why": "{factor}x lower keeps the steps inside the region where the loss was still falling",
    "cause.fix.lr_far_above.why": "far above what this optimizer trains with ({low} to {high}): halving is not enough; restart from its classic default and tune from there",
    "cause.fix.plateau_scheduler.action": "keep the lr and add ReduceLROnPlateau on the eval metric "
    "(factor 0.5, patience 2)",
    "cause.fix.plateau_scheduler.why": "the swings start once the model is near its optimum; a smaller step there "
    "settles it",
    "cause.fix.report_best.action": "report the best (or a smoothed) eval metric and keep that checkpoint, not the "
    "last epoch's",
    "cause.fix.report_best.why": "with swings of this size the last epoch's number is a draw, not the model's quality",
    "cause.fix.warmup.action": "add or lengthen warmup (e.g. 5-10% of the steps) and use AdamW",
    "cause.fix.warmup.why": "early updates are the largest relative to the weights",
    "cause.fix.lr_linear.why": "keeps lr x effective batch constant for a summed loss: {lr} x {base_eff}/{eff}",
    "cause.fix.lr_sqrt.why": "square-root rule for a mean loss: {lr} x sqrt({base_eff}/{eff})",
    "cause.fix.keep_batch.action": "keep the effective batch at {target}: a per-device batch of {pdb} with "
    "{accum, plural, one {no gradient accumulation} other {# accumulation steps}}"
    "{world_size, plural, one {} other { on # processes}}",
    "cause.fix.keep_batch.why": "the baseline was stable at that effective batch with this lr",
    "cause.fix.warmup_samples.why": "keeps the warmup as long in samples as the baseline's ({warm, plural, one {# step} other {# steps}} of {base_eff} samples)",
    "cause.fix.lower_peak.action": "lower the peak lr (see the lr fix) or lengthen warmup, and enable gradient "
    "clipping so that the first steps at full lr are bounded",
    "cause.fix.lower_peak.why": "the run broke at the first evaluation after the lr reached its peak {peak}",
    "cause.fix.all_params.action": "build the optimizer from all trainable parameters: "
    "AdamW(filter(lambda p: p.requires_grad, model.parameters()), ...)",
    "cause.fix.all_params.why": "parameters missing from the optimizer never change, whatever requires_grad says",
    "cause.fix.unfreeze.action": "unfreeze the encoder (all layers, or all but the embeddings) and train it at lr "
    "about {encoder_lr}",
    "cause.fix.unfreeze.why": "fine-tuning the encoder is what moves a classifier off the class prior; {encoder_lr} "
    "is the usual lr for a pretrained BERT-size encoder",
    "cause.fix.unfreeze_layers.action": "make every layer trainable (requires_grad=True, no lr multiplier of 0) and "
    "train them at the run's lr",
    "cause.fix.unfreeze_layers.why": "a head on frozen, untrained features cannot move the loss off the class prior",
    "cause.fix.preflight_dead.action": "run `trainmedic.preflight(model, batch, optimizer=optimizer)` on the model as "
    "it is now (a checkpoint of this run)",
    "cause.fix.preflight_dead.why": "it lists the layers whose gradients are exactly zero: the dead units, by layer",
    "cause.fix.lr_restart_dead.why": "dead units do not come back by themselves: restart from the initial weights "
    "with a {factor}x smaller lr, so that the first updates do not push the units where they never fire again",
    "cause.fix.preflight.action": "run `trainmedic.preflight(model, batch, optimizer=optimizer)` before training",
    "cause.fix.preflight.why": "it lists trainable parameters per module, parameters the optimizer misses and "
    "whether the gradient reaches every layer",
    "cause.fix.check_labels.action": "check the validation labels: count them per class (one class only?)",
    "cause.fix.check_labels.why": "{series}{values, select, none {} other { of exactly {values}}} is only possible with a single-class validation set or a broken metric",
    "cause.fix.stratified_split.action": "rebuild the validation split stratified by label",
    "cause.fix.stratified_split.why": "every class must be present for the eval numbers to mean anything",
    "cause.fix.best_checkpoint.action": "keep the checkpoint at the eval-loss minimum and stop early (patience 2-3 "
    "evaluations)",
    "cause.fix.best_checkpoint.action.hf": "keep the checkpoint at the eval-loss minimum (load_best_model_at_end=True, "
    "metric_for_best_model='eval_loss') and stop early "
    "(EarlyStoppingCallback(early_stopping_patience=3))",
    "cause.fix.best_checkpoint.action.lightning": "keep the checkpoint at the eval-loss minimum "
    "(ModelCheckpoint(monitor='val_loss', mode='min')) and stop early "
    "(EarlyStopping(monitor='val_loss', patience=3))",
    "cause.fix.best_checkpoint.action.keras": "keep the weights at the eval-loss minimum and stop early "
    "(EarlyStopping(monitor='val_loss', patience=3, "
    "restore_best_weights=True))",
    "cause.fix.best_checkpoint.why": "the best model of this run is the one at {series}'s minimum{min, select, none {} other { {min}}}",
    "cause.fix.regularise.action": "add weight decay (0.01-0.1), dropout or augmentation; fewer epochs or a lower "
    "lr for long runs",
    "cause.fix.regularise.why": "less capacity to memorise, more pressure to generalise",
    # checkpoint advice
    "cause.resume.with_broken": "Resume from {path}, the last checkpoint saved before the failure began; "
    "the {count} saved after it ({broken}) hold a broken model.",
    "cause.resume.plain": "Resume from {path}, the last checkpoint saved before the failure began.",
    "cause.resume.none": "Every checkpoint was saved after the failure began (the first is {first}): restart from "
    "the initial weights with the fixes.",
    # lr_too_low, and trainability suspects when the run does not say what trains
    "cause.lr_too_low.title": "Learning rate {lr} too small to move the weights",
    "cause.lr_too_low.far": "The lr {lr}{cite, select, none {} other { ({cite})}} is far below the usual range for {optimizer} ({low} to {high}): an Adam-type optimizer moves each weight by about lr per step, so the whole run moves a weight by less than lr x steps and the loss cannot leave where it started.",
    "cause.lr_too_low.lowish": "The lr {lr}{cite, select, none {} other { ({cite})}} is below the usual range for {optimizer} ({low} to {high}); it may be why the loss hardly moves, though other causes are possible.",
    "cause.fix.lr_raise.why": "x{factor} brings the lr into the usual range for {optimizer} ({low} to {high})",
    "cause.fix.lr_range_test.action": "run a short lr range test (raise the lr x10 every few hundred steps) and take the largest lr at which the loss still falls smoothly",
    "cause.fix.lr_range_test.why": "the right lr depends on the model and the batch; the range test measures it in minutes",
    "cause.fix.check_optimizer.action": "check which parameters the optimizer holds: sum(p.numel() for g in optimizer.param_groups for p in g['params']) against sum(p.numel() for p in model.parameters() if p.requires_grad)",
    "cause.fix.check_optimizer.why": "a model at the class prior with an ordinary lr is almost always a model whose weights are not being updated",
    "cause.dead_units.title_suspect": "Suspect: dead units (the output no longer depends on the input)",
    "cause.dead_units.constant_loss": "The loss is {value} on every one of the {n} logged batches from {where}: "
    "ln({k}) to the last printed digit. Batches give different losses as long as the prediction depends on the "
    "example; one number on every batch means every input gets the same logits, so the features reaching the last "
    "layer carry nothing: units that died after a too-large update (ReLUs that never fire again) or weights "
    "decayed to zero{lr, select, none {} other { (lr {lr})}}. A frozen backbone or an optimizer that misses part "
    "of the model would still give different losses on different batches.",
    "cause.frozen_backbone.title_suspect": "Suspect: most of the model is frozen",
    "cause.frozen_backbone.suspect": "The loss sits at ln({k}) = {ln_k} from {where} on{lr, select, none {} other { with an ordinary lr ({lr})}}: the model outputs the class prior, which is what a trainable head on frozen, untuned features produces. The run does not say how many parameters train, so this is a suspect, not a finding.",
    "cause.optimizer_misses_params.title_suspect": "Suspect: the optimizer holds only part of the model",
    "cause.optimizer_misses_params.suspect": "{lr, select, none {Nothing} other {With an ordinary lr ({lr}) nothing}} moves the loss off ln({k}) = {ln_k}: if the optimizer was built from a submodule's parameters (model.classifier.parameters()), everything else keeps its initial weights even though requires_grad is True and the parameter count looks right.",
    # loss_output_mismatch (the loss-floor variant of TM302 it rests on is in rules.py)
    "cause.loss_output_mismatch.title": "The loss and the model's output disagree (softmax applied twice?)",
    "cause.loss_output_mismatch.double_softmax": "The train loss stops at {floor} while the accuracy is {acc}. With {k, plural, one {# class} other {# classes}}, a loss that applies log-softmax to outputs that are already probabilities cannot go below ln(1 + (K-1)/e) = {expected}: the best the model can do is put probability 1 on the right class, which softmax turns into e / (e + K - 1). The observed floor matches it",
    "cause.loss_output_mismatch.generic": "The train loss stops at {floor} while the accuracy is {acc}: the model is right on every example but cannot become more confident, which happens when the model's output is squashed before the loss (softmax or sigmoid in forward() with CrossEntropyLoss / BCEWithLogitsLoss) or clamped",
    "cause.loss_output_mismatch.config": "the model applies {activation} to its output{cite, select, none {} other { ({cite})}}",
    "cause.fix.return_logits.action": "return raw logits from forward() and let the loss apply (log-)softmax; apply softmax only when predicting",
    "cause.fix.return_logits.why": "CrossEntropyLoss already contains log-softmax: a second softmax bounds the logits it sees to [0, 1] and the loss to its floor",
    # bad_input_data
    "cause.bad_input_data.title": "A bad batch: the data at {where}",
    "cause.bad_input_data.sudden_nan": "{series} was falling normally and became non-finite at {where} without a rise, a gradient explosion or half precision before it: one batch holding NaN/inf features (or a label the loss cannot take) poisons the weights in a single step",
    "cause.bad_input_data.spike": "{series} jumps {ratio}x its local level at {where} and is back at the next points: one batch of examples unlike the rest (corrupted or mislabelled), not a step size problem, which would recur",
    "cause.fix.check_batch_finite.action": "check the inputs before the forward pass: assert torch.isfinite(x).all(); drop or impute rows with NaN features in the dataset",
    "cause.fix.check_batch_finite.why": "a single non-finite feature makes the loss and every gradient NaN, and the optimizer writes it into the weights",
    "cause.fix.find_batch.action": "log the indices of the examples in the batch at {where} and inspect them (labels, features, source shard); drop the corrupted ones",
    "cause.fix.find_batch.why": "the run recovered by itself, so the examples are the thing to fix",
    "cause.unmatched_targets.title": "No prediction was ever matched to a target: labels missing or not read",
    "cause.unmatched_targets.explanation": "{series} is exactly 0 at every evaluation from {where} while the model trains. A detector or segmenter scores nothing only when no prediction overlaps any target: label files that are missing, empty, in the wrong folder or format, or boxes in the wrong coordinates.",
    "cause.fix.check_targets.action": "check that every training and validation image has its label file and that its boxes are read (count the targets per batch; draw a few)",
    "cause.fix.check_targets.why": "{series} stays exactly 0: the evaluation finds no target to match",
    "cause.bad_labels.title": "A label outside the model's classes (target {target}, {k, plural, one {# class} other {# classes}})",
    "cause.bad_labels.explanation": "the run crashed at {where} on `{line}` ({source}): the loss was given a class "
    "index that is negative or not below the number of outputs of the head, so a "
    "label is outside [0, num_classes)",
    "cause.bad_labels.explanation_known": "the run crashed at {where} on `{line}` ({source}): label {target} was given to a head with {k} outputs{cite, select, none {} other { ({cite})}}, which accepts labels 0 to {last} only",
    "cause.fix.labels_in_range.action": "check that every label lies in [0, num_classes) before training: "
    "assert 0 <= labels.min() and labels.max() < num_classes over the whole "
    "dataset",
    "cause.fix.labels_in_range.action_known": "check that every label lies in [0, {k}): the data holds label "
    "{target}; count the labels at or above {k} (and below 0) over the "
    "whole dataset",
    "cause.fix.labels_in_range.why": "one label outside the range stops the run at the first batch that holds it; "
    "a check over the dataset finds them all at once",
    "cause.fix.num_labels.why": "the label map has at least {to, plural, one {# class} other {# classes}}; a head sized from it takes every label",
    "cause.fix.remap_labels.action": "remap the labels to 0..num_classes-1 (a 1-based column, a label map larger "
    "than the head), or set num_labels from the label map; mark padding labels "
    "with ignore_index (-100)",
    "cause.fix.remap_labels.why": "the head's size and the label map must come from the same list of classes",
    "cause.frozen_backbone.title_switch": "Frozen by the config: {modules}",
    "cause.frozen_backbone.switch": "The config freezes {modules}{cite, select, none {} other { ({cite})}} and the model stays at chance: only the parts left trainable (usually the head) learn, on features never tuned to the task",
    "cause.warmup_peak_instability.near_peak": "{series} breaks at {where}, {distance, plural, one {# step} other {# steps}} from the end of the {warmup, plural, one {# warmup step} other {# warmup steps}}, with the lr at {share} of its {peak} peak: the model held while the lr ramped up and broke near full lr",
    "cause.warmup_peak_instability.earlier": "it was already degrading from {first}, while the lr was still "
    "rising, so the ramp's top is too high for this run rather than the "
    "peak alone",
    "cause.recurrent_long_sequence.because": "the recurrent layer ({layers}) backpropagates through long sequences",
    "cause.mixed_precision_overflow.because": "half precision ({precision}) overflows or loses precision",
    "cause.no_grad_clipping.because": "gradient clipping is off",
    "cause.lr_too_high.because": "the learning rate{lr, select, none {} other { {lr}}} is too high",
    "cause.lr_too_low.because": "the learning rate {lr} is too small to move the weights",
    "cause.batch_lr_mismatch.because": "the effective batch grew from {base_eff} to {eff} while the learning rate stayed {lr}",
    "cause.batch_lr_mismatch.because_no_baseline": "the loss is summed over the batch, so the step grows with the effective batch ({eff})",
    "cause.warmup_peak_instability.because": "the run breaks when warmup ends and the lr peaks",
    "cause.frozen_backbone.because": "the backbone is frozen and only {ratio} of the parameters train",
    "cause.frozen_backbone.because_suspect": "most of the model may be frozen",
    "cause.frozen_backbone.because_switch": "the config freezes {modules}",
    "cause.optimizer_misses_params.because": "the optimizer holds only model.{subset}.parameters()",
    "cause.optimizer_misses_params.because_suspect": "the optimizer may hold only part of the model",
    "cause.degenerate_eval_set.because": "the validation set holds a single class (or the metric is wrong)",
    "cause.overfitting_capacity.because": "the model memorises the train set",
    "cause.loss_output_mismatch.because": "the loss and the model's output disagree (softmax applied twice?)",
    "cause.bad_input_data.because": "a batch of bad data reached the model at {where}",
    "cause.unmatched_targets.because": "no prediction was ever matched to a target (labels missing or not read)",
    "cause.bad_labels.because": "a label lies outside the model's classes (target {target}, {k, plural, one {# class} other {# classes}})",
}
