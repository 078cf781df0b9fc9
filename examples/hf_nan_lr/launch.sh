#!/usr/bin/env bash
set -e
python train.py \
    --output_dir output \
    --learning_rate 20.0 \
    --max_steps 120 \
    --warmup_steps 60 \
    --optim sgd \
    --lr_scheduler_type linear \
    --max_grad_norm 0.0 \
    --logging_steps 2 \
    --eval_steps 20 \
    --save_steps 20 \
    --seed 0 \
    2>&1 | tee console.log
