"""English messages of the rules that read what a run says about itself: a frozen loss, an lr at zero, a plateau
scheduler's cut, a saturated or clamped loss, an fp16 loss scale that collapsed, an eval that does not follow
training, a periodic swing of the train loss, and memorisation."""

MESSAGES = {
    "rule.TM302.message_excerpt": "{series} does not move in the logged window ({n, plural, one {# point} other {# points}}, {start} → {low}), but the log starts at {where}, late in training: it cannot say whether the run ever learnt.",
    "rule.TM303.message": "{series} is exactly {value} at {repeats} logged steps in a row from {where}: a loss that "
    "does not change from batch to batch comes from a model whose output no longer depends "
    "on its input.",
    "rule.TM303.message_k": "{series} is exactly {value} at {repeats} logged steps in a row from {where}; {value} is about ln({k}): the model outputs a uniform prior over about {k, plural, one {# class} other {# classes}}, whatever the input.",
    "rule.TM303.ev_before": "last value before it froze",
    "rule.TM303.ev_first": "first repeat",
    "rule.TM303.ev_last": "still the same value",
    "rule.TM304.message": "The learning rate is 0 (to its printed precision) at {count} logged steps in a row from "
    "{where} while {loss} stays at {first}-{last}: the weights no longer move.",
    "rule.TM304.ev_zero": "lr printed as 0",
    "rule.TM305.message": "A plateau scheduler cut the learning rate to {lr} after {where} ({line}): {series} had "
    "stopped improving (best {best}, last {last}).",
    "rule.TM305.ev_best": "best value before the cut",
    "rule.TM305.ev_last": "last value before the cut",
    "rule.TM401.message_unknown_noise": "{series} swings by {typical} (up to {max}) between evaluations from {where} ({swings, plural, one {# reversal} other {# reversals}}; {rough}% of its level off its trend), but nothing gives the eval set's size or shows training itself swinging: a small eval set's sampling noise looks like this.",
    "rule.TM403.message_log": "{series} reverses {swings, plural, one {once} other {# times}} from {where}, by about {typical}% each way, against an ordinary change of {background}% per point: training itself oscillates.",
    "rule.TM403.message_abs": "{series} reverses {swings, plural, one {once} other {# times}} from {where}, by about {typical} each way, against an ordinary change of {background} per point: training itself oscillates.",
    "rule.TM403.ev_swing": "reversed by the next point",
    "rule.TM103.message": "The fp16 loss scale fell from {highest} to {last} ({factor}x) from {where}: every step overflows, the gradients are non-finite.",
    "rule.TM103.message_event": "The fp16 loss scaler reached its minimum at {where} ({line}): every step overflows, the gradients are non-finite.",
    "rule.TM103.ev_high": "highest loss scale",
    "rule.TM103.ev_last": "last loss scale",
    "rule.TM104.message": "{series} is pinned at {value} from {where}: that is {constant} = {meaning}, the loss of a model that gives the true class probability zero. The logits overflowed or went NaN; this is a non-finite loss in disguise.",
    "rule.TM104.ev_on": "on the clamping constant",
    "rule.TM104.ev_before": "last value off it",
    "rule.TM502.message": "{train} fell to {train_loss} while the eval loss stays at {eval_loss} ({ratio}x) and has not improved since {where}: the model memorises its train set.",
    "rule.TM502.message_acc": "{train} fell to {train_loss} while the eval loss stays at {eval_loss} ({ratio}x) and has not improved since {where}, and the eval accuracy fell from its best {acc_best} to {acc_last}: the model memorises its train set.",
    "rule.TM502.ev_eval": "eval loss, no longer improving",
    "rule.TM502.ev_train": "train loss, almost zero",
    "rule.TM702.message": "{series} stays at {ratio} or less of {train} at each of {n, plural, one {# evaluation} other {# evaluations}} from {where}, and the eval loss is {loss_ratio}x the train loss or more: the evaluation does not measure what training learns.",
    "rule.TM702.message_chance": "{series} stays at chance ({chance}) at each of {n, plural, one {# evaluation} other {# evaluations}} from {where} while {train} is high: the evaluation does not measure what training learns.",
    "rule.TM702.ev_eval": "eval accuracy far below training",
    "rule.TM702.ev_train": "train accuracy",
    "rule.TM801.message_leaving_plateau": "{series} jumps to {value} at {where}, {ratio}x its recent median {median}, while the train loss keeps falling: the model is leaving its initial plateau (larger gradients as it starts to learn), not exploding.",
    "rule.TM304.message_end": "The learning rate reaches 0 (to its printed precision) at {where}, at the end of a schedule that decayed into it: the run is finishing as planned.",
    "rule.TM202.message": "{series} rises {rises, plural, one {# epoch} other {# epochs}} in a row from {where}, {start} → {end} (+{rise}%): each epoch of updates leaves the model worse at its own train set.",
    "rule.TM202.message_acc": "{series} rises {rises, plural, one {# epoch} other {# epochs}} in a row from {where}, {start} → {end} (+{rise}%), while the train accuracy falls {acc_start} → {acc_end}: each epoch of updates leaves the model worse at its own train set.",
    "rule.TM202.ev_start": "the rise begins",
    "rule.TM202.ev_end": "still rising",
    "rule.TM307.message": "{series} stays at {level} = ln {k} from {where} ({n, plural, one {# point} other {# points}}, {low}-{high}; exp(loss) within {off} of {k}): a uniform guess over {k, plural, one {# class} other {# classes}}, whatever the input.",
    "rule.TM307.message_noisy": "{series} hovers around {level} over {n, plural, one {# point} other {# points}} from {where} ({low}-{high}) without falling: ln {k} = {ln_k}, the loss of a guess over {k, plural, one {# class} other {# classes}}; too noisy to say more.",
    "rule.TM307.ev_first": "first point at ln K",
    "rule.TM307.ev_last": "last point, still at ln K",
    "rule.TM308.message": "{series} is {value} at every one of {n, plural, one {# evaluation} other {# evaluations}} from {where} while the loss stays at {loss} (a constant prediction scores at least {floor}): the model answers one class, whose share the accuracy is.",
    "rule.TM308.ev_first": "first evaluation",
    "rule.TM308.ev_last": "still exactly the same",
    "rule.TM308.ev_loss": "the train loss, flat",
}
