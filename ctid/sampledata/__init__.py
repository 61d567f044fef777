"""Generated data: the demo mode's customers and history, and bulk customers for benchmarks and tests.
Plausible Chinese names, plates, VINs and phone numbers from a seeded random source; never real people."""
