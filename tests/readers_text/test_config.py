"""Configuration from launch scripts, config files and training scripts, each value with its file and line."""

from __future__ import annotations

import os

from trainmedic.readers.config import read_config, sniff


def _cfg(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return read_config(p)


def test_shell_flags_continuations_and_launcher(tmp_path):
    cfg = _cfg(
        tmp_path,
        "run.sh",
        "#!/bin/bash\nexport CUDA_VISIBLE_DEVICES=0,1,2,3\n"
        "python -m torch.distributed.launch --nproc_per_node 4 train.py \\\n"
        "    --lr 7.5e-5 --train_batch_size 48 \\\n    --grad_accum_steps=4 \\\n"
        "    --warmup_steps 15000 --loss focal --output_path out/model  # comment --lr 1\n",
    )
    assert cfg.get("world_size") == 4 and cfg.get("launcher") == "torch.distributed.launch"
    assert (cfg.get("lr"), cfg.entry("lr").line) == (7.5e-05, 4)
    assert (cfg.get("per_device_batch"), cfg.get("grad_accum"), cfg.entry("grad_accum").line) == (48, 4, 5)
    assert (cfg.get("warmup_steps"), cfg.get("loss"), cfg.get("output_path")) == (15000, "focal", "out/model")


def test_accelerate_torchrun_deepspeed_and_device_hint(tmp_path):
    cfg = _cfg(
        tmp_path,
        "a.sh",
        "CUDA_VISIBLE_DEVICES=0,1 accelerate launch --multi_gpu --num_processes 2 "
        "--mixed_precision fp16 train.py --batch-size 4 --epochs 50 --lr 1e-4\n",
    )
    assert (cfg.get("world_size"), cfg.get("precision"), cfg.get("per_device_batch")) == (2, "fp16", 4)
    assert (cfg.get("num_epochs"), cfg.get("lr")) == (50, 1e-4)
    assert _cfg(tmp_path, "t.sh", "torchrun --nnodes 2 --nproc_per_node=5 train.py\n").get("world_size") == 10
    assert _cfg(tmp_path, "d.sh", "deepspeed --num_gpus 8 train.py --bf16\n").get("world_size") == 8
    assert _cfg(tmp_path, "d2.sh", "deepspeed --num_gpus 8 train.py --bf16\n").get("precision") == "bf16"
    hint = _cfg(tmp_path, "h.sh", "CUDA_VISIBLE_DEVICES=0,1,2 torchrun train.py --lr 3e-4\n")
    assert (hint.get("world_size"), hint.entry("world_size").line) == (3, 1)


def test_yaml_and_json_configs_with_lines(tmp_path):
    cfg = _cfg(
        tmp_path,
        "cfg.yaml",
        "model:\n  name: bert\n  num_labels: 14\ntrainer:\n  precision: bf16-mixed\n"
        "  gradient_clip_val: 1.0\n  accumulate_grad_batches: 4\noptim:\n  learning_rate: 7.5e-5\n"
        "  warmup_ratio: 0.1\ndata:\n  batch_size: 32\n  max_seq_length: 512\n",
    )
    assert (cfg.get("num_classes"), cfg.entry("num_classes").line) == (14, 3)
    assert (cfg.get("precision"), cfg.get("max_grad_norm"), cfg.get("grad_accum")) == ("bf16", 1.0, 4)
    assert (cfg.get("lr"), cfg.get("warmup_ratio"), cfg.get("per_device_batch"), cfg.get("max_len")) == (
        7.5e-5,
        0.1,
        32,
        512,
    )
    js = _cfg(
        tmp_path,
        "args.json",
        '{\n  "learning_rate": 2e-05,\n  "per_device_train_batch_size": 16,\n'
        '  "fp16": true,\n  "max_grad_norm": 0.0\n}\n',
    )
    assert (js.get("lr"), js.entry("lr").line, js.get("per_device_batch"), js.get("precision")) == (
        2e-05,
        2,
        16,
        "fp16",
    )
    assert js.get("max_grad_norm") == 0.0


def test_python_script_constants_trainer_and_loop(tmp_path):
    cfg = _cfg(
        tmp_path,
        "train.py",
        """# Launch: torchrun --nproc_per_node=3 train.py
import torch
from torch import nn
LR = 3e-4
NUM_CLASSES = 5
MAX_LEN = 2048


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 20)
        self.lstm = torch.nn.LSTM(20, 20)


model = Net()
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.head.parameters(), lr=LR, weight_decay=0.1)
with torch.autocast("cuda", dtype=torch.bfloat16):
    pass
for x, y in []:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
""",
    )
    assert (cfg.get("world_size"), cfg.entry("world_size").line) == (3, 1)
    assert (cfg.get("lr"), cfg.get("num_classes"), cfg.get("max_len")) == (3e-4, 5, 2048)
    assert cfg.get("recurrent_layers") == ["nn.GRU", "nn.LSTM"]
    assert (cfg.get("optimizer"), cfg.get("optimizer_params")) == ("SGD", "model.head.parameters()")
    assert (cfg.get("loss_reduction"), cfg.get("precision"), cfg.get("weight_decay")) == ("sum", "bf16", 0.1)
    assert cfg.get("clipping") is False and cfg.entry("clipping").line == 24


def test_clipping_call_and_hf_default(tmp_path):
    cfg = _cfg(
        tmp_path,
        "loop.py",
        "import torch\nfor b in []:\n    loss.backward()\n"
        "    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)\n    opt.step()\n",
    )
    assert (cfg.get("clipping"), cfg.get("max_grad_norm")) == (True, 5.0)
    hf = _cfg(
        tmp_path,
        "hf.py",
        "from transformers import TrainingArguments\nBS = 8\n"
        "args = TrainingArguments(output_dir='o', per_device_train_batch_size=BS, gradient_accumulation_steps=2)\n",
    )
    assert (hf.get("max_grad_norm"), hf.get("per_device_batch"), hf.get("grad_accum")) == (1.0, 8, 2)
    assert hf.entry("per_device_batch").line == 3


def test_script_is_never_executed(tmp_path):
    target = tmp_path / "pwned"
    code = f"open({str(target)!r}, 'w').write('x')\nimport os\nos.system('touch {target}')\nLR = 0.1\n"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        cfg = _cfg(tmp_path, "evil.py", code)
    finally:
        os.chdir(cwd)
    assert cfg.get("lr") == 0.1
    assert not target.exists()


def test_sniff_gives_way_to_metric_files(tmp_path):
    assert sniff(tmp_path / "run.sh", b"") > sniff(tmp_path / "hparams.yaml", b"lr: 1") > 0
    assert sniff(tmp_path / "trainer_state.json", b'{"log_history": [], "global_step": 5}') == 0
    assert sniff(tmp_path / "train.log", b"loss 1") == 0


def test_hf_trainer_banner_is_config_not_steps(tmp_path):
    from trainmedic.readers.textlog import read

    log = tmp_path / "console.log"
    log.write_text(
        "[transformers] ***** Running training *****\n"
        "[transformers]   Num examples = 2,400\n[transformers]   Num Epochs = 3\n"
        "[transformers]   Instantaneous batch size per device = 16\n"
        "[transformers]   Total train batch size (w. parallel, distributed & accumulation) = 64\n"
        "[transformers]   Gradient Accumulation steps = 2\n"
        "[transformers]   Total optimization steps = 450\n"
        "[transformers]   Number of trainable parameters = 1,234\n"
        "{'loss': '1.386', 'learning_rate': '2e-05', 'epoch': '0.03'}\n"
        "***** Running Evaluation *****\n[transformers]   Num examples = 256\n"
        "[transformers]   Batch size = 8\n"
    )
    run = read(log)
    cfg = run.config
    assert (
        cfg.get("per_device_batch"),
        cfg.get("effective_batch"),
        cfg.get("grad_accum"),
        cfg.get("max_steps"),
        cfg.get("num_epochs"),
        cfg.get("trainable_params"),
    ) == (16, 64, 2, 450, 3, 1234)
    assert cfg.get("train_examples") == 2400 and cfg.entry("grad_accum").line == 6
    assert "eval/loss" not in run.series and cfg.get("per_device_batch") == 16  # the eval block's sizes are not ours


def test_freeze_switches_name_the_frozen_parts(tmp_path):
    cfg = _cfg(
        tmp_path,
        "launch.sh",
        "python train.py \\\n    --freeze_encoder True \\\n    --freeze-backbone \\\n"
        "    --freeze_embeddings False --freeze_layers 9 --lr 2e-05\n",
    )
    assert cfg.get("frozen_modules") == ["encoder", "backbone"] and cfg.entry("frozen_modules").line == 2
    assert cfg.get("freeze_layers") == 9 and cfg.get("lr") == 2e-05
