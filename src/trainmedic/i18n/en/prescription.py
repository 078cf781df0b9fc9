"""English messages of the prescription: where a line of code goes, and why a fix was left out."""

MESSAGES = {
    "framework.where.torch_clip": "between loss.backward() and optimizer.step()",
    "framework.where.accelerate_clip": "between accelerator.backward(loss) and optimizer.step()",
    "framework.where.torch_autocast": "around the forward pass and the loss (no GradScaler needed with bf16)",
    "framework.where.configure_optimizers": "in configure_optimizers()",
    "prescription.dropped.already": "the configuration already sets {param} to {value}",
    "prescription.dropped.clipped": "gradients are already clipped (max_grad_norm {value})",
    "prescription.dropped.warmup_long": "the warmup already spans {pct}% of the run",
    "prescription.dropped.other_value": "a more likely cause sets {param} to {value}",
    "prescription.dropped.conflict": "it contradicts the change of {param}",
}
