"""English messages of the narrative: conclusion, evidence chain, what to watch next, notes."""

MESSAGES = {
    "narrative.conclusion.healthy": "Healthy: no rule found a problem in {series} series ({points} points).",
    "narrative.conclusion.one": "{what} at {where} ({series}); most likely cause: {cause}.",
    "narrative.conclusion.two": "{what} at {where} ({series}); most likely cause: {cause}, with {second}.",
    "narrative.conclusion.no_cause": "{what} at {where} ({series}); the cause could not be determined from what "
                                     "was read.",
    "narrative.symptom.nonfinite": "The loss became NaN",
    "narrative.symptom.divergence": "The loss diverged",
    "narrative.symptom.stuck_at_chance": "Nothing trains: the model is stuck at chance",
    "narrative.symptom.plateau": "The loss does not move",
    "narrative.symptom.oscillation": "The eval metric oscillates",
    "narrative.symptom.spike": "The loss spikes",
    "narrative.symptom.overfitting": "The model overfits",
    "narrative.symptom.metric_collapse": "The eval metric collapsed",
    "narrative.symptom.degenerate_eval": "The evaluation is degenerate",
    "narrative.symptom.gradient_explosion": "The gradient norm exploded",
    "narrative.symptom.vanishing_gradient": "The gradient vanished",
    "narrative.symptom.wasted_compute": "Compute was wasted after a failure",
    "narrative.where.step": "step {step}",
    "narrative.where.epoch": "epoch {epoch}",
    "narrative.chain.item": "{where}: {message}",
    "narrative.chain.gap": "{where}: eval loss {eval} against train loss {train} ({ratio}x) at the first point "
                           "both were logged",
    "narrative.watch.grad_norm": "Gradient norm relative to this run's median {median}: healthy {low}-{high} "
                                 "(0.1-5x), suspicious 5-10x, exploding above {explode} (10x).",
    "narrative.watch.log_grad_norm": "Log the gradient norm every step (the Hugging Face Trainer does; in a "
                                     "hand-written loop clip_grad_norm_ returns it): it warns before the loss does.",
    "narrative.watch.nonfinite": "The first non-finite loss or gradient norm: stop (or skip, agreed by all "
                                 "processes) at that step instead of letting early stopping run on a broken model.",
    "narrative.watch.warmup_end": "The eval loss and metric at the first evaluation after warmup ends, when the lr "
                                  "is at its peak.",
    "narrative.watch.chance": "The loss must fall below ln({k}) = {ln_k} within the first few hundred steps; if it "
                              "does not, check the trainable parameters and the optimizer before spending epochs.",
    "narrative.watch.oscillation": "Epoch-to-epoch change of the eval metric: after the fixes it should shrink to "
                                   "about the eval set's sampling noise.",
    "narrative.watch.overfitting": "The gap between train and eval loss; stop at the eval-loss minimum.",
    "narrative.watch.eval_labels": "The label counts of the validation set before training starts.",
    "narrative.note.groups": "The models in one file are diagnosed separately: {good} is stable, {bad} is not.",
    "narrative.note.groups_all": "The models in one file are diagnosed separately ({groups}).",
    "narrative.note.thin": "Thin evidence: only {points} points were logged, so the confidences are lowered.",
    "narrative.note.no_config": "No configuration was found (lr, batch, precision, clipping): pass the launch or "
                                "training script for causes with concrete values.",
    "narrative.note.unknown": "No known cause fits the findings with the configuration that was read.",
}
