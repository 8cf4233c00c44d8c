"""Human-facing output: the demo's summary table and its chart."""
