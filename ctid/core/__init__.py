"""Core plumbing every layer may use: configuration, the event bus, tasks and lifecycle, errors, text and
phone numbers, paging, logs, the PID file and private files. Imports nothing of ctid above it."""
