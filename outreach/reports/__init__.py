"""Reports mailed to staff: the weekly portfolio and officer report (PDF and CSV)."""
