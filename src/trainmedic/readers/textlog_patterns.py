"""The regular expressions of the console-log reader, compiled once: prefixes, numbers, fields, progress bars,
framework line shapes and events. :mod:`.textlog_line` applies them to one line.
"""

from __future__ import annotations

import re

# --- numbers -------------------------------------------------------------------------------------------------------
# nan/inf/Infinity in any case, 1,234 thousands, 1.2e-05, 6.7E+00, .5, 12.5%, and the Microsoft C runtime's
# `1.#INF`, `-1.#IND`, `1.#QNAN`; never the start of a word or a clock time.
NUM = (
    r"[-+]?(?:(?i:nan|inf(?:inity)?)(?![A-Za-z])|1\.#(?:INF|IND|QNAN|SNAN)\d*"
    r"|(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)%?"
)
NUM_RE = re.compile(NUM)
_NUM_END = r"(?!\w|\.\w|:\S)"  # a sentence's full stop may follow (`Cls loss: 0.28937. Reg loss: 0`)
# The numbers that change from one line to the next of the same shape (see :mod:`.textlog_layout`): digits only, so
# `nan`, `inf` stay part of the shape; never glued after a word character, `.`, `@`, `/` or `-`, so names (`top5`,
# `acc@1`), dates, exponents and the total of `180/400` stay part of it too. One capture group: ``split`` keeps them.
TOKEN = re.compile(
    r"(?<![\w.@/\-])([-+]?(?:(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?"
    r"|\.\d+(?:[eE][-+]?\d+)?)%?)"
)
# Two or more fraction digits once digits are written as 0: how long a fraction is never changes how a line reads.
LONG_FRACTION = re.compile(r"\.00+")

# --- what to remove before reading a line ----------------------------------------------------------------------------
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]")
RANK = re.compile(r"^\s*(?:\[(?:rank|RANK|Rank)\s*(\d+)\]|\[default(\d+)\]|(?:rank|RANK)\s*(\d+)\b)\s*:?\s*")
PREFIXES = (
    re.compile(r"^\s*>+\s?"),  # pasted as a Markdown quote
    # 2025-12-13 09:12:01[,123] [|-] and [2025-12-01 08:00:12]
    re.compile(
        r"^\s*\[?\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s*[|,\-]?\s*"
    ),
    re.compile(r"^\s*\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s*[|\-]?\s*"),
    # glog: I1213 09:12:01.123456 12345 trainer.cc:42]
    re.compile(r"^\s*[IWEF]\d{4}\s+\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+\d+\s+[\w./-]+:\d+\]\s*"),
    # INFO | , [INFO] , INFO:root: , INFO - name - , loguru's "module:func:42 - "
    re.compile(r"^\s*\[?(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL|NOTICE)\]?(?::[\w.<>]*:|\s*[|:\-]\s*|\s+)"),
    re.compile(r"^\s*[\w.<>]+:[\w<>]+:\d+\s+-\s+"),
    re.compile(r"^\s*[\w.]+\s+-\s+(?=[A-Za-z])(?=\S*\s)"),
    re.compile(r"^\s*[\w.]+:\d+\s*>>\s*"),  # LLaMA-Factory's `llamafactory.train.callbacks:157 >> `
)
# Lines starting with a letter that may still carry a prefix (glog, log levels, logger names).
MAYBE_PREFIX = re.compile(
    r"[IWEF]\d{4}\s|(?:INFO|WARN|ERROR|DEBUG|CRITICAL|NOTICE)\b|[\w.<>]+(?::[\w<>]+:\d+)?\s+-\s"
    r"|[\w.]+:\d+\s*>>"
)
LEVEL_WARNING = re.compile(r"^\s*\[?(?:WARNING|WARN)\b")

# --- fields --------------------------------------------------------------------------------------------------------
_KEYWORD = r"[A-Za-z][\w./@\-]*"
# `key: 1.0`, `key=1.0`, `Key 1.0`, `Train Loss: 1.0`, `Epoch 3/50`, `loss: 2.2 (2.3)`. Sentences (`Loss is NaN.`) and
# keys ending in a range (`mAP@0.50:0.95: 0.41`) are put right by :func:`~.textlog_line.fields`, not here: every
# alternative this pattern tries costs on every line read in full.
FIELD = re.compile(
    rf"(?<![\w.@/\-])(?P<key>{_KEYWORD}(?:[ \t]+{_KEYWORD}){{0,3}}?)[ \t]*(?:[:=][ \t]*|[ \t]+)"
    rf"(?P<val>{NUM}){_NUM_END}(?:[ \t]*/[ \t]*(?P<total>\d+))?"
)
# The value after a key that ends in a range of IoU thresholds: `mAP@0.50:0.95: 0.41` is read as `mAP@0.50` = 0.95
# first, and this is what stands after it.
RANGE_VALUE = re.compile(rf":[ \t]*(?P<val>{NUM}){_NUM_END}")
# `train:` / `val:` opening a section whose fields belong to that split
SECTION = re.compile(
    r"(?<![\w/])(?P<split>train|training|val|valid|validation|eval|evaluation|test|dev)\s*:\s*(?=[A-Za-z])",
    re.IGNORECASE,
)
SPLIT_WORD = re.compile(r"\b(train|training|val|valid|validation|eval|evaluation|test|testing|dev)\b", re.IGNORECASE)
# `EP2` glued; `Epoch 1:` summary; fairseq `epoch 001:  50 / 400` (the legacy format has no colon)
EPOCH_GLUED = re.compile(r"\bEP(\d+)\b|\bEpoch\[\s*(\d+)\s*\](?!\s*Batch)")
FAIRSEQ_PROGRESS = re.compile(r"\bepoch\s+(\d+):?\s+(\d+)\s*/\s*(\d+)\b")
# flair's ModelTrainer: `epoch 43 - iter 6/15 - loss 4.69742839 - samples/sec: 0.35` prints the mean of the epoch's
# batch losses so far, not the loss of the batch
EPOCH_MEAN_PROGRESS = re.compile(r"^epoch\s+\d+\s+-\s+iter\s+\d+/\d+\s+-\s+loss\s+\S+\s+-\s+(?:.*\s-\s+)?samples/sec:")
# The PyTorch examples' `Train Epoch: 1 [1280/60000 (2%)]`: samples seen out of the epoch's
EXAMPLE_PROGRESS = re.compile(r"\bEpoch:?\s*(\d+)\s*\[\s*(\d+)\s*/\s*(\d+)(?:\s*\(\s*\d+(?:\.\d+)?%\s*\))?\s*\]")
# mmcv `Epoch [1][50/500]`, mmengine `Epoch(train) [1][ 50/500]`
MMCV = re.compile(r"\bEpoch(?:\((?P<mode>\w+)\))?\s*\[\s*(?P<ep>\d+)\s*\]\s*\[\s*(?P<b>\d+)\s*/\s*(?P<n>\d+)\s*\]")
# mmengine and XTuner iteration-based loops: `Iter(train) [  50/90000]`, `Iter(val) [ 10/500]`
MMENGINE_ITER = re.compile(r"\bIter(?:\((?P<mode>\w+)\))?\s*\[\s*(?P<b>\d+)\s*/\s*(?P<n>\d+)\s*\]")
# torchvision MetricLogger `Epoch: [0]  [ 10/391]`; its `Test:  [ 0/79]` lines are partial evaluations
TORCHVISION = re.compile(r"\bEpoch:\s*\[\s*(?P<ep>\d+)\s*\]\s*\[\s*(?P<b>\d+)\s*/\s*(?P<n>\d+)\s*\]")
# MXNet's Speedometer: `Epoch[0] Batch [20]\tSpeed: 165.86 samples/sec\taccuracy=0.1` (no batch total)
MXNET = re.compile(r"\bEpoch\s*\[\s*(?P<ep>\d+)\s*\]\s*Batch\s*\[\s*(?P<b>\d+)\s*\]")
# BigDL's optimizer: `[Epoch 64 736512/1281167][Iteration 45457]`: records seen out of the epoch's (the step is the
# iteration field after it)
EPOCH_RECORDS = re.compile(r"\[\s*Epoch\s+(\d+)\s+(\d+)\s*/\s*(\d+)\s*\]")
# `Training Epoch:[1103/1500]`: an epoch out of the run's epochs
EPOCH_OF = re.compile(r"\bEpoch\s*:?\s*\[\s*(?P<ep>\d+)\s*/\s*(?P<n>\d+)\s*\]")
# Any of the framework prefixes above that carry a progress bar's `b/n` inside brackets
FRAMEWORK_PROGRESS = re.compile(
    f"{MMCV.pattern}|{MMENGINE_ITER.pattern.replace('?P<', '?P<i_')}"
    f"|{TORCHVISION.pattern.replace('?P<', '?P<t_')}"
    f"|{EXAMPLE_PROGRESS.pattern}"
)
# Partial evaluations: torchvision `Test:  [ 0/79]`, mmengine `Epoch(val) [1][ 50/313]  eta: ...`, fairseq's
# `| valid on 'valid' subset  1000 / 1311 loss=1.27` progress.
PARTIAL_EVAL = re.compile(
    r"^\s*(?:Test|Val|Valid|Eval)\w*:\s*\[\s*\d+\s*/\s*\d+\s*\]"
    r"|\((?:val|test)\)\s*(?:\[\s*\d+\s*\]\s*)?\[\s*\d+\s*/\s*\d+\s*\]\s+eta:"
    r"|\bvalid on '[\w\-]+' subset\s+\d+\s*/\s*\d+"
)
# The end of a line cut off and glued after another process's line: `36.9 | hardware_tflops: 36.9 | grad_norm: 1.27`
FRAGMENT = re.compile(rf"^\s*{NUM}\s*\|\s*[A-Za-z_][\w ./()-]*:\s*{NUM}")
# Caffe's net outputs: `Test net output #1: SoftmaxWithLoss1 = 87.3362 (* 1 = 87.3362 loss)`, a loss output with its
# weight and its weighted value (what the solver adds up)
CAFFE_OUTPUT = re.compile(
    rf"\b(?P<net>Train|Test) net output #\d+:\s*(?P<name>[\w/.-]+)\s*=\s*(?P<val>{NUM})"
    rf"(?P<loss>\s*\(\*\s*{NUM}\s*=\s*(?P<weighted>{NUM})\s*loss\))?"
)
# tqdm: `desc: 45%|████▌  | 180/400 [00:47<00:57, 3.81it/s, loss=2.31]` (percent and bar optional). A count starts
# after a non-digit: where the first digit of a run cannot start a bar no later one can, and trying each made a search
# over a long digit run quadratic.
TQDM = re.compile(
    r"(?:(?P<pct>\d{1,3})%\s*\|[^|\r\n]{0,400}\|\s*)?(?<!\d)(?P<b>\d+)/(?P<n>\d+)\s*\[(?P<time>[\d:]+(?:<[\d:?]+)?)?(?P<post>[^\]]{0,2000})\]"
)
# Keras: `100/100 [==============================] - 2s 20ms/step - loss: 0.31 - accuracy: 0.89`
KERAS = re.compile(r"^\s*(?P<b>\d+)/(?P<n>\d+)\s*\[[=>.]*\]")
EPOCH_HEADER = re.compile(r"^\s*Epoch\s+(?P<ep>\d+)\s*/\s*(?P<n>\d+)\s*:?\s*$")
# HF Trainer dict lines: {'loss': 0.5, 'grad_norm': nan, 'learning_rate': 2e-05, 'epoch': 0.1}
DICT_LINE = re.compile(r"^\s*\{\s*['\"][\w/.\- ]+['\"]\s*:")
DICT_PAIR = re.compile(rf"['\"](?P<key>[\w/.\-() ]+)['\"]\s*:\s*['\"]?(?P<val>{NUM}){_NUM_END}(?:/(?P<total>\d+))?")
# Markdown table rows and CSV/TSV rows pasted into a log; the rule under a header (`|---|`, `-- | --`, `-|-|-`,
# spaCy's `---  ------  ------`)
TABLE_RULE = re.compile(
    r"^\s*\|?\s*:?-{2,}:?\s*(?:[|+ ]\s*:?-{2,}:?\s*)*\|?\s*$"
    r"|^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$"
)
CELL_NAME = re.compile(r"^[A-Za-z][\w./@ \-]*$")
CELL_NUM = re.compile(rf"^\s*{NUM}\s*$")
# A cell of a table row: a number, a size with its unit (YOLO's GPU memory `7.17G`), or a count out of a total
# (YOLO's epoch `0/299`)
CELL_VALUE = re.compile(rf"^\s*(?:(?P<num>{NUM})(?P<unit>[KMGT]i?B?)?|(?P<count>\d+)\s*/\s*(?P<of>\d+))\s*$")
# Where the tqdm bar starts that a table row is the description of: `   43/99  4.2G  0.0112  0.0217  640: 100%|███`
ROW_BAR = re.compile(r":?\s+\d{1,3}%\|")
# A row of a YOLO `results.txt` (Ultralytics YOLOv3/YOLOv5, no header): the epoch out of the last one, the GPU memory,
# then 13 numbers (see :data:`~.textlog_tables.YOLO_RESULTS_COLUMNS`)
YOLO_RESULTS = re.compile(rf"^\s*\d+/\d+\s+{NUM}[GM]?(?:\s+{NUM}){{13}}\s*$")

# --- settings lines ------------------------------------------------------------------------------------------------
NAMESPACE = re.compile(r"\bNamespace\((?P<body>.*)\)\s*$")
# Megatron's argument dump: `  lr .............................................. 0.00015`
DOTTED_SETTING = re.compile(r"^(?P<key>[A-Za-z_][\w.\-]*)\s+\.{3,}\s+(?P<val>\S+)$")
SETTING = re.compile(
    rf"(?<![\w.])(?P<key>{_KEYWORD}(?:[ \t]+{_KEYWORD}){{0,4}}?)[ \t]*[:=][ \t]*"
    rf"(?P<val>{NUM}{_NUM_END}|[A-Za-z_][\w.]*\([^()]*\)|'[^']*'|\"[^\"]*\"|\[[^\]]*\]|[^\s|,;()]+)"
)
CALL_ARGS = re.compile(r"\((?P<body>[^()=]{0,2000}=[^()]{0,2000})\)")
ACCUM_PRODUCT = re.compile(r"\(\s*(\d+)\s*[x×*]\s*(\d+)\s*(?:accum|grad)", re.IGNORECASE)

# A printed tensor stands for its number: `loss tensor(0.6931, device='cuda:0', grad_fn=<NllLossBackward0>)`
# ... and its autograd node names the loss that produced it: `grad_fn=<BinaryCrossEntropyWithLogitsBackward0>`.
GRAD_FN = re.compile(r"grad_fn=<(?P<fn>\w*?(?:Loss|Entropy|EntropyWithLogits|Nll)\w*?)Backward\d*>", re.IGNORECASE)
TENSOR = re.compile(rf"\btensor\(\s*\[?\s*(?P<val>{NUM})\s*\]?\s*(?:,[^()]*)?\)")
# A launch command pasted into a log or saved as a file: `python train.py --lr ...`, `torchrun ...`, `deepspeed ...`
LAUNCH = re.compile(
    r"^(?:\$\s*)?(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:python[\d.]*(?:\s+-u)?\s+(?:-m\s+)?[\w./-]+|"
    r"torchrun|deepspeed|accelerate\s+launch|(?:ba)?sh\s+[\w./-]+\.sh|[\w./-]+\.sh)\b"
)
# An fp16 optimizer changing its loss scale: apex `reducing loss scale to 512`, fairseq `setting loss scale to: 0.5`,
# DeepSpeed `Attempted loss scale: 65536, reducing to 32768`
LOSS_SCALE_SET = re.compile(
    rf"(?i)\b(?:setting|reducing|reduced|decreasing|lowering)\b(?:\s+(?:loss\s+)?scale)?"
    rf"\s+to:?\s*(?P<val>{NUM})"
)
LOSS_SCALE_FLOOR = re.compile(r"(?i)minimum loss scale reached")
# PyTorch's ReduceLROnPlateau (verbose): `Epoch    17: reducing learning rate of group 0 to 2.0000e-06.`
LR_REDUCED = re.compile(rf"(?i)reducing learning rate(?: of group (?P<group>\d+))? to (?P<val>{NUM})")

# --- events --------------------------------------------------------------------------------------------------------
SAVE_WORD = re.compile(r"\b(?:saved|saving|save)\b", re.IGNORECASE)
PATHLIKE = re.compile(r"(?<![\w])(?:[~.]?[\w.\-]*[/\\])*[\w\-]+(?:[/\\][\w.\-]+|\.[A-Za-z][\w\-]*|-\d+)[\w.\-/\\]*")
EARLY_STOP = re.compile(r"\bearly[ _-]?stop", re.IGNORECASE)
RESUME = re.compile(r"\bresum(?:e|ed|ing)\b.{0,200}?\bfrom\b\s*(?:checkpoint\s*)?:?\s*(?P<path>\S+)", re.IGNORECASE)
AT_STEP = re.compile(r"\b(?:step|iteration|iter|global_step)\s*[:=]?\s*(\d+)", re.IGNORECASE)
AT_EPOCH = re.compile(r"\b(?:epoch|ep)[\s_:=.\-]*(\d+)", re.IGNORECASE)
CHECKPOINT_STEP = re.compile(r"checkpoint[-_](\d+)", re.IGNORECASE)
WARNINGS = re.compile(
    r"not passed to `?accelerate launch|Gradient overflow|Skipping step|loss scale(?:r)? (?:reduced|decreased|to)"
    r"|Reducing (?:loss )?scale|Attempted loss scale|non-?finite|found (?:nan|inf)|\bnan\b.{0,200}?\bdetected|overflow detected"
    r"|minimum loss scale reached",
    re.IGNORECASE,
)

# --- the Hugging Face Trainer's banners ------------------------------------------------------------------------------
# `***** Running training *****` opens the settings block printed before the first step (evaluation and prediction
# print their own block, whose `Num examples` counts the eval set).
HF_RUNNING = re.compile(r"\*{3,}\s*Running (?P<what>training|Evaluation|Prediction)\s*\*{3,}", re.IGNORECASE)
# One line of a banner, with the library's own `[transformers]` prefix when it has one.
HF_BANNER = re.compile(
    r"^(?:\[\w+\]\s*)?(?P<key>Num examples|Num Epochs|Num update steps per epoch|Instantaneous batch size per device"
    r"|Total train batch size \(w\. parallel, distributed & accumulation\)|Gradient Accumulation steps"
    r"|Total optimization steps|Number of trainable parameters|Batch size)\s*=\s*(?P<val>\d[\d,]*)\s*$"
)

# --- crashes ---------------------------------------------------------------------------------------------------------
# A Python traceback opens with this line, lists its frames indented, and ends with the exception's own line.
TRACEBACK_START = re.compile(r"^Traceback \(most recent call last\):")
# Lines between the tracebacks of a chained exception.
TRACEBACK_CHAIN = re.compile(r"^(?:During handling of the above exception|The above exception was the direct cause)")
# The exception's line: `IndexError: Target 4 is out of bounds.`, `torch.OutOfMemoryError: ...`, `KeyboardInterrupt`.
EXCEPTION_LINE = re.compile(
    r"^(?P<exc>(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Interrupt|Exit|Iteration))(?::\s*(?P<msg>.*))?$"
)
# A CUDA kernel's assertion (printed once per failing thread) and the error it raises on the host.
CUDA_ASSERT = re.compile(r"Assertion `(?P<expr>[^`]*)` failed|device-side assert(?:ion)? triggered")
# A rank prefix with the one space after it: what stands after it tells a traceback's frame (indented) from its end.
TRACEBACK_PREFIX = re.compile(r"^(?:\[(?:rank|RANK|Rank)\s*\d+\]:? ?|\[default\d+\]:? ?)?")

# Any word an event line must hold: lines without one skip the event patterns.
EVENT_HINT = re.compile(
    r"(?i)sav|stop|resum|overflow|skipping|scale|finite|nan\b.{0,200}?detect|found (?:nan|inf)|accelerate"
    r"|minimum loss|reducing learning rate"
)
# A cheap first look: a line without any of these characters holds nothing for us.
MAYBE_USEFUL = re.compile(
    r"\d|nan|inf|NaN|Inf|NAN|INF|save|Save|SAVE|stop|Stop|accelerate|overflow|Overflow"
    r"|Traceback|Error|Exception|Interrupt|ssert|Running"
)
