"""English messages of the console-log, encoding and configuration readers."""

MESSAGES = {
    "readers_text.unreadable": "cannot read ({why})",
    "readers_text.empty": "empty file",
    "readers_text.binary": "binary file, not a text log",
    "readers_text.no_numbers": "no numbers found: not a training log",
    "readers_text.no_metrics": "no training metrics found (no lines like `loss: 0.5`, `Epoch 1/5 | Train Loss: ...` "
                               "or `{{'loss': 0.5, 'epoch': 0.1}}`)",
    "readers_text.ranks": "lines of {ranks, plural, one {# process} other {# processes}} were interleaved; kept those of rank {kept}",
    "readers_text.skipped_lines": "{count, plural, one {# line} other {# lines}} skipped: a number stood where a whole number was expected (e.g. `Epoch: inf`)",
    "readers_text.config_too_large": "too large for a configuration file ({size} bytes)",
    "readers_text.config_syntax": "cannot parse ({why})",
    "readers_text.config_binary": "binary file, not a configuration file or script",
    "readers_text.hf_default_clipping": "TrainingArguments leaves max_grad_norm at its default, 1.0",
}
