"""Errors a user can cause. The CLI turns them into one line on stderr and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """An artifact could not be read: unreadable, empty, binary, truncated, unknown format or without numbers.

    The message names the file and the reason in one line, e.g. ``logs/train.log: no numbers found``.
    """

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


# Optional dependencies -> the extra that installs them (pyproject.toml [project.optional-dependencies]).
EXTRAS = {
    "jinja2": "html",
    "markupsafe": "html",
    "matplotlib": "html",
    "torch": "torch",
    "safetensors": "hf",
    "transformers": "hf",
    "accelerate": "hf",
    "lightning": "lightning",
    "pytorch_lightning": "lightning",
    "tensorboard": "tensorboard",
    "mlflow": "mlflow",
    "wandb": "wandb",
}


class MissingExtra(InputError):
    """A feature needs an optional dependency that is not installed: one line naming the extra to install."""

    def __init__(self, module: str, extra: str, feature: str):
        self.module, self.extra, self.feature = module, extra, feature
        super().__init__(feature, f"needs {module}, which is not installed: pip install 'trainmedic[{extra}]'")


def require(module: str, extra: str = "", feature: str = "") -> object:
    """Import an optional dependency, or raise :class:`MissingExtra` naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingExtra(top, extra or EXTRAS.get(top, "all"), feature or top) from None


def missing_extra(exc: BaseException, feature: str) -> MissingExtra | None:
    """The :class:`MissingExtra` an ImportError of an optional dependency means (None for any other error, which is
    a bug and keeps its traceback)."""
    name = getattr(exc, "name", None) or ""
    top = name.split(".")[0]
    if isinstance(exc, ImportError) and top in EXTRAS:
        return MissingExtra(top, EXTRAS[top], feature)
    return None
