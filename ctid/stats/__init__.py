"""Statistics for supervisors: new and lost customers, follow-ups, complaints, prospects, calls by hour."""
