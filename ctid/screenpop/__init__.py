"""Screen pops: line events + the CRM -> the messages operators' consoles show before they pick up."""
