"""Chinese messages (简体中文)."""
