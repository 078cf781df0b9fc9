"""Configuration from a Python training script, read with :mod:`ast` only (the script is never executed).

Module constants (``LR = 0.001``, ``MAX_LEN = 4096``), keyword arguments of ``TrainingArguments(...)`` and trainers
(names bound to module constants resolved), recurrent layers, the optimizer and the parameters it is built from,
gradient clipping calls, GradScaler/autocast precision, loss reduction, early-stopping patience, and launch commands
written in comments (``# Launch: torchrun --nproc_per_node=5 ...``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..run import RunConfig
from . import config_keys
from .config_shell import apply_hints, read_command

_NOTHING = object()
OPTIMIZERS = {
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "SparseAdam",
    "LBFGS",
    "Adafactor",
    "Lion",
    "LAMB",
    "Lamb",
    "AdamW8bit",
    "FusedAdam",
    "FusedLAMB",
}
RECURRENT = {"LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"}
# Calls whose keyword arguments are the run's configuration.
ARGUMENT_CALLS = {
    "TrainingArguments",
    "Seq2SeqTrainingArguments",
    "SFTConfig",
    "Trainer",
    "EarlyStoppingCallback",
    "EarlyStopping",
    "Accelerator",
    "DataLoader",
    "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
}
# The Hugging Face Trainer clips at 1.0 unless told otherwise.
HF_DEFAULT_MAX_GRAD_NORM = 1.0
_HF_ARGS = {"TrainingArguments", "Seq2SeqTrainingArguments", "SFTConfig"}
_LAUNCH_COMMENT = re.compile(
    r"#.*?\b((?:torchrun|accelerate\s+launch|deepspeed|python\d?\s+-m\s+torch\.distributed\.\w+)\b.*)$"
)
_DTYPES = {"bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "half": "fp16", "fp16": "fp16"}


def _name(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # ast.unparse on odd trees
        return ""


class _ScriptReader:
    def __init__(self, tree: ast.Module, config: RunConfig, source: str):
        self.tree, self.config, self.source = tree, config, source
        self.consts: dict = {}
        self.const_lines: dict = {}
        self.recurrent: list = []
        self.recurrent_line = None
        self.clipping_line = None
        self.backward_line = None
        self.step_line = None
        self.uses_trainer = False

    def resolve(self, node: ast.AST) -> Any:
        """The value of an expression built from literals and module constants, or _NOTHING."""
        if isinstance(node, ast.Name):
            return self.consts.get(node.id, _NOTHING)
        if isinstance(node, ast.Attribute):
            return _name(node)  # torch.bfloat16
        try:
            return ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            return _NOTHING

    def constants(self) -> None:
        for stmt in self.tree.body:
            targets, value = [], None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            for target in targets:
                if isinstance(target, ast.Name):
                    v = self.resolve(value)
                    if v is not _NOTHING:
                        self.consts[target.id] = v
                        self.const_lines[target.id] = stmt.lineno

    def kwargs(self, call: ast.Call) -> None:
        for kw in call.keywords:
            if kw.arg is None:
                continue
            v = self.resolve(kw.value)
            if v is not _NOTHING:
                config_keys.apply(self.config, kw.arg, v, self.source, kw.value.lineno)

    def call(self, node: ast.Call) -> None:
        full = _name(node.func)
        last = full.split(".")[-1]
        line = node.lineno
        if last in ARGUMENT_CALLS:
            self.kwargs(node)
            if last in _HF_ARGS:
                self.uses_trainer = True
                if not any(kw.arg == "max_grad_norm" for kw in node.keywords):
                    self.config.set("max_grad_norm", HF_DEFAULT_MAX_GRAD_NORM, self.source, line)
            elif last == "Trainer" and any(kw.arg in ("max_epochs", "devices", "accelerator") for kw in node.keywords):
                self.uses_trainer = True
                if not any(kw.arg == "gradient_clip_val" for kw in node.keywords):
                    self.config.set("max_grad_norm", 0.0, self.source, line)  # Lightning does not clip by default
        elif last in RECURRENT and (full.startswith(("nn.", "torch.nn.")) or full == last):
            name = "nn." + last
            if name not in self.recurrent:
                self.recurrent.append(name)
                self.recurrent_line = self.recurrent_line or line
        elif last in OPTIMIZERS:
            self.config.set("optimizer", last, self.source, line)
            params = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "params"), None)
            if params is not None:
                self.config.set("optimizer_params", _name(params), self.source, line)
            self.kwargs(node)
        elif last == "GradScaler":
            enabled = next((self.resolve(k.value) for k in node.keywords if k.arg == "enabled"), True)
            if enabled is not False:
                self.config.set("precision", "fp16", self.source, line)
        elif last == "autocast":
            for k in node.keywords:
                if k.arg == "dtype":
                    dtype = _DTYPES.get(str(self.resolve(k.value)).split(".")[-1])
                    self.config.set("precision", dtype, self.source, line)
        elif last in ("clip_grad_norm_", "clip_grad_norm", "clip_grad_value_"):
            self.clipping_line = self.clipping_line or line
            arg = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg in ("max_norm", "clip_value")), None)
            )
            if arg is not None and last != "clip_grad_value_":
                config_keys.apply(self.config, "max_grad_norm", self.resolve(arg), self.source, line)
        elif last == "backward":
            self.backward_line = self.backward_line or line
        elif last == "step" and re.search(r"optim|opt\b|optimizer", full):
            self.step_line = self.step_line or line
        elif last == "sum" and "loss" in full.lower():
            self.config.set("loss_reduction", "sum", self.source, line)
        if last.endswith("Loss") and last != "Loss":
            self.config.set("loss", last, self.source, line)
        for k in node.keywords:
            if k.arg == "reduction":
                v = self.resolve(k.value)
                if isinstance(v, str):
                    self.config.set("loss_reduction", v, self.source, line)

    def walk(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self.call(node)

    def finish(self) -> None:
        for name, value in self.consts.items():
            config_keys.apply(self.config, name, value, self.source, self.const_lines[name])
        if self.recurrent:
            self.config.set("recurrent_layers", self.recurrent, self.source, self.recurrent_line)
        if self.clipping_line:
            self.config.set("clipping", True, self.source, self.clipping_line)
        elif self.backward_line and self.step_line and not self.uses_trainer:
            # A hand-written loop that steps without any clipping call: clipping is off.
            self.config.set("clipping", False, self.source, self.step_line)
            self.config.set("max_grad_norm", 0.0, self.source, self.step_line)


def read_launch_comments(text: str, config: RunConfig, source: str) -> None:
    """``# Launch: torchrun --nproc_per_node=5 train.py``: the launch command the author wrote down."""
    hints: dict = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = _LAUNCH_COMMENT.search(line)
        if m:
            import shlex

            try:
                words = shlex.split(m.group(1).split("|")[0])
            except ValueError:
                words = m.group(1).split()
            read_command([(w, n) for w in words], config, source, hints)
    apply_hints(config, hints, source)


def read_python(tree: ast.Module, text: str, config: RunConfig, source: str) -> None:
    """Read a parsed training script into ``config``."""
    reader = _ScriptReader(tree, config, source)
    reader.constants()
    reader.walk()
    read_launch_comments(text, config, source)
    reader.finish()
