"""Customer import and export: CSV and XLSX files of customers with their vehicles, checked before anything
is written.

The pure layer lives here (no database, no I/O beyond the bytes given), one job per module:

- ``reading`` (with ``xlsx`` and ``table``): a file into a header and a stream of numbered rows of text;
- ``fields`` and ``mapping``: which column fills which field, from Chinese or English headers;
- ``values``: one cell's text into a value, or the reason why not;
- ``validation``: rows into checked ``records`` or ``RowError``s, with ``duplicates`` within the file;
- ``matching``: checked rows against the keys the database already holds;
- ``planning``: what a merge choice (skip, update, create) does with each row;
- ``export``: records back to CSV or XLSX that import unchanged.

A dry run is ``check_rows`` + ``plan`` without writing; the database layer writes an ``ImportPlan`` that is
``ok`` in one transaction, so an import lands whole or not at all. Reading and checking are CPU work of
seconds for 100,000 rows: run them off the event loop (``asyncio.to_thread``), rows stream lazily.
"""
