"""Reminder rules that turn due dates into daily queues."""
