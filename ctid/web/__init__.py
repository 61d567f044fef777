"""Embedded admin web: pages, JSON API and the websocket hub (thin views over services)."""
