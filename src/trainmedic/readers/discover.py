"""Walk the given paths, pick a reader for each artifact, merge the results into one Run."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..run import Run
from . import pick_reader


def load_paths(paths: list[Path]) -> Run:
    run = Run()
    if not paths:
        raise InputError("<none>", "no path given")
    for p in paths:
        if not p.exists():
            raise InputError(p, "no such file or directory")
        if p.is_dir():
            r = pick_reader(p, directory=True)
            if r is not None:
                part = r.read(p)
                run.merge(part)
                continue
            found = False
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                fr = pick_reader(f)
                if fr is None:
                    continue
                try:
                    run.merge(fr.read(f))
                    found = True
                except InputError as exc:
                    run.warnings.append(str(exc))
            if not found:
                raise InputError(p, "no training artifact found in this directory")
        else:
            r = pick_reader(p)
            if r is None:
                raise InputError(p, "unknown format (not a log, metrics file, checkpoint folder or launch script)")
            run.merge(r.read(p))
    if not run.path:
        run.path = str(paths[0])
    if not run.series and not any(s.format for s in run.sources if s.format not in ("config",)):
        raise InputError(paths[0], "no metric series found")
    run.config.derive()
    return run
