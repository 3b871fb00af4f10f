"""Auditor area: search, per-borrower timeline, exports, chain status, legal holds, KPIs.

The blueprint lives in ``blueprint``; importing this package registers every route module on it.
"""

from outreach.web.audit import exports, kpi, pages, search
from outreach.web.audit.blueprint import AUDIT_ROLES, bp

__all__ = ["AUDIT_ROLES", "bp", "exports", "kpi", "pages", "search"]
