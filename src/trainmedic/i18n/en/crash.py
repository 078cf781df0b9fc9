"""English messages of the crash rule (TM950)."""

MESSAGES = {
    "rule.TM950.message": "The run crashed at {where}: {line} ({source}).",
    "rule.TM950.ev_last": "last point logged before the crash",
    "narrative.symptom.crash": "the run crashed{where, select, none {} other { at {where}}}",
}
