"""English messages of the rules defined by streaming detectors (TM404, TM703, TM804, TM805) and of TM306."""

MESSAGES = {
    # TM404 ----------------------------------------------------------------------------------------------------
    "rule.TM404.message": "{series} spikes {count, plural, one {once} other {# times}} from {where}, the worst {worst}x its local level, and "
    "comes back each time.",
    "rule.TM404.ev_spike": "spike, {ratio}x the local level {level}",
    # TM703 ----------------------------------------------------------------------------------------------------
    "rule.TM703.message": "{series} stays at exactly {value} for {n, plural, one {# evaluation} other {# evaluations}} from {where} while the train loss "
    "keeps changing: the model's predictions do not change.",
    "rule.TM703.ev_first": "first of the identical values",
    "rule.TM703.ev_last": "still the same",
    # TM804 ----------------------------------------------------------------------------------------------------
    "rule.TM804.message": "{series} climbs from {start} to {now} ({ratio}x) over {points, plural, one {# logged point} other {# logged points}} from "
    "{where} while the loss has not diverged: gradients that are never zeroed grow like this.",
    "rule.TM804.ev_start": "start of the climb",
    "rule.TM804.ev_now": "{ratio}x the start",
    # TM805 ----------------------------------------------------------------------------------------------------
    "rule.TM805.message": "{series} is exactly 0 from {where} ({zeros} of {points, plural, one {# logged point} other {# logged points}}): no gradient reaches "
    "the weights, so no step changes the model.",
    "rule.TM805.ev_first": "first of the exact zeros",
    "rule.TM805.ev_last": "still exactly 0",
    # TM306 ----------------------------------------------------------------------------------------------------
    "rule.TM306.message": "{series} never rises above chance ({chance}; best {best} over {n, plural, one {# evaluation} other {# evaluations}}) from "
    "{where} while the train loss falls from {first} to {last}: what the model learns does not carry over to "
    "held-out examples.",
    "rule.TM306.ev_first": "first evaluation",
    "rule.TM306.ev_best": "best evaluation, still at chance",
    "rule.TM306.ev_train": "the train loss meanwhile",
}
