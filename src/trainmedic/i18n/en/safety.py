"""English messages about hostile or damaged artifacts: what was refused, what was lost, and which limit applied."""

MESSAGES = {
    # training_args.bin and other pickles (notes on the source that holds them).
    "safety.pickle.unsafe": "{path}: not read, the pickle {detail}; reading it would execute code",
    "safety.pickle.too_large": "{path}: not read, the pickle is too large ({detail})",
    "safety.pickle.unreadable": "{path}: not read ({detail})",
    "safety.pickle.not_arguments": "{path}: not read (not a TrainingArguments object)",
    # trainmedic-live logs written or damaged by something else.
    "safety.live.skipped": "{count, plural, one {# record} other {# records}} with a field of the wrong type skipped",
    "safety.live.no_records": "no readable step record ({count, plural, one {# record} other {# records}} with a field of the wrong type)",
    # watch
    "safety.watch.deleted": "deleted while being watched (not back after {seconds} s)",
    # TensorBoard event files with damaged records.
    "safety.tb.damaged": "{path}: damaged, {records, plural, one {# record failed its checksum} other {# records failed their checksum}} and {bytes, plural, one {# byte} other {# bytes}} could not be framed; the points they held are lost, the records after them were read",
}
