"""The daemon's own health, as the System page shows it to supervisors."""
