"""Auto-dialer campaigns and attempts."""
