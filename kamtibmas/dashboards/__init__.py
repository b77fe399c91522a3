"""Leadership dashboards (issue 10 point 1): per-unit figures for a period, next to
the previous period. Reads only; no models of its own."""
