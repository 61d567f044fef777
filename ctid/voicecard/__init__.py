"""Phone line drivers: transport -> protocol -> modem -> line state machine (no customer knowledge)."""
