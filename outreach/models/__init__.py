"""SQLAlchemy 2 typed models, one module per aggregate."""

from .arrangements import PaymentPlan, PlanInstalment, PromiseToPay
from .audit import AuditEvent, Heartbeat
from .base import Base
from .borrowers import CHANNELS, FLAGS, Borrower, BorrowerFlag, ContactPoint
from .bot import BotTurn, VerificationProgress
from .casework import CaseAssignment, CaseNote, OfficerCapacity, PlanApproval
from .compliance import AuditCheckpoint, LegalHold
from .conversations import Conversation, HandoffCase, Message, MessageEvent
from .identity import IdentityCheck, IdentityLockout
from .loans import Loan, Payment
from .officers import ROLES, LoginAttempt, Officer
from .outbox import OutboxItem, SendRateSlot
from .policy_archive import RulePackSnapshot

__all__ = [
    "CHANNELS",
    "FLAGS",
    "ROLES",
    "AuditCheckpoint",
    "AuditEvent",
    "Base",
    "Borrower",
    "BorrowerFlag",
    "BotTurn",
    "CaseAssignment",
    "CaseNote",
    "ContactPoint",
    "Conversation",
    "HandoffCase",
    "Heartbeat",
    "IdentityCheck",
    "IdentityLockout",
    "LegalHold",
    "Loan",
    "LoginAttempt",
    "Message",
    "MessageEvent",
    "Officer",
    "OfficerCapacity",
    "OutboxItem",
    "Payment",
    "PaymentPlan",
    "PlanApproval",
    "PlanInstalment",
    "PromiseToPay",
    "RulePackSnapshot",
    "SendRateSlot",
    "VerificationProgress",
]
