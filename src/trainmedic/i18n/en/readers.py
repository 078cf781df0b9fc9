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
    # Warnings kept on the run.
    "readers.warn.unsafe_pickle": "{path}: not loaded, the pickle {detail}; reading it would execute code",
    "readers.warn.bad_pickle": "{path}: not loaded ({detail})",
    "readers.warn.skipped": "{path}: skipped ({detail})",
    "readers.warn.walk_limit": "{path}: stopped looking after {count, plural, one {# file} other {# files}}; name the artifacts to read explicitly",
    # Notes on a source: what was merged.
    "readers.note.merged": "{count} series already in {primary}: {dropped, plural, one {# point} other {# points}} not doubled, {added} added from here",
    "readers.note.unaligned": "{series}: not merged with {primary} (no common step or epoch axis)",
    "readers.note.newest_checkpoint": "read the newest checkpoint's state ({checkpoint}) of {count}",
    "readers.note.training_args": "configuration from {path}",
    "readers.note.model_config": "model configuration from {path}",
    "readers.note.hparams": "hyperparameters from {path}",
    "readers.note.reference": "sibling run read for comparison: {path}",
    "readers.error.wandb_missing": "binary W&B run files (run-*.wandb) need the wandb package (pip install 'trainmedic[wandb]')",
}
