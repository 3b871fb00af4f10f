"""selfservice."""
