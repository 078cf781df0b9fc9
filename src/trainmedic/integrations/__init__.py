"""Thin integrations: each framework's callback feeds :class:`trainmedic.live.monitor.Monitor`, where all the logic
lives. ``hf`` (Hugging Face Trainer), ``lightning`` (Lightning), ``accelerate`` (a loop prepared by Accelerate).
"""
