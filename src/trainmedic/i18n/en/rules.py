"""English messages of the rules: findings, evidence notes and the four-part explanations of `trainmedic explain`."""

MESSAGES = {
    "rules.docs.title": "trainmedic rules",
    "rules.docs.columns": "code|name|symptom|severity|summary",
    "rules.docs.what": "What it does",
    "rules.docs.why": "Why it matters",
    "rules.docs.example": "Example",
    "rules.docs.fix": "What to do",
    "rules.docs.thresholds": "Thresholds",
    "rules.docs.symptom": "symptom {symptom}, default severity {severity}",
    # TM101 ----------------------------------------------------------------------------------------------------
    "rule.TM101.message": "{series} became {value} at {where}; {count} series non-finite in all ({names}).",
    "rule.TM101.ev_first": "first non-finite value",
    "rule.TM101.ev_rise": "last finite value: the loss had risen from {low} to {high} before it became non-finite",
    # TM102 ----------------------------------------------------------------------------------------------------
    "rule.TM102.message": "{series} is exactly 0.0 from {where}, after {before}, while {witness} is NaN: the trainer's NaN filter is hiding a NaN loss ({zeros, plural, one {# logged point} other {# logged points}}).",
    "rule.TM102.ev_before": "last real loss",
    "rule.TM102.ev_zero": "first exact 0.0: a hidden NaN",
    "rule.TM102.ev_witness": "NaN that proves it",
    # TM201 ----------------------------------------------------------------------------------------------------
    "rule.TM201.message": "{series} climbs from its minimum {min} to {last} ({huge, select, yes {over 1000x} other {{ratio}x}}) from {where}: {trail}.",
    "rule.TM201.message_eval": "{series} explodes from its minimum {min} to {last} ({huge, select, yes {over 1000x} other {{ratio}x}}) from {where} "
    "({trail}) while {train} stays at {train_last} (it was {train_first}): the model "
    "was knocked off its optimum, this is not overfitting.",
    "rule.TM201.ev_min": "lowest value before the climb",
    "rule.TM201.ev_onset": "the climb begins",
    "rule.TM201.ev_last": "last value",
    "rule.TM201.ev_train": "train loss at the same point",
    "rule.TM201.message_explosion": "{series} leaves its minimum {min} from {where} as {grad} explodes to {grad_value}, "
    "and stays up (median {level} since, {ratio}x the minimum, never back near it): {trail}.",
    "rule.TM201.ev_grad": "the gradient norm explodes",
    # TM301 ----------------------------------------------------------------------------------------------------
    "rule.TM301.message": "{series} stays at chance from {where}: loss {low}-{high} = ln({k}) = {ln_k} and accuracy "
    "{acc_low}-{acc_high} = 1/{k} = {chance}: the model predicts the class prior.",
    "rule.TM301.message_loss_only": "{series} stays at ln({k}) = {ln_k} (loss {low}-{high}) from {where}: a "
    "{k}-class model outputting the class prior.",
    "rule.TM301.ev_loss_first": "first loss, already at ln K",
    "rule.TM301.ev_loss_last": "last loss, still at ln K",
    "rule.TM301.ev_acc": "accuracy at 1/K",
    # TM302 ----------------------------------------------------------------------------------------------------
    "rule.TM302.message": "{series} has not moved for {n, plural, one {# point} other {# points}}: it started at {start} and never fell below {low}.",
    "rule.TM302.message_floor": "{series} settles on a floor of {floor} from {where} while the eval accuracy reaches "
    "{acc}: a model that classifies every example right should keep driving its "
    "cross-entropy down, so the loss cannot go below this level.",
    "rule.TM302.ev_floor": "on the floor",
    # TM401 ----------------------------------------------------------------------------------------------------
    "rule.TM401.message": "{series} swings by {typical} (up to {max}) between evaluations from {where} ({swings, plural, one {# reversal} other {# reversals}}; {rough}% of its level off its trend) while {train} moves smoothly ({train_rough}%).",
    "rule.TM401.message_no_train": "{series} swings by {typical} (up to {max}) between evaluations from {where} ({swings, plural, one {# reversal} other {# reversals}}; {rough}% of its level off its trend).",
    "rule.TM401.ev_swing_from": "before the first swing",
    "rule.TM401.ev_swing": "swing reversed by the next evaluation",
    # TM402 ----------------------------------------------------------------------------------------------------
    "rule.TM402.message": "{series} spikes {count, plural, one {once} other {# times}} from {where}, the worst {worst}x its local level, and {count, plural, one {recovers} other {recovers each time}}.",
    "rule.TM402.ev_spike": "spike, {ratio}x the level before",
    # TM501 ----------------------------------------------------------------------------------------------------
    "rule.TM501.message": "{series} rises from its minimum {min} to {last} ({rise}x) from {where} while {train} fell {train_drop}%: overfitting ({sets, plural, one {one eval set shows it} other {# eval sets show it}}).",
    "rule.TM501.message_few": "{series} rises from {min} to {last} ({rise}x) from {where} while {train} fell from {train_first} to "
    "{train_last} ({train_drop}%), and ends {gap}x the train loss: {strong, select, yes {overfitting, although only "
    "{evals, plural, one {# evaluation shows} other {# evaluations show}} it} other {perhaps overfitting; "
    "{evals, plural, one {# evaluation cannot} other {# evaluations cannot}} separate it from noise}}.",
    "rule.TM501.message_metric": "{series} rises from its minimum {min} to {last} ({rise}x) from {where} while {train} "
    "fell {train_drop}%, but {metric} went on improving ({metric_min} at the minimum, {metric_last} at the end): "
    "the model grew over-confident on the examples it gets wrong, not worse at the task.",
    "rule.TM501.ev_min": "eval minimum: the best checkpoint",
    "rule.TM501.ev_onset": "first evaluation after the minimum",
    "rule.TM501.ev_last": "last evaluation",
    "rule.TM501.ev_other": "another eval set, {rise}x its minimum at the end",
    # TM601 ----------------------------------------------------------------------------------------------------
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
    "rule.TM701.message": "{series} is exactly {values} from {where}: a model predicting one class scores exactly "
    "0 or 1 only if every validation label is the same class.",
    "rule.TM701.message_frozen": "{series} is identical ({values}) for {n, plural, one {# evaluation} other {# evaluations}} from {where} while training moves: the prediction never changes (one class predicted?) or the metric is not computed from the model.",
    "rule.TM701.message_zero": "{metrics} {n, plural, one {is exactly 0 at its # evaluation} other {are exactly 0 at every one of # evaluations}} from {where} while {moving} "
    "moves: the model never produced a single match with a target (missing or misread labels, or a metric computed on the wrong outputs).",
    "rule.TM701.message_unmatched": "{metrics} {n, plural, one {is exactly 0 at its # evaluation} other {are exactly 0 at every one of # evaluations}} from {where} while {moving} "
    "moves, and {zero_losses} exactly 0 at every step: no prediction was ever matched to a target (labels missing or not read).",
    "rule.TM701.ev_zero": "exactly 0",
    "rule.TM701.ev_zero_loss": "a loss that needs a matched target, exactly 0",
    "rule.TM701.ev_moving": "training moves",
    "rule.TM701.ev_extreme": "exact extreme value",
    "rule.TM701.ev_frozen": "same value again",
    # TM801-803 ------------------------------------------------------------------------------------------------
    "rule.TM801.message": "{series} jumps to {value} at {where}, {ratio}x its recent median {median}, and does not "
    "come back.",
    "rule.TM801.ev_before": "last normal value",
    "rule.TM801.ev_jump": "{ratio}x the median before",
    "rule.TM802.message": "{series} fell from a median {first} to {last} ({ratio}x smaller) from {where}, while "
    "{loss} stayed at {loss_last} (from {loss_first}).",
    "rule.TM802.ev_small": "first value a hundredth of the start",
    "rule.TM802.ev_loss": "loss still high",
    "rule.TM803.message": "{series} is above max_grad_norm {clip} at {share}% of the logged steps (median {median}): "
    "clipping sets the step size.",
    # TM901 ----------------------------------------------------------------------------------------------------
    "rule.TM901.fix": 'Stop at the first non-finite step: `trainmedic.Monitor(..., policy="stop")` or a callback '
    "that ends training on a NaN loss; delete the checkpoints saved after the failure.",
    "rule.TM901.message": "The run went on for {axis, select, step {{wasted, plural, one {# step} other {# steps}}} epoch {{wasted, plural, one {# epoch} other {# epochs}}} other {{wasted, plural, one {# logged point} other {# logged points}}}} after the failure at {where}{details, select, none {} other {: {details}}}.",
    "rule.TM901.part_evals": "{evals, plural, one {one more evaluation of a broken model, at {axis, select, step {step} epoch {epoch} other {point}} {eval_first}} other {# more evaluations of a broken model, {axis, select, step {steps} epoch {epochs} other {points}} {eval_first} to {eval_last}}}",
    "rule.TM901.part_patience": "early stopping (patience {patience}) needed {patience, plural, one {one evaluation} other {# evaluations}} without improvement before it could stop",
    "rule.TM901.part_checkpoints": "{checkpoints, plural, one {# checkpoint} other {# checkpoints}} saved from the broken model",
    "rule.TM901.ev_fail": "unrecoverable failure",
    "rule.TM901.ev_end": "the run ends",
    "rule.TM210.after": "after",
    "rule.TM210.before": "before",
    "rule.TM210.message_ramp": "The failure ({code}) began at {where}, {delta, plural, one {# step} other {# steps}} {side} the lr peaked at {peak} (step {peak_step}, warmup_steps {warmup}), with the lr at {share}% of its peak.",
    "rule.TM210.message_flat": "The failure ({code}) began at {where}, with the lr at {share}% of its peak {peak} (no warmup ramp in the logged lr).",
    "rule.TM210.ev_peak": "lr peak",
    "rule.TM210.ev_at_failure": "lr when the failure began",
}
