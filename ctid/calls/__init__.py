"""The call log: one row per call, written at every stage so that a crash loses no call."""
