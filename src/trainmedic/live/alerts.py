"""What ``trainmedic watch`` says: an alarm in the shape of a finding, the line printed for it, and the
``--on-alert`` command run with the finding in its environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

from ..findings import SEVERITY_WORDS, Position
from ..i18n import t

# An --on-alert command that hangs must not stop the watch for ever.
ALERT_TIMEOUT = 60.0


def say(out: Callable[[str], None], finding: dict, lang: str) -> None:
    """Print one finding (an alarm's or the final diagnosis's) on the watch's output."""
    at = finding.get("at") or {}
    known = {k: at[k] for k in ("step", "epoch", "index") if at.get(k) is not None}
    # the report's own wording and number format: "step 24 (epoch 0.19)", as the message beside it writes it
    where = Position(**known).where().render(lang) if known else "-"
    out(
        t(
            "live.watch.finding",
            lang,
            where=where,
            severity=t(SEVERITY_WORDS[finding["severity"]], lang) if finding["severity"] in SEVERITY_WORDS else "",
            code=finding["code"],
            rule=finding["rule"],
            message=finding["message"],
        )
    )


def run_alert(cmd: str, finding: dict, path: Path) -> None:
    """Run ``--on-alert CMD`` for one finding, which it reads from its environment (``TRAINMEDIC_CODE`` ...)."""
    env = dict(os.environ)
    env.update(
        {
            "TRAINMEDIC_CODE": finding["code"],
            "TRAINMEDIC_RULE": finding["rule"],
            "TRAINMEDIC_SEVERITY": finding["severity"],
            "TRAINMEDIC_MESSAGE": finding["message"],
            "TRAINMEDIC_STEP": str((finding.get("at") or {}).get("step", "")),
            "TRAINMEDIC_PATH": str(path),
            "TRAINMEDIC_FINDING": json.dumps(finding, ensure_ascii=False),
        }
    )
    try:
        rc = subprocess.run(cmd, shell=True, env=env, timeout=ALERT_TIMEOUT).returncode
    except subprocess.TimeoutExpired:
        rc = -1
    if rc:
        sys.stderr.write(t("live.watch.alert_failed", "en", code=rc) + "\n")


def alarm_dict(alarm, lang: str) -> dict:
    """An alarm in the shape of a finding (what ``--on-alert`` receives and ``watch`` prints)."""
    from ..rules import get_rule
    from .tally import announcement

    r = get_rule(alarm.code)
    at = {"step": int(alarm.at)} if alarm.at is not None and float(alarm.at).is_integer() else {"index": alarm.at}
    text = announcement(alarm, int(alarm.at or 0), said_where=True)
    return {
        "code": alarm.code,
        "rule": r.name if r else alarm.detector,
        "series": alarm.series,
        "at": at,
        "severity": "error" if r is not None and r.severity.value == "error" else "warning",
        "message": text.render(lang) if text is not None else "",
    }
