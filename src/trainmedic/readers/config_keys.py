"""How people spell configuration keys, and how their values become :data:`~trainmedic.run.CONFIG_KEYS` values.

Shared by every place config is read from: launch-script flags, YAML/JSON files, printed ``Namespace(...)``,
settings lines in a console log, and constants or keyword arguments of a training script.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..run import RunConfig

_ALIASES = {
    "lr": "lr learningrate baselr maxlr peaklr initlr lr0",
    "per_device_batch": "batchsize bs trainbatchsize perdevicetrainbatchsize perdevicebatchsize batchsizepergpu "
    "batchsizeperdevice microbatchsize perdevicebatch batchpergpu trainmicrobatchsizepergpu batch",
    "grad_accum": "gradaccumsteps gradaccum gradientaccumulationsteps gradientaccumulation accumulationsteps "
    "accumsteps accumulategradbatches accumgradbatches updatefreq gradaccumulationsteps",
    "world_size": "worldsize gpus numgpus ngpus ngpu nprocpernode numprocesses nproc numgpu",
    "effective_batch": "effectivebatchsize globalbatchsize totalbatchsize effectivebatch totaltrainbatchsize "
    "imsperbatch",
    "precision": "precision mixedprecision bf16 fp16 usefp16 usebf16 enablefp16 enablebf16 amp useamp enableamp",
    "max_grad_norm": "maxgradnorm gradientclipval clipgradnorm gradclip gradclipping clipnorm gradientclipping "
    "clipgrad gradnormclip clipgradnormmax gradclipnorm maxnorm",
    "warmup_steps": "warmupsteps warmup numwarmupsteps warmupiters lrwarmupiters",
    "warmup_ratio": "warmupratio",
    "num_classes": "numclasses numlabels nclasses nlabels numclass nc",
    "max_len": "maxlen maxseqlength maxlength seqlen maxseqlen blocksize maxsequencelength maxsourcelength "
    "seqlength contextlength cutofflen",
    "model": "model modelname modelnameorpath arch architecture backbone pretrainedmodel",
    "trainable_params": "trainableparams trainableparameters numtrainableparams",
    "total_params": "totalparams totalparameters numparams allparams",
    "freeze_layers": "freezelayers numfrozenlayers frozenlayers",
    "optimizer": "optimizer optim opt",
    "weight_decay": "weightdecay wd",
    "loss": "loss lossfn lossfunction criterion losstype",
    "loss_reduction": "reduction lossreduction",
    "scheduler": "scheduler lrscheduler lrschedulertype lrschedule",
    "early_stopping_patience": "earlystoppingpatience patience",
    "logging_steps": "loggingsteps logsteps loginterval logevery",
    "eval_steps": "evalsteps evalinterval valinterval evalevery evalperiod",
    "save_steps": "savesteps saveinterval saveevery checkpointperiod",
    "max_steps": "maxsteps maxiters trainiters totalsteps numtrainingsteps trainsteps maxiter",
    "num_epochs": "epochs numepochs numtrainepochs maxepochs nepochs",
    "steps_per_epoch": "stepsperepoch itersperepoch batchesperepoch",
    "output_path": "outputpath outputdir savedir savepath output outdir checkpointdir ckptdir",
    "seed": "seed randomseed",
    "recurrent_layers": "head rnntype celltype",
    "output_activation": "outputactivation finalactivation outactivation",
}
ALIASES = {spelling: key for key, words in _ALIASES.items() for spelling in words.split()}

INT_KEYS = {
    "per_device_batch",
    "grad_accum",
    "world_size",
    "effective_batch",
    "warmup_steps",
    "num_classes",
    "max_len",
    "trainable_params",
    "total_params",
    "freeze_layers",
    "early_stopping_patience",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "max_steps",
    "num_epochs",
    "steps_per_epoch",
    "seed",
}
FLOAT_KEYS = {"lr", "weight_decay", "warmup_ratio", "max_grad_norm"}
STRING_KEYS = {"model", "optimizer", "loss", "loss_reduction", "scheduler", "output_path", "output_activation"}
# `--freeze_encoder True`, `--freeze-backbone`, `freeze_bert: true`: a switch that freezes the named part of the model
# (`--freeze_layers 9` counts layers and is an alias above). Each part switched on joins ``frozen_modules``.
FREEZE_SWITCH = re.compile(r"^-*freeze[_\-]?(?P<module>[A-Za-z][A-Za-z0-9_]*)$")

# Words that mean "clipping is off" where a number is expected (``grad clipping: none``).
_OFF_WORDS = {"none", "off", "false", "no", "disabled", "disable", "null", "0"}
_TRUE_WORDS = {"true", "yes", "on", "1"}
_RECURRENT = {"lstm": "nn.LSTM", "gru": "nn.GRU", "rnn": "nn.RNN"}
_NONWORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"^[-+]?(?:\d[\d,]*\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?)$", re.IGNORECASE)


def spelling(key: str) -> str:
    """A key reduced to lower-case letters and digits (``--Batch-Size`` -> ``batchsize``)."""
    return _NONWORD.sub("", key.lower())


def config_key(key: str) -> Optional[str]:
    """The CONFIG_KEYS name a key as written maps to, or None."""
    return ALIASES.get(spelling(key))


def to_number(raw: Any) -> Optional[float]:
    """A number from a value as written (``1,234``, ``2e-05``, ``0.15%``), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if not isinstance(raw, str):
        return None
    s = raw.strip().strip("'\"").rstrip("%")
    if not _NUMBER.match(s):
        return None
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def _truthy(raw: Any) -> Optional[bool]:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return bool(raw)
    if isinstance(raw, str):
        s = raw.strip().strip("'\"").lower()
        if s in _TRUE_WORDS:
            return True
        if s in _OFF_WORDS:
            return False
    return None


def precision_from(key: str, raw: Any) -> Optional[str]:
    """``bf16`` / ``fp16`` / ``fp32`` from a precision-like key and its value (``bf16=True``, ``16-mixed``)."""
    sp = spelling(key)
    flag = _truthy(raw)
    for word in ("bf16", "fp16"):
        if word in sp:
            return word if flag else None
    if sp in ("amp", "useamp", "enableamp"):
        return "fp16" if flag else None
    s = str(raw).strip().strip("'\"").lower()
    if "bf16" in s or "bfloat16" in s:
        return "bf16"
    if "16" in s or "half" in s:
        return "fp16"
    if s in ("no", "none", "32", "32-true", "fp32", "float32", "full", "false"):
        return "fp32"
    return None


def convert(key: str, config_name: str, raw: Any) -> Any:
    """The value ``raw`` (as written for ``key``) converted for ``config_name``; None when it does not fit."""
    if config_name == "precision":
        return precision_from(key, raw)
    if config_name == "recurrent_layers":
        name = _RECURRENT.get(str(raw).strip().strip("'\"").lower())
        return [name] if name else None
    if config_name == "max_grad_norm":
        if isinstance(raw, str) and raw.strip().strip("'\"").lower() in _OFF_WORDS:
            return 0.0
        return to_number(raw)
    if config_name in INT_KEYS:
        n = to_number(raw)
        return int(n) if n is not None and n == n and abs(n) < 1e15 and float(n).is_integer() else None
    if config_name in FLOAT_KEYS:
        return to_number(raw)
    if config_name in STRING_KEYS:
        if isinstance(raw, (bool, int, float)) or raw is None:
            return None
        s = str(raw).strip().strip("'\"")
        if config_name == "optimizer":
            s = s.split("(")[0].split(".")[-1]
        return s or None
    return None


def apply(config: RunConfig, key: str, raw: Any, source: str, line: Optional[int]) -> Optional[str]:
    """Set the CONFIG_KEYS value that ``key = raw`` means; the name it set, or None when nothing fits."""
    name = config_key(key)
    if name is None:
        return _freeze_switch(config, key, raw, source, line)
    value = convert(key, name, raw)
    if value is None:
        return None
    config.set(name, value, source, line)
    return name


def _freeze_switch(config: RunConfig, key: str, raw: Any, source: str, line: Optional[int]) -> Optional[str]:
    """Add the part a ``freeze_<part>`` switch that is on names to ``frozen_modules``."""
    m = FREEZE_SWITCH.match(str(key))
    if m is None or not _truthy(raw):
        return None
    entry = config.entry("frozen_modules")
    modules = list(entry.value) if entry is not None else []
    module = m.group("module").lower()
    if module not in modules:
        modules.append(module)
    if entry is None:
        config.set("frozen_modules", modules, source, line)
    else:
        config.set("frozen_modules", modules, entry.source, entry.line, override=True)
    return "frozen_modules"
