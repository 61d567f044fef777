"""Merging two customers: the CRM's records and the call log's, in one transaction (see service.py)."""
