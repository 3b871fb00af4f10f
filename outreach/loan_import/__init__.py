"""loan_import."""
