"""Work on the clock: the daemon's one scheduler (every few seconds, daily at a shop-time hour with catch-up
after downtime) and the record of each daily job's last run."""
