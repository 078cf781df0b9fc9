"""English messages of the crash rule (TM950)."""

MESSAGES = {
    "rule.TM950.summary": "the run stopped on an exception (a traceback or a CUDA device-side assertion)",
    "rule.TM950.what": "Finds the exception a console log ends with — the last line of a Python traceback, or a "
                       "CUDA kernel's `Assertion ... failed` / `device-side assert triggered` — and places it at the "
                       "step after the last one logged.",
    "rule.TM950.why": "A crashed run produced no final model, whatever its curves looked like before; and the "
                      "exception's text usually names the cause (a label outside the classes, a shape mismatch, "
                      "memory).",
    "rule.TM950.example": "`IndexError: Target 4 is out of bounds.` after step 40 of a 4-class model.",
    "rule.TM950.fix": "Read the exception's line and the frame above it; fix the data or the configuration it "
                      "names, then resume from the last checkpoint saved before the crash.",
    "rule.TM950.message": "The run crashed at {where}: {line} ({source}).",
    "rule.TM950.ev_last": "last point logged before the crash",
    "narrative.symptom.crash": "The run crashed",
}
