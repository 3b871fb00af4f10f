"""Kept for the app factory's import: the auditor area now lives in ``outreach.web.audit``."""

from .audit import AUDIT_ROLES, bp

__all__ = ["AUDIT_ROLES", "bp"]
