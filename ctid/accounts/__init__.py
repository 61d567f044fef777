"""Users, roles, branches, sessions, API tokens and the audit log."""
