"""The audit log: every change, who made it, when, and what it was before and after."""
