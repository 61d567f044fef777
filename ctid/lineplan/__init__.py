"""The line plan: which line is which (label, branch, record policy, dialling, driver), resolved at start."""
