"""Test rigs shared across the suite (no tests here)."""
