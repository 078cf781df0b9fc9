"""English messages about hostile or damaged artifacts: what was refused, what was lost, and which limit applied."""

MESSAGES = {
    # training_args.bin and other pickles (notes on the source that holds them).
    "safety.pickle.unsafe": "{path}: not read, the pickle {detail}; reading it would execute code",
    "safety.pickle.too_large": "{path}: not read, the pickle is too large ({detail})",
    "safety.pickle.unreadable": "{path}: not read ({detail})",
    "safety.pickle.not_arguments": "{path}: not read (not a TrainingArguments object)",
}
