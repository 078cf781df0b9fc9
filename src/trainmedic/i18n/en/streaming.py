"""English messages of the rules defined by streaming detectors (TM403, TM702, TM804)."""

MESSAGES = {
    # TM403 ----------------------------------------------------------------------------------------------------
    "rule.TM403.summary": "gradient norm jumps far above its local level and comes back",
    "rule.TM403.what": "Compares each gradient norm with the median of the 10 points before it and flags one that "
    "is at least 10x that level and 6 robust deviations above it (the deviation measured on the "
    "run's own recent points) and that is back under 1.5x within 5 points. The same detector "
    "runs live in the guard and in `trainmedic watch`.",
    "rule.TM403.why": "A gradient burst moves the weights by a multiple of a normal step: recurrent networks do it "
    "when backpropagation through time meets a long dependency, and a corrupted batch does it "
    "once. Bursts that repeat or reach 50x are the step before an explosion.",
    "rule.TM403.example": "grad_norm 0.8, 0.9, 0.7, 412.0, 0.9, 0.8 in an LSTM run.",
    "rule.TM403.fix": "Clip the gradient norm (1.0 for fine-tuning, 5.0 for recurrent models trained from scratch); "
    "if one batch causes it every epoch, inspect that batch.",
    "rule.TM403.message": "{series} spikes {count} time(s) from {where}, the worst {worst}x its local level, and "
    "comes back each time.",
    "rule.TM403.ev_spike": "spike, {ratio}x the local level {level}",
    # TM702 ----------------------------------------------------------------------------------------------------
    "rule.TM702.summary": "an eval metric other than accuracy stays identical while training moves",
    "rule.TM702.what": "Flags an evaluation metric (F1, recall, precision, AUC ...) that keeps exactly the same "
    "value over 4 evaluations in a row while the train loss changes by at least 10% of its "
    "level over them. A perfect 1.0 is not flagged. Accuracy is judged by TM701.",
    "rule.TM702.why": "A metric that does not move by a single example while the weights change means the "
    "predictions do not change: typically a model that answers the majority class every time "
    "(F1 of the minority class frozen at 0, accuracy at the majority's share).",
    "rule.TM702.example": "eval_f1 0.0, 0.0, 0.0, 0.0 while the train loss falls from 0.69 to 0.41.",
    "rule.TM702.fix": "Check the class balance of the training data and the labels fed to the loss; weight the "
    "loss or resample; check that the evaluation runs the model that is being trained.",
    "rule.TM702.message": "{series} stays at exactly {value} for {n} evaluations from {where} while the train loss "
    "keeps changing: the model's predictions do not change.",
    "rule.TM702.ev_first": "first of the identical values",
    "rule.TM702.ev_last": "still the same",
    # TM804 ----------------------------------------------------------------------------------------------------
    "rule.TM804.summary": "gradient norm climbs steadily to 20x where it started (gradients never zeroed?)",
    "rule.TM804.what": "Follows each climb of the gradient norm (a fall under half of its maximum ends one) and "
    "flags a climb that reaches 20x its lowest early value over at least 10 logged points, "
    "rising at 70% of them, while the loss has not diverged (a loss at twice its value or "
    "non-finite would explain the growth by itself).",
    "rule.TM804.why": "A gradient that is never zeroed adds every new gradient to all the old ones: its norm grows "
    "about linearly with the step count and every update repeats the past ones.",
    "rule.TM804.example": "grad_norm 0.4, 0.9, 1.3, 1.8 ... 9.2 over 20 steps with a loss that is not diverging.",
    "rule.TM804.fix": "Call `optimizer.zero_grad()` after every `optimizer.step()` (or before every backward); "
    "with gradient accumulation, zero after the step, not between micro-batches.",
    "rule.TM804.message": "{series} climbs from {start} to {now} ({ratio}x) over {points} logged points from "
    "{where} while the loss has not diverged: gradients that are never zeroed grow like this.",
    "rule.TM804.ev_start": "start of the climb",
    "rule.TM804.ev_now": "{ratio}x the start",
}
