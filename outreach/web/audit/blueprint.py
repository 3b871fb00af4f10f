"""The auditor area's blueprint and roles, shared by its route modules (imports none of them).

Auditors read (and may re-run a chain verification, which writes only a checkpoint); supervisors
and admins are admitted too, and only they place or release legal holds.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
AUDIT_ROLES = ("auditor", "supervisor")
HOLD_ROLES = ("supervisor",)  # admin is admitted everywhere by require_role
