"""HR files in and out: read (CSV / XLSX) → check every row → plan (dry run) → apply in bulk."""
