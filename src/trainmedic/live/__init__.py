"""Live: the Monitor that guards a training loop, its run log, NaN provenance, and ``trainmedic watch``.

Computes (``quantities``), decides (``guard``), acts (``snapshot``, ``provenance``) and records (``records``);
the rules and renderers are the same as offline. Importing this package does not import torch.
"""
