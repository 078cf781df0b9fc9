"""English messages of the rules: findings, evidence notes and the four-part explanations of `trainmedic explain`."""

MESSAGES = {
    "rule.where.step_epoch": "step {step} (epoch {epoch})",
    "rule.where.step": "step {step}",
    "rule.where.epoch": "epoch {epoch}",
    "rule.where.index": "point {index}",

    "rules.docs.title": "trainmedic rules",
    "rules.docs.columns": "code|name|symptom|severity|summary",
    "rules.docs.what": "What it does",
    "rules.docs.why": "Why it matters",
    "rules.docs.example": "Example",
    "rules.docs.fix": "What to do",
    "rules.docs.thresholds": "Thresholds",
    "rules.docs.symptom": "symptom {symptom}, default severity {severity}",

    # TM101 ----------------------------------------------------------------------------------------------------
    "rule.TM101.summary": "NaN or infinity in a loss, metric or gradient norm",
    "rule.TM101.what": "Finds the first point where any loss, metric or gradient-norm series of a model is NaN or "
                       "infinite, and lists where each other series followed.",
    "rule.TM101.why": "A NaN never heals by itself: once one weight is NaN, every later forward pass is NaN, every "
                      "evaluation is meaningless and every checkpoint saved after it is broken.",
    "rule.TM101.example": "`eval_loss: nan` at step 2500 while F1 drops from 0.9322 to 0.0233.",
    "rule.TM101.fix": "Resume from the last checkpoint before the first non-finite value; find the overflowing "
                      "module (recurrent layers and attention scores under fp16/bf16 are the usual ones); enable "
                      "gradient clipping; lower the learning rate if the loss was rising before the NaN.",
    "rule.TM101.message": "{series} became {value} at {where}; {count} series non-finite in all ({names}).",
    "rule.TM101.ev_first": "first non-finite value",
    "rule.TM101.ev_rise": "last finite value: the loss had risen from {low} to {high} before it became non-finite",

    # TM102 ----------------------------------------------------------------------------------------------------
    "rule.TM102.summary": "train loss logged as exactly 0.0 while the gradient norm or eval loss is NaN (hidden NaN)",
    "rule.TM102.what": "Finds a train loss of exactly 0.0 after non-zero history, staying at 0.0, while the gradient "
                       "norm or the eval loss is NaN.",
    "rule.TM102.why": "The Hugging Face Trainer drops NaN/inf losses from its logging window "
                      "(`logging_nan_inf_filter`, on by default); a window in which every step was NaN is logged as "
                      "0.0. A loss of 0.0000 then looks like perfect convergence while the model is dead.",
    "rule.TM102.example": "`Train Loss: 0.0000` from step 2100 with `grad_norm: nan` in trainer_state.json.",
    "rule.TM102.fix": "Treat the first 0.0 as the first NaN: resume from the checkpoint before it and fix the "
                      "overflow; set `logging_nan_inf_filter=False` so that the log shows nan.",
    "rule.TM102.message": "{series} is exactly 0.0 from {where} (it was {before} before) while {witness} is NaN: "
                          "the trainer's NaN filter is hiding a NaN loss ({zeros} logged points).",
    "rule.TM102.ev_before": "last real loss",
    "rule.TM102.ev_zero": "first exact 0.0: a hidden NaN",
    "rule.TM102.ev_witness": "NaN that proves it",

    # TM201 ----------------------------------------------------------------------------------------------------
    "rule.TM201.summary": "loss climbs to twice its running minimum and stays there",
    "rule.TM201.what": "Smooths the loss (per-batch noise is not divergence), tracks its running minimum, and "
                       "reports where a climb to at least twice the minimum began, if the loss stays up (or turns "
                       "NaN). An eval loss counts only while the train loss keeps at least half its level; a train "
                       "loss that keeps falling makes it overfitting instead.",
    "rule.TM201.why": "A loss that leaves its optimum and does not return means the updates are too large for the "
                      "loss surface: learning rate, effective batch under a summed loss, missing clipping.",
    "rule.TM201.example": "val loss 110 -> 355 -> 1142 -> 1817 -> 2360 while train loss stays at 133.",
    "rule.TM201.fix": "Resume from the checkpoint before the onset with a lower learning rate (or the lr rescaled "
                      "to the effective batch), gradient clipping and, if it started at the end of warmup, a lower "
                      "peak or a longer warmup.",
    "rule.TM201.message": "{series} climbs from its minimum {min} to {last} ({ratio}x) from {where}: {trail}.",
    "rule.TM201.message_eval": "{series} explodes from its minimum {min} to {last} ({ratio}x) from {where} "
                               "({trail}) while {train} stays at {train_last} (it was {train_first}): the model "
                               "was knocked off its optimum, this is not overfitting.",
    "rule.TM201.ev_min": "lowest value before the climb",
    "rule.TM201.ev_onset": "the climb begins",
    "rule.TM201.ev_last": "last value",
    "rule.TM201.ev_train": "train loss at the same point",

    # TM301 ----------------------------------------------------------------------------------------------------
    "rule.TM301.summary": "loss at ln(K) and accuracy at 1/K: the model outputs the class prior",
    "rule.TM301.what": "Takes K from num_classes (or from a loss level that equals ln K for an integer K) and checks "
                       "that the train loss sits within 5% of ln K for the whole run and the accuracy near 1/K; "
                       "reports the point where the accuracy first confirms it.",
    "rule.TM301.why": "For a K-class cross-entropy, predicting the uniform prior gives exactly loss ln K and "
                      "accuracy 1/K. A run that stays there learns nothing: the gradient does not reach the "
                      "weights that would have to change (frozen encoder, optimizer built from the wrong "
                      "parameters, lr far too small, labels not matching inputs).",
    "rule.TM301.example": "4 classes: loss 1.38-1.40 (ln 4 = 1.386) and accuracy 0.23-0.27 for 5 epochs.",
    "rule.TM301.fix": "Check the trainable-parameter count and which parameters the optimizer holds; check that "
                      "the gradient reaches every layer; check labels against inputs on one batch; overfit one "
                      "batch as a smoke test.",
    "rule.TM301.message": "{series} stays at chance from {where}: loss {low}-{high} = ln({k}) = {ln_k} and accuracy "
                          "{acc_low}-{acc_high} = 1/{k} = {chance}: the model predicts the class prior.",
    "rule.TM301.message_loss_only": "{series} stays at ln({k}) = {ln_k} (loss {low}-{high}) from {where}: a "
                                    "{k}-class model outputting the class prior.",
    "rule.TM301.ev_loss_first": "first loss, already at ln K",
    "rule.TM301.ev_loss_last": "last loss, still at ln K",
    "rule.TM301.ev_acc": "accuracy at 1/K",

    # TM302 ----------------------------------------------------------------------------------------------------
    "rule.TM302.summary": "train loss never falls below where it started",
    "rule.TM302.what": "Smooths the train loss and checks whether it ever fell 2% below its starting level over a "
                       "run of at least 10 points.",
    "rule.TM302.why": "A loss that does not move from its first value means the updates do not change the model's "
                      "predictions: lr too small, frozen weights, a detached graph, or data that carries no signal.",
    "rule.TM302.example": "loss 2.31, 2.30, 2.31, 2.30 ... for 2000 steps.",
    "rule.TM302.fix": "Check the trainable parameters and the optimizer's parameter list, the lr schedule (not "
                      "stuck at 0), and that the loss is computed from the model's output.",
    "rule.TM302.message": "{series} has not moved for {n} points: it started at {start} and never fell below {low}.",
    "rule.TM302.message_floor": "{series} settles on a floor of {floor} from {where} while the eval accuracy reaches "
                                  "{acc}: a model that classifies every example right should keep driving its "
                                  "cross-entropy down, so the loss cannot go below this level.",
    "rule.TM302.ev_floor": "on the floor",

    # TM401 ----------------------------------------------------------------------------------------------------
    "rule.TM401.summary": "eval metric swings between evaluations far more than its trend and the train curve",
    "rule.TM401.what": "Measures each eval series' mean distance from its 5-point rolling-median trend relative to "
                       "its level, counts swings (a move reversed by the next move, both at least twice that "
                       "roughness), and compares with the train loss at the same points; with exact k/n accuracies "
                       "it also rules out the eval set's sampling noise.",
    "rule.TM401.why": "When the train loss falls smoothly but the eval metric jumps up and down, the weights jump "
                      "between evaluations: each epoch lands at a different point of a sharp valley. Large steps "
                      "(lr), exploding gradients in recurrent nets without clipping, and tiny batches do this.",
    "rule.TM401.example": "RNN test accuracy 61.69 -> 67.70 -> 64.47 -> 62.22 while its train loss falls "
                          "smoothly; the CNN in the same file moves by 0.3.",
    "rule.TM401.fix": "Clip gradients (max_norm 1.0-5.0), lower the lr (about 3x) or use ReduceLROnPlateau; for a "
                      "vanilla RNN use LSTM/GRU; report the best or a smoothed eval metric, not the last one.",
    "rule.TM401.message": "{series} swings by {typical} (up to {max}) between evaluations from {where} ({swings} "
                          "reversals; {rough}% of its level off its trend) while {train} moves smoothly "
                          "({train_rough}%).",
    "rule.TM401.message_no_train": "{series} swings by {typical} (up to {max}) between evaluations from {where} "
                                   "({swings} reversals; {rough}% of its level off its trend).",
    "rule.TM401.ev_swing_from": "before the first swing",
    "rule.TM401.ev_swing": "swing reversed by the next evaluation",

    # TM402 ----------------------------------------------------------------------------------------------------
    "rule.TM402.summary": "loss jumps far above its local level and comes back",
    "rule.TM402.what": "Compares every point with the median of the 10 points before it; a spike is 3x that level "
                       "and 6 robust standard deviations above it, and recovers within 5 points.",
    "rule.TM402.why": "One spike is a hard batch; repeated or huge ones are steps too large for the curvature, the "
                      "same mechanism that, a little stronger, diverges or produces NaN.",
    "rule.TM402.example": "loss 0.4, 0.41, 3.9, 0.45, 0.42.",
    "rule.TM402.fix": "Enable gradient clipping; lower the lr or lengthen warmup; look for bad samples in the "
                      "batches at the spike steps.",
    "rule.TM402.message": "{series} spikes {count} time(s) from {where}, the worst {worst}x its local level, and "
                          "recovers each time.",
    "rule.TM402.ev_spike": "spike, {ratio}x the level before",

    # TM501 ----------------------------------------------------------------------------------------------------
    "rule.TM501.summary": "train loss falls while eval loss climbs from its minimum and stays up",
    "rule.TM501.what": "Finds the eval loss's minimum and checks that it then stays up (at least 2 evaluations, "
                       "ending 10% above the minimum) while the train loss fell at least 10% over the same span; "
                       "every eval set is judged and the earliest onset reported.",
    "rule.TM501.why": "From that point on the model learns the train set rather than the task: later checkpoints "
                      "generalise worse than the one at the minimum.",
    "rule.TM501.example": "eval loss 1.11 (epoch 1) -> 1.13 -> 1.35 -> ... -> 2.75 while train loss falls "
                          "1.11 -> 0.055.",
    "rule.TM501.fix": "Keep the checkpoint at the eval minimum (load_best_model_at_end, early stopping on eval "
                      "loss); add regularisation (weight decay, dropout, augmentation), fewer epochs or more data.",
    "rule.TM501.message": "{series} rises from its minimum {min} to {last} ({rise}x) from {where} while {train} "
                          "fell {train_drop}%: overfitting ({sets} eval set(s) show it).",
    "rule.TM501.ev_min": "eval minimum: the best checkpoint",
    "rule.TM501.ev_onset": "first evaluation after the minimum",
    "rule.TM501.ev_last": "last evaluation",
    "rule.TM501.ev_other": "another eval set, {rise}x its minimum at the end",

    # TM601 ----------------------------------------------------------------------------------------------------
    "rule.TM601.summary": "eval metric (F1, accuracy, recall ...) falls far from its best and stays down",
    "rule.TM601.what": "Tracks each higher-is-better eval metric's best value; collapse is a fall of half the way "
                       "from its floor (0, or 1/K for accuracy) to the best, by at least 0.1, still a third down "
                       "at the end. Reported where the decline begins.",
    "rule.TM601.why": "The model that produced the best score no longer exists; every later checkpoint is worse. "
                      "When precision holds while recall collapses, the model has stopped predicting the "
                      "positive classes.",
    "rule.TM601.example": "val F1 0.95 -> 0.86 -> 0.44 -> 0.22 -> 0.17; precision 0.69 while recall 0.097.",
    "rule.TM601.fix": "Resume from the checkpoint at the best score and remove the cause of the instability (see "
                      "the diagnoses).",
    "rule.TM601.message": "{series} collapses from its best {best} at {best_where} to {low} at {low_where}; the "
                          "decline begins at {where} ({onset_value}).",
    "rule.TM601.message_pattern": "{series} collapses from its best {best} at {best_where} to {low} at "
                                  "{low_where}; the decline begins at {where} ({onset_value}). {pattern}: "
                                  "precision {precision}, recall {recall}.",
    "rule.TM601.precision_high_recall_low": "Precision holds while recall collapses: the model stopped predicting "
                                            "the positive classes",
    "rule.TM601.recall_high_precision_low": "Recall holds while precision collapses: the model predicts the "
                                            "positive classes everywhere",
    "rule.TM601.ev_best": "best value",
    "rule.TM601.ev_onset": "the decline begins",
    "rule.TM601.ev_low": "lowest value",
    "rule.TM601.ev_precision_high_recall_low": "precision held, recall gone",
    "rule.TM601.ev_recall_high_precision_low": "recall held, precision gone",

    # TM701 ----------------------------------------------------------------------------------------------------
    "rule.TM701.summary": "eval accuracy exactly 0 or 1 (or frozen) in a way only a one-class eval set explains",
    "rule.TM701.what": "Flags eval accuracies of exactly 0 or exactly 1 (with at least 2 evaluations in the series) "
                       "when the numbers beside them cannot belong to a model the metric measures: exact 0 and "
                       "exact 1 both occur; the eval loss beside them is NaN; the eval loss is impossible for that "
                       "accuracy (all wrong with a loss below ln 2, all right with a loss above ln K, or ln 4 "
                       "without num_classes); or perfect scores whose eval loss is below 0.6x the train loss (median "
                       "of 3+ evaluations). Also flags an accuracy identical to the last digit over 4+ evaluations "
                       "in a row (not at 0 or 1) while the train loss moves by 10% of its level and of its range.",
    "rule.TM701.why": "A model that predicts a single class scores exactly 0 or exactly 1 only if every validation "
                      "label is the same class; otherwise the accuracy code is wrong. Either way the eval numbers "
                      "cannot tell good models from bad.",
    "rule.TM701.example": "Val Acc 0.0000 at epoch 1, then 1.0000 with Val Loss nan.",
    "rule.TM701.fix": "Count the labels of the validation set (one class only?), check the split and the metric "
                      "code (argmax over the right axis, labels vs predictions).",
    "rule.TM701.message": "{series} is exactly {values} from {where}: a model predicting one class scores exactly "
                          "0 or 1 only if every validation label is the same class.",
    "rule.TM701.message_frozen": "{series} is identical ({values}) for {n} evaluations from {where} while training "
                                 "moves: the prediction never changes (one class predicted?) or the metric is "
                                 "not computed from the model.",
    "rule.TM701.ev_extreme": "exact extreme value",
    "rule.TM701.ev_frozen": "same value again",

    # TM801-803 ------------------------------------------------------------------------------------------------
    "rule.TM801.summary": "gradient norm jumps to 10x its recent median and stays up",
    "rule.TM801.what": "Compares each gradient norm with the median of the 50 points logged before it (at least 5); "
                       "the first one 10x above that does not fall back under 3x within the next 3 points is "
                       "reported, as an error when NaN follows. A one-point jump that the next step forgets is a "
                       "hard batch, not an explosion.",
    "rule.TM801.why": "An exploding gradient makes one update large enough to throw the model off its optimum or "
                      "overflow to inf/NaN; clipping would bound it.",
    "rule.TM801.example": "grad_norm 1.5, 2.1, 1.8 ... 48.0, then nan.",
    "rule.TM801.fix": "Enable gradient clipping (max_grad_norm 1.0); lower the lr; for recurrent layers keep them "
                      "in float32.",
    "rule.TM801.message": "{series} jumps to {value} at {where}, {ratio}x its recent median {median}, and does not "
                          "come back.",
    "rule.TM801.ev_before": "last normal value",
    "rule.TM801.ev_jump": "{ratio}x the median before",
    "rule.TM802.summary": "gradient norm falls to a hundredth of where it started while the loss stays high",
    "rule.TM802.what": "Compares the median gradient norm of the last quarter of the run with the first quarter's, "
                       "and reports a fall to a hundredth only while the loss has kept at least half of its level "
                       "and stopped falling: a gradient that shrinks as the loss falls is a model converging.",
    "rule.TM802.why": "A gradient that vanishes stops learning: saturated activations, dead ReLUs, a collapsed "
                      "lr, or a loss that no longer depends on the weights.",
    "rule.TM802.example": "grad_norm 2.0 at the start, 0.004 at the end while the loss is still high.",
    "rule.TM802.fix": "Check the activations (dead units), the normalisation layers, the lr schedule, and the "
                      "per-layer gradient norms.",
    "rule.TM802.message": "{series} fell from a median {first} to {last} ({ratio}x smaller) from {where}, while "
                          "{loss} stayed at {loss_last} (from {loss_first}).",
    "rule.TM802.ev_small": "first value a hundredth of the start",
    "rule.TM802.ev_loss": "loss still high",
    "rule.TM803.summary": "gradient norm above max_grad_norm at nearly every step",
    "rule.TM803.what": "Compares the logged (pre-clip) gradient norms with max_grad_norm from the config.",
    "rule.TM803.why": "When the clip rescales every update, the clip threshold, not the lr, sets the step size; a "
                      "hard clip hides how unstable the optimisation is.",
    "rule.TM803.example": "max_grad_norm 1.0 and grad_norm between 3 and 40 at 99% of the steps.",
    "rule.TM803.fix": "Lower the lr until the gradient norm is usually below the clip, or raise the clip to about "
                      "the median norm.",
    "rule.TM803.message": "{series} is above max_grad_norm {clip} at {share}% of the logged steps (median {median}): "
                          "clipping sets the step size.",

    # TM901 ----------------------------------------------------------------------------------------------------
    "rule.TM901.summary": "steps and evaluations run after a failure the run could not recover from",
    "rule.TM901.what": "Finds the first point after which a loss never becomes finite again (a hidden NaN counts) "
                       "and counts the steps, evaluations and checkpoints after it.",
    "rule.TM901.why": "Early stopping waits for `patience` evaluations without improvement; a NaN model cannot "
                      "improve, so those evaluations and the steps between them are paid for nothing, and the "
                      "checkpoints saved meanwhile hold a broken model.",
    "rule.TM901.example": "NaN from step 2100, early stopping (patience 3) stops at 3500: 1400 steps and 3 "
                          "evaluations wasted.",
    "rule.TM901.fix": "Stop at the first non-finite step: `trainmedic.Monitor(..., policy=\"stop\")` or a callback "
                      "that ends training on a NaN loss; delete the checkpoints saved after the failure.",
    "rule.TM901.message": "The run went on for {wasted} {unit} after the failure at {where}: {details}.",
    "rule.TM901.unit_step": "steps",
    "rule.TM901.unit_epoch": "epochs",
    "rule.TM901.unit_index": "points",
    "rule.TM901.part_evals": "{evals} more evaluation(s) of a broken model ({unit} {eval_first}-{eval_last})",
    "rule.TM901.part_patience": "early stopping (patience {patience}) needed {patience} evaluations without "
                                "improvement before it could stop",
    "rule.TM901.part_checkpoints": "{checkpoints} checkpoint(s) saved from the broken model",
    "rule.TM901.ev_fail": "unrecoverable failure",
    "rule.TM901.ev_end": "the run ends",
    "rule.TM210.summary": "where the first failure began on the lr schedule (after warmup, at the lr peak?)",
    "rule.TM210.what": "Places the earliest failure finding (non-finite values, divergence, collapse, gradient explosion, crash) on the learning-rate schedule: how many steps before or after the lr peak it began, and the lr then as a share of the peak.",
    "rule.TM210.why": "A run that is stable through warmup and breaks within an evaluation or two of the lr peak was hiding a step that is too large behind the ramp; a run that breaks at a low lr points elsewhere (data, precision).",
    "rule.TM210.example": "Warmup of 15000 steps ends with epoch 1; the val loss explodes from epoch 2, at 75% of the peak lr 7.5e-5.",
    "rule.TM210.fix": "Lower the peak lr or lengthen the warmup; watch the first evaluations after warmup ends.",
    "rule.TM210.message_ramp": "The failure ({code}) began at {where}, {delta} steps {side} the lr peaked at {peak} (step {peak_step}, warmup_steps {warmup}), with the lr at {share}% of its peak.",
    "rule.TM210.message_flat": "The failure ({code}) began at {where}, with the lr at {share}% of its peak {peak} (no warmup ramp in the logged lr).",
    "rule.TM210.ev_peak": "lr peak",
    "rule.TM210.ev_at_failure": "lr when the failure began",
}
