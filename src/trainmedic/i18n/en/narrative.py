"""English messages of the narrative: conclusion, evidence chain, what to watch next, notes."""

MESSAGES = {
    "narrative.conclusion.nothing_logged": "No problem found, and no curve to judge: the run logged no metric along the way (see the notes).",
    "narrative.conclusion.healthy": "Healthy: no rule found a problem in {series, plural, one {# series} other {# series}} ({points, plural, one {# point} other {# points}}).",
    "narrative.conclusion.one": "{what}, most likely because {because}.",
    "narrative.conclusion.two": "{what}, most likely because {because}, and because {second}.",
    "narrative.conclusion.no_cause": "{what}; what was read does not say why.",
    "narrative.symptom.nonfinite": "{series} became NaN{where, select, none {} other { at {where}}}",
    "narrative.symptom.divergence": "{series} diverged{where, select, none {} other { at {where}}}",
    "narrative.symptom.stuck_at_chance": "{series} stays at chance level{where, select, none {} other { from {where}}}: nothing trains",
    "narrative.symptom.plateau": "{series} stopped moving{where, select, none {} other { from {where}}}",
    "narrative.symptom.oscillation": "{series} oscillates{where, select, none {} other { from {where}}}",
    "narrative.symptom.spike": "{series} spiked{where, select, none {} other { at {where}}}",
    "narrative.symptom.overfitting": "{series} rises{where, select, none {} other { from {where}}}: the model overfits",
    "narrative.symptom.overfitting_stalled": "{series} stops improving{where, select, none {} other { from {where}}}, far above the train loss: the model overfits",
    "narrative.symptom.metric_collapse": "{series} collapsed{where, select, none {} other { at {where}}}",
    "narrative.symptom.degenerate_eval": "the evaluation ({series}) is degenerate{where, select, none {} other { from {where}}}",
    "narrative.symptom.gradient_explosion": "{series} exploded{where, select, none {} other { at {where}}}",
    "narrative.symptom.vanishing_gradient": "{series} vanished{where, select, none {} other { from {where}}}",
    "narrative.symptom.wasted_compute": "compute was wasted after a failure ({series}){where, select, none {} other { from {where}}}",
    "narrative.chain.item": "{where, select, none {{message}} other {{where}: {message}}}",
    "narrative.chain.gap": "{where}: eval loss {eval} against train loss {train} ({ratio}x) at the first point "
    "both were logged",
    "narrative.watch.grad_norm": "Gradient norm relative to this run's median {median}: healthy {low}-{high} "
    "(0.1-5x), suspicious 5-10x, exploding above {explode} (10x).",
    "narrative.watch.log_grad_norm": "Log the gradient norm every step: it warns before the loss does.",
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
    "narrative.note.thin": "Thin evidence: only {points, plural, one {# point was} other {# points were}} logged, so the confidences are lowered.",
    "narrative.note.no_config": "No configuration was found (lr, batch, precision, clipping): pass the launch or "
    "training script for causes with concrete values.",
    "narrative.note.unknown": "No known cause fits the findings with the configuration that was read.",
    "narrative.conclusion.titled": "{what}; most likely cause: {cause}.",
    "narrative.subject.run": "the run",
    "narrative.symptom.other": "{series} failed{where, select, none {} other { at {where}}}",
    "narrative.watch.log_grad_norm_hf": "Keep the gradient norm in the logs at every step (the Trainer logs it as grad_norm with logging_steps=1): it warns before the loss does.",
    "narrative.watch.log_grad_norm_torch": "Log the gradient norm every step (torch.nn.utils.clip_grad_norm_ returns it): it warns before the loss does.",
}
