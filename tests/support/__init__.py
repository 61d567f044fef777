"""Test rigs shared across the suite (no tests here).

What one directory's tests share is a ``support.py`` beside them; what several directories (or ``bench/``)
share is here: the real daemon as a process (``daemon``) and through its API (``daemon_site``), the services
in-process (``site``), the fake modem on a pty, the ALSA rig, the test databases, and waiting for a
condition (``waiting``). conftest files hold fixtures and hooks, test modules tests: nothing imports from
either (tests/core/test_suite_imports.py).
"""
