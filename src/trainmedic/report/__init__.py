"""The Report and its renderers (text, Markdown, JSON, HTML). Renderers take a Report and nothing else."""

from .model import Report, RunSummary, Table

__all__ = ["Report", "RunSummary", "Table"]
