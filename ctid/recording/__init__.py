"""Call recording: audio capture, crash-safe files, metadata and retention."""
