"""English messages of the readers: why an artifact could not be read, and what merging sources did."""

MESSAGES = {
    # Why an artifact could not be read (one line after the path, exit code 2).
    "readers.error.missing": "no such file or directory",
    "readers.error.unreadable": "cannot read ({detail})",
    "readers.error.empty": "the file is empty",
    "readers.error.binary": "binary file, not a log or metrics file",
    "readers.error.no_numbers": "no numbers found",
    "readers.error.bad_json": "not valid JSON ({detail})",
    "readers.error.no_artifact": "no training artifact found in this directory",
    "readers.error.unknown_format": "unknown format (not a log, metrics file, checkpoint folder or launch script)",
    "readers.error.no_path": "no path given",
    "readers.error.hf_no_state": "no trainer_state.json in this folder or its checkpoint-* folders",
    "readers.error.hf_not_state": "not a Hugging Face trainer state (no log_history list)",
    "readers.error.table_no_header": "no header row with column names",
    "readers.error.bad_yaml": "not valid YAML ({detail})",
    "readers.error.tb_unreadable": "not a readable TensorBoard event file ({detail})",
    "readers.error.tb_missing": "TensorBoard event files need the tensorboard package (pip install 'trainmedic[tensorboard]')",
    "readers.error.mlflow_no_metrics": "no MLflow metrics in this folder",
    "readers.error.wandb_no_history": "no metric history in this W&B run folder",
    "readers.error.binary_text": "binary file, not a text log",
    "readers.error.no_numbers_text": "no numbers found: not a training log",
    "readers.error.no_metrics": "no training metrics found (no lines like `loss: 0.5`, `Epoch 1/5 | Train Loss: ...` "
                                "or `{'loss': 0.5, 'epoch': 0.1}`)",
    "readers.error.config_too_large": "too large for a configuration file ({size} bytes)",
    "readers.error.config_syntax": "cannot parse ({detail})",
    "readers.error.config_binary": "binary file, not a configuration file or script",
    "readers.error.not_a_file": "not a regular file (a pipe, socket or device); name the file itself",
    "readers.error.symlink_loop": "a symbolic link that leads back to itself",
    "readers.error.nothing_read": "nothing could be read from the {count} path(s) given: {why}",
    "readers.error.no_metrics_read": "no metrics could be read from the {count} path(s) given ({read} read as "
                                     "configuration or skipped): {why}",
    "readers.error.document": "a document, not a training log: no pasted log or metrics table found in it",
    # Warnings kept on the run.
    "readers.warn.skipped": "{path}: skipped ({detail})",
    "readers.warn.walk_limit": "{path}: stopped looking after {count} files; name the artifacts to read explicitly",
    # Notes on a source: what was merged.
    "readers.note.merged": "{count} series already in {primary}: {dropped} points not doubled, {added} added from here",
    "readers.note.unaligned": "{series}: not merged with {primary} (no common step or epoch axis)",
    "readers.note.newest_checkpoint": "read the newest checkpoint's state ({checkpoint}) of {count}",
    "readers.note.training_args": "configuration from {path}",
    "readers.note.model_config": "model configuration from {path}",
    "readers.note.hparams": "hyperparameters from {path}",
    "readers.note.reference": "sibling run read for comparison: {path}",
    "readers.note.ranks": "lines of {ranks} processes were interleaved; kept those of rank {kept}",
    "readers.note.skipped_lines": "{count} line(s) skipped: a number stood where a whole number was expected "
                                  "(e.g. `Epoch: inf`)",
    "readers.note.fragments": "{count} line(s) skipped: the end of a line cut off by another process's output",
    "readers.note.rows_superseded": "{count} row(s) superseded: a later row at the same position (written twice, or a "
                                    "restarted run) replaces them",
    "readers.note.input_skipped": "{path} ({kind}): {why}",
    "readers.note.long_lines": "{count} line(s) longer than {limit} characters: only their start and their latest "
                               "progress refresh were read",
    "readers.note.bad_counter": "{count} epoch or batch counter(s) ignored: not a whole number (e.g. `Epoch: inf`); "
                                "the rest of their lines was read",
    "readers.note.restarted": "the run restarted {count} time(s) (first back to {at}): {points} earlier point(s) "
                              "superseded by the later segment",
    "readers.note.bad_axis": "{count} point(s) dropped: their step or epoch is not a usable number (infinite or "
                             "beyond 1e15)",
    "readers.note.too_many_series": "only the first {limit} series were kept; {count} more value(s) named other "
                                    "\"metrics\" (a line naming thousands of metrics is not a training log)",
    "readers.note.too_many_fields": "{count} line(s) held more than {limit} fields; only the first {limit} were read",
    "readers.note.skipped": "not read: {why}",
    "readers.note.kind": "read as {kind}",
    "readers.note.skipped_many": "{count} more file(s) of this kind not read in {path} ({names})",
    "readers.note.document_parts": "a document: only its pasted logs and tables were read ({lines} line(s))",
    "readers.note.launch": "read as the command that launched the run",
    "readers.note.summary": "a run's final summary (best and last values), not a point of a curve: not read as "
                            "metrics",
    "readers.note.steps_from_logging": "{series}: no step printed; steps recovered from logging_steps = {every} "
                                       "(the Nth logged line is step N x {every})",
    "readers.note.epoch_shift": "{series}: epochs numbered one apart from {primary}; aligned on its numbering",
    "readers.note.hf_default_clipping": "TrainingArguments leaves max_grad_norm at its default, 1.0",
    "readers.note.kind_checkpoint": "a checkpoint: its weights are checked for non-finite values, not read as "
                                    "metrics",
    "readers.note.kind_unknown": "no reader recognises this file",
}
