"""Dealership CRM: customers, vehicles, service history, follow-ups, complaints, prospects."""
