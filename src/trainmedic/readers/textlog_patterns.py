"""The regular expressions of the console-log reader, compiled once: prefixes, numbers, fields, progress bars,
framework line shapes and events. :mod:`.textlog_line` applies them to one line.
"""

from __future__ import annotations

import re

# --- numbers -------------------------------------------------------------------------------------------------------
# nan/inf in any case, 1,234 thousands, 1.2e-05, 6.7E+00, .5, 12.5%; never the start of a word or a clock time.
NUM = (r"[-+]?(?:(?i:nan|inf(?:inity)?)(?![A-Za-z])|(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?"
       r"|\.\d+(?:[eE][-+]?\d+)?)%?")
NUM_RE = re.compile(NUM)
_NUM_END = r"(?![\w.]|:\S)"
# The numbers that change from one line to the next of the same shape (see ``textlog_shape``): digits only, so
# `nan`, `inf` stay part of the shape; never glued after a word character, `.`, `@`, `/` or `-`, so names (`top5`,
# `acc@1`), dates, exponents and the total of `180/400` stay part of it too. One capture group: ``split`` keeps them.
TOKEN = re.compile(r"(?<![\w.@/\-])([-+]?(?:(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?"
                   r"|\.\d+(?:[eE][-+]?\d+)?)%?)")
# Two or more fraction digits once digits are written as 0: how long a fraction is never changes how a line reads.
LONG_FRACTION = re.compile(r"\.00+")

# --- what to remove before reading a line ----------------------------------------------------------------------------
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]")
RANK = re.compile(r"^\s*(?:\[(?:rank|RANK|Rank)\s*(\d+)\]|\[default(\d+)\]|(?:rank|RANK)\s*(\d+)\b)\s*:?\s*")
PREFIXES = (
    re.compile(r"^\s*>+\s?"),  # pasted as a Markdown quote
    # 2025-12-13 09:12:01[,123] [|-] and [2025-12-01 08:00:12]
    re.compile(r"^\s*\[?\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s*[|,\-]?\s*"),
    re.compile(r"^\s*\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s*[|\-]?\s*"),
    # glog: I1213 09:12:01.123456 12345 trainer.cc:42]
    re.compile(r"^\s*[IWEF]\d{4}\s+\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+\d+\s+[\w./-]+:\d+\]\s*"),
    # INFO | , [INFO] , INFO:root: , INFO - name - , loguru's "module:func:42 - "
    re.compile(r"^\s*\[?(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL|NOTICE)\]?(?::[\w.<>]*:|\s*[|:\-]\s*|\s+)"),
    re.compile(r"^\s*[\w.<>]+:[\w<>]+:\d+\s+-\s+"),
    re.compile(r"^\s*[\w.]+\s+-\s+(?=[A-Za-z])(?=\S*\s)"),
)
# Lines starting with a letter that may still carry a prefix (glog, log levels, logger names).
MAYBE_PREFIX = re.compile(r"[IWEF]\d{4}\s|(?:INFO|WARN|ERROR|DEBUG|CRITICAL|NOTICE)\b|[\w.<>]+(?::[\w<>]+:\d+)?\s+-\s")
LEVEL_WARNING = re.compile(r"^\s*\[?(?:WARNING|WARN)\b")

# --- fields --------------------------------------------------------------------------------------------------------
_KEYWORD = r"[A-Za-z][\w./@\-]*"
# `key: 1.0`, `key=1.0`, `Key 1.0`, `Train Loss: 1.0`, `Epoch 3/50`, `loss: 2.2 (2.3)`
FIELD = re.compile(
    rf"(?<![\w.@/\-])(?P<key>{_KEYWORD}(?:[ \t]+{_KEYWORD}){{0,3}}?)[ \t]*(?:[:=][ \t]*|[ \t]+)"
    rf"(?P<val>{NUM}){_NUM_END}(?:[ \t]*/[ \t]*(?P<total>\d+))?"
)
# `train:` / `val:` opening a section whose fields belong to that split
SECTION = re.compile(r"(?<![\w/])(?P<split>train|training|val|valid|validation|eval|evaluation|test|dev)\s*:\s*(?=[A-Za-z])",
                     re.IGNORECASE)
SPLIT_WORD = re.compile(r"\b(train|training|val|valid|validation|eval|evaluation|test|testing|dev)\b", re.IGNORECASE)
# `EP2` glued; `Epoch 1:` summary; `epoch 001 |` fairseq
EPOCH_GLUED = re.compile(r"\bEP(\d+)\b")
FAIRSEQ_PROGRESS = re.compile(r"\bepoch\s+(\d+):\s+(\d+)\s*/\s*(\d+)\b")
# mmcv `Epoch [1][50/500]`, mmengine `Epoch(train) [1][ 50/500]`
MMCV = re.compile(r"\bEpoch(?:\((?P<mode>\w+)\))?\s*\[\s*(?P<ep>\d+)\s*\]\s*\[\s*(?P<b>\d+)\s*/\s*(?P<n>\d+)\s*\]")
# torchvision MetricLogger `Epoch: [0]  [ 10/391]`; its `Test:  [ 0/79]` lines are partial evaluations
TORCHVISION = re.compile(r"\bEpoch:\s*\[\s*(?P<ep>\d+)\s*\]\s*\[\s*(?P<b>\d+)\s*/\s*(?P<n>\d+)\s*\]")
PARTIAL_EVAL = re.compile(r"^\s*(?:Test|Val|Valid|Eval)\w*:\s*\[\s*\d+\s*/\s*\d+\s*\]")
# tqdm: `desc: 45%|████▌  | 180/400 [00:47<00:57, 3.81it/s, loss=2.31]` (percent and bar optional)
TQDM = re.compile(
    r"(?:(?P<pct>\d{1,3})%\s*\|[^|\r\n]*\|\s*)?(?P<b>\d+)/(?P<n>\d+)\s*\[(?P<time>[\d:]+(?:<[\d:?]+)?)?(?P<post>[^\]]*)\]"
)
# Keras: `100/100 [==============================] - 2s 20ms/step - loss: 0.31 - accuracy: 0.89`
KERAS = re.compile(r"^\s*(?P<b>\d+)/(?P<n>\d+)\s*\[[=>.]*\]")
EPOCH_HEADER = re.compile(r"^\s*Epoch\s+(?P<ep>\d+)\s*/\s*(?P<n>\d+)\s*:?\s*$")
# HF Trainer dict lines: {'loss': 0.5, 'grad_norm': nan, 'learning_rate': 2e-05, 'epoch': 0.1}
DICT_LINE = re.compile(r"^\s*\{\s*['\"][\w/.\- ]+['\"]\s*:")
DICT_PAIR = re.compile(rf"['\"](?P<key>[\w/.\- ]+)['\"]\s*:\s*['\"]?(?P<val>{NUM}){_NUM_END}")
# Markdown table rows and CSV/TSV rows pasted into a log
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
CELL_NAME = re.compile(r"^[A-Za-z][\w./@ \-]*$")
CELL_NUM = re.compile(rf"^\s*{NUM}\s*$")

# --- settings lines ------------------------------------------------------------------------------------------------
NAMESPACE = re.compile(r"\bNamespace\((?P<body>.*)\)\s*$")
SETTING = re.compile(
    rf"(?<![\w.])(?P<key>{_KEYWORD}(?:[ \t]+{_KEYWORD}){{0,4}}?)[ \t]*[:=][ \t]*"
    rf"(?P<val>{NUM}{_NUM_END}|[A-Za-z_][\w.]*\([^()]*\)|'[^']*'|\"[^\"]*\"|\[[^\]]*\]|[^\s|,;()]+)"
)
CALL_ARGS = re.compile(r"\((?P<body>[^()]*=[^()]*)\)")
ACCUM_PRODUCT = re.compile(r"\(\s*(\d+)\s*[x×*]\s*(\d+)\s*(?:accum|grad)", re.IGNORECASE)

# --- events --------------------------------------------------------------------------------------------------------
SAVE_WORD = re.compile(r"\b(?:saved|saving|save)\b", re.IGNORECASE)
PATHLIKE = re.compile(r"(?<![\w])(?:[~.]?[\w.\-]*[/\\])*[\w\-]+(?:[/\\][\w.\-]+|\.[A-Za-z][\w\-]*|-\d+)[\w.\-/\\]*")
EARLY_STOP = re.compile(r"\bearly[ _-]?stop", re.IGNORECASE)
RESUME = re.compile(r"\bresum(?:e|ed|ing)\b.*?\bfrom\b\s*(?:checkpoint\s*)?:?\s*(?P<path>\S+)", re.IGNORECASE)
AT_STEP = re.compile(r"\b(?:step|iteration|iter|global_step)\s*[:=]?\s*(\d+)", re.IGNORECASE)
AT_EPOCH = re.compile(r"\b(?:epoch|ep)[\s_:=.\-]*(\d+)", re.IGNORECASE)
CHECKPOINT_STEP = re.compile(r"checkpoint[-_](\d+)", re.IGNORECASE)
WARNINGS = re.compile(
    r"not passed to `?accelerate launch|Gradient overflow|Skipping step|loss scale(?:r)? (?:reduced|decreased|to)"
    r"|Reducing (?:loss )?scale|Attempted loss scale|non-?finite|found (?:nan|inf)|\bnan\b.*\bdetected|overflow detected",
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
    r"|Total optimization steps|Number of trainable parameters|Batch size)\s*=\s*(?P<val>\d[\d,]*)\s*$")

# --- crashes ---------------------------------------------------------------------------------------------------------
# A Python traceback opens with this line, lists its frames indented, and ends with the exception's own line.
TRACEBACK_START = re.compile(r"^Traceback \(most recent call last\):")
# Lines between the tracebacks of a chained exception.
TRACEBACK_CHAIN = re.compile(r"^(?:During handling of the above exception|The above exception was the direct cause)")
# The exception's line: `IndexError: Target 4 is out of bounds.`, `torch.OutOfMemoryError: ...`, `KeyboardInterrupt`.
EXCEPTION_LINE = re.compile(
    r"^(?P<exc>(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Interrupt|Exit|Iteration))(?::\s*(?P<msg>.*))?$")
# A CUDA kernel's assertion (printed once per failing thread) and the error it raises on the host.
CUDA_ASSERT = re.compile(r"Assertion `(?P<expr>[^`]*)` failed|device-side assert(?:ion)? triggered")
# A rank prefix with the one space after it: what stands after it tells a traceback's frame (indented) from its end.
TRACEBACK_PREFIX = re.compile(r"^(?:\[(?:rank|RANK|Rank)\s*\d+\]:? ?|\[default\d+\]:? ?)?")

# Any word an event line must hold: lines without one skip the event patterns.
EVENT_HINT = re.compile(r"(?i)sav|stop|resum|overflow|skipping|scale|finite|nan\b.*detect|found (?:nan|inf)|accelerate")
# A cheap first look: a line without any of these characters holds nothing for us.
MAYBE_USEFUL = re.compile(r"\d|nan|inf|NaN|Inf|NAN|INF|save|Save|SAVE|stop|Stop|accelerate|overflow|Overflow"
                          r"|Traceback|Error|Exception|Interrupt|ssert|Running")
