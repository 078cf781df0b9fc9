"""English: a canonical fix written in the run's framework (causes/framework.py)."""

MESSAGES = {
    "fix.how.torch.max_grad_norm": "call `torch.nn.utils.clip_grad_norm_(model.parameters(), {to})` after "
    "`loss.backward()`, before `optimizer.step()`",
    "fix.how.hf.max_grad_norm": "`TrainingArguments(max_grad_norm={to})`",
    "fix.how.lightning.max_grad_norm": "`Trainer(gradient_clip_val={to})`",
    "fix.how.accelerate.max_grad_norm": "`accelerator.clip_grad_norm_(model.parameters(), {to})` before "
    "`optimizer.step()`",
    "fix.how.torch.lr": "build the optimizer with `lr={to}`",
    "fix.how.hf.lr": "`TrainingArguments(learning_rate={to})`",
    "fix.how.lightning.lr": "`lr={to}` in `configure_optimizers()`",
    "fix.how.accelerate.lr": "build the optimizer with `lr={to}` before `accelerator.prepare(...)`",
    "fix.how.torch.warmup_steps": "a linear warmup of {to} steps "
    "(`transformers.get_linear_schedule_with_warmup(optimizer, {to}, total_steps)`)",
    "fix.how.hf.warmup_steps": "`TrainingArguments(warmup_steps={to})`",
    "fix.how.lightning.warmup_steps": "a linear warmup of {to} steps in `configure_optimizers()` "
    '(scheduler with `interval="step"`)',
    "fix.how.accelerate.warmup_steps": "a linear warmup of {to} steps "
    "(`transformers.get_linear_schedule_with_warmup(optimizer, {to}, total_steps)`)",
    "fix.how.torch.per_device_batch": "`DataLoader(..., batch_size={to})`",
    "fix.how.hf.per_device_batch": "`TrainingArguments(per_device_train_batch_size={to})`",
    "fix.how.lightning.per_device_batch": "`DataLoader(..., batch_size={to})` in your `train_dataloader()`",
    "fix.how.accelerate.per_device_batch": "`DataLoader(..., batch_size={to})` (per process)",
    "fix.how.torch.grad_accum": "call `optimizer.step()` and `optimizer.zero_grad()` every {to} batches",
    "fix.how.hf.grad_accum": "`TrainingArguments(gradient_accumulation_steps={to})`",
    "fix.how.lightning.grad_accum": "`Trainer(accumulate_grad_batches={to})`",
    "fix.how.accelerate.grad_accum": "`Accelerator(gradient_accumulation_steps={to})`",
    "fix.how.torch.weight_decay": "build the optimizer with `weight_decay={to}`",
    "fix.how.hf.weight_decay": "`TrainingArguments(weight_decay={to})`",
    "fix.how.lightning.weight_decay": "`weight_decay={to}` in `configure_optimizers()`",
    "fix.how.accelerate.weight_decay": "build the optimizer with `weight_decay={to}`",
    "fix.how.torch.precision.bf16": "`with torch.autocast(device_type, dtype=torch.bfloat16):` around the forward",
    "fix.how.torch.precision.fp16": "`torch.autocast(device_type, dtype=torch.float16)` with a `torch.amp.GradScaler`",
    "fix.how.torch.precision.fp32": "train without `torch.autocast`",
    "fix.how.hf.precision.bf16": "`TrainingArguments(bf16=True, fp16=False)`",
    "fix.how.hf.precision.fp16": "`TrainingArguments(fp16=True)`",
    "fix.how.hf.precision.fp32": "`TrainingArguments(bf16=False, fp16=False)`",
    "fix.how.lightning.precision.bf16": '`Trainer(precision="bf16-mixed")`',
    "fix.how.lightning.precision.fp16": '`Trainer(precision="16-mixed")`',
    "fix.how.lightning.precision.fp32": '`Trainer(precision="32-true")`',
    "fix.how.accelerate.precision.bf16": '`Accelerator(mixed_precision="bf16")`',
    "fix.how.accelerate.precision.fp16": '`Accelerator(mixed_precision="fp16")`',
    "fix.how.accelerate.precision.fp32": '`Accelerator(mixed_precision="no")`',
}
