"""arrangements."""
