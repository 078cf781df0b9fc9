"""English messages of the live Monitor, its guard, NaN provenance, ``watch`` and the live rules."""

MESSAGES = {
    # Events written to the run log
    "live.event.skip.nonfinite": "step {step}: non-finite loss or gradient; the step was skipped (batch {batch})",
    "live.event.skip.spike": "step {step}: loss or gradient-norm spike; the step was skipped (batch {batch})",
    "live.event.skip.bad_data": "step {step}: the batch itself holds NaN or inf values; the step was skipped "
    "(batch {batch})",
    "live.event.amp_overflow": "step {step}: gradients overflowed under the GradScaler; the scaler skipped the "
    "step and lowered its scale",
    "live.event.rollback": "step {step}: too many bad steps; restored the snapshot of step {to} and set the "
    "learning rate to {scale} x its original value",
    "live.event.stop.stop": "step {step}: non-finite step under policy 'stop'; training ended with the diagnosis",
    "live.event.stop.skip": "step {step}: every recent step was bad, skipping no longer helps; training ended",
    "live.event.stop.rollback": "step {step}: still failing after the last allowed rollback; training ended",
    "live.event.stop.observe": "step {step}: training ended",
    "live.event.end": "training ended after {steps, plural, one {# step} other {# steps}} ({skipped} skipped, {rollbacks, plural, one {# rollback} other {# rollbacks}})",
    "live.announce.first": "{what}{details}",
    "live.announce.details": " Details: {where}",
    "live.announce.repeats": "{n} more: {what} (steps {first} to {last})",
    "live.announce.skip.nonfinite": "step {step}: the loss or the gradients are NaN/inf; the step was skipped, "
    "weights and optimizer state unchanged (batch {batch}).",
    "live.announce.skip.bad_data": "step {step}: the batch itself holds NaN/inf values; the step was skipped, "
    "weights and optimizer state unchanged (batch {batch}).",
    "live.announce.skip.spike": "step {step}: the loss or the gradient norm spiked far above its recent level; "
    "the step was skipped (batch {batch}).",
    "live.announce.rollback": "step {step}: bad steps keep coming; restored the snapshot of step {to} and set the "
    "learning rate to {scale} x its original.",
    "live.announce.stop.stop": "step {step}: a non-finite step under policy 'stop'; training ends here.",
    "live.announce.stop.skip": "step {step}: every recent step was bad, skipping no longer helps; training ends here.",
    "live.announce.stop.rollback": "step {step}: still failing after the last allowed rollback; training ends here.",
    "live.announce.stop.observe": "step {step}: training ends here.",
    "live.announce.loss_missing": "the loss of this loop could not be measured; the guard judges the gradients "
    "only (pass the loss to monitor.step, or loss_fn to the callback).",
    "live.announce.stale": "step {step}: the gradients still hold earlier steps' gradients ({ratio}x what this "
    "step's backward produced): optimizer.zero_grad() is not called between steps.",
    "live.announce.alarm.TM101": "{step, select, none {} other {step {step}: }}{series} became {value} at step {at}.",
    "live.announce.alarm.TM402": "{step, select, none {} other {step {step}: }}{series} spiked to {value} at step {at}, {ratio}x its local level.",
    "live.announce.alarm.TM404": "{step, select, none {} other {step {step}: }}{series} spiked to {value} at step {at}, {ratio}x its local level.",
    "live.announce.alarm.TM801": "{step, select, none {} other {step {step}: }}{series} exploded to {value} at step {at}, {ratio}x its recent "
    "median, and stays up.",
    "live.announce.alarm.TM804": "{step, select, none {} other {step {step}: }}{series} has climbed steadily to {ratio}x where it started at step "
    "{at} (gradients never zeroed?).",
    "live.announce.alarm.TM805": "{step, select, none {} other {step {step}: }}{series} has been exactly 0 since step {at}: no gradient reaches the "
    "weights (a loss detached from the model?).",
    "live.announce.alarm.TM703": "{step, select, none {} other {step {step}: }}{series} has stayed at exactly {value} since step {at} while "
    "training moves: the predictions do not change.",
    "live.summary": "{steps, plural, one {# step} other {# steps}}, {skipped} skipped, {rollbacks, plural, one {# rollback} other {# rollbacks}}; {verdict}. Most likely cause: {cause}. Full report: {where}",
    "live.summary.no_cause": "{steps, plural, one {# step} other {# steps}}, {skipped} skipped, {rollbacks, plural, one {# rollback} other {# rollbacks}}; {verdict}. Full report: {where}",
    # NaN provenance
    "live.provenance.overflow": "{module} ({dtype}): output overflow {max_abs:.2g} > {limit:.0f}",
    "live.provenance.forward": "{module} ({dtype}): output {kind} from finite input (largest finite |value| "
    "{max_abs:.3g})",
    "live.provenance.forward_input": "{module} ({dtype}): received {kind} input produced by code outside any "
    "submodule (in its parent's forward)",
    "live.provenance.input": "{module} ({dtype}): the batch itself holds {kind} values (bad input data)",
    "live.provenance.loss": "loss: every module output was finite, the loss computation returned {kind}",
    "live.provenance.backward": "{module} ({dtype}): output finite, grad {kind} (largest finite |grad| {max_abs:.3g})",
    "live.provenance.backward_timestep": "{module} ({dtype}): output finite, grad {kind} at timestep {timestep} "
    "(largest finite |grad| {max_abs:.3g})",
    "live.provenance.none": "the replay of that batch stayed finite: the failure depends on state the replay does "
    "not reproduce (a dropout mask, another process's batch)",
    "live.provenance.error": "the replay of that batch failed: {error}",
    # Report notes
    "live.note.skipped": "The guard (policy '{policy}') skipped {n, plural, one {# step} other {# steps}}; batches: {batches}.",
    "live.note.rollbacks": "The guard rolled back {n, plural, one {once} other {# times}}; the learning rate is now {scale} x its original.",
    "live.note.provenance": "First non-finite value: {what}.",
    # watch
    "live.watch.waiting": "waiting for {path} to appear ...",
    "live.watch.finding": "[{where}] {severity} {code} {rule}: {message}",
    "live.watch.ended": "the run ended ({why}); {n, plural, =0 {no finding reported} one {# finding reported} other {# findings reported}}",
    "live.watch.alert_failed": "--on-alert command failed (exit {code})",
    # Rules over the guard's events
    "rule.TM150.message": "the guard skipped {skipped, plural, one {# step} other {# steps}} from step {step} (batches {batches}) and rolled back {rollbacks, plural, =0 {no time} one {once} other {# times}}",
    "rule.TM150.stopped": "the guard stopped the run: it skipped {skipped, plural, one {# step} other {# steps}} from step {step} (batches {batches}) and rolled back {rollbacks, plural, =0 {no time} one {once} other {# times}} before giving up",
    "rule.TM150.ev_skip": "skipped batch {batch} ({reason})",
    "rule.TM150.ev_rollback": "restored the snapshot of step {to} and lowered the lr",
}
