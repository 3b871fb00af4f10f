"""SQLAlchemy 2 typed models, one module per aggregate."""

from outreach.models.api import API_SCOPES, ApiKey, IdempotencyRecord
from outreach.models.arrangements import PaymentPlan, PlanInstalment, PromiseToPay
from outreach.models.audit import AuditEvent, Heartbeat
from outreach.models.base import Base
from outreach.models.borrowers import CHANNELS, FLAGS, Borrower, BorrowerFlag, ContactPoint
from outreach.models.bot import BotTurn, VerificationProgress
from outreach.models.care import CollectionPause, PaymentClaim, VulnerabilityNote
from outreach.models.casework import CaseAssignment, CaseNote, OfficerCapacity, PlanApproval
from outreach.models.compliance import AuditCheckpoint, LegalHold
from outreach.models.conversations import Conversation, HandoffCase, Message, MessageEvent
from outreach.models.events import Event, EventDelivery, EventSequence, EventSubscription
from outreach.models.file_drops import FileDrop
from outreach.models.fineract import FineractHook, FineractLoan, FineractPush
from outreach.models.groups import GroupMember, LoanGroup
from outreach.models.identity import IdentityCheck, IdentityLockout
from outreach.models.inbound_jobs import InboundJob
from outreach.models.leases import SchedulerLease
from outreach.models.loans import Loan, Payment
from outreach.models.officers import ROLES, LoginAttempt, Officer
from outreach.models.outbox import OutboxItem, SendRateSlot
from outreach.models.policy_archive import RulePackSnapshot
from outreach.models.portfolio import LoanSnapshot, RiskModel, RiskScore
from outreach.models.provider_payments import ProviderPayment
from outreach.models.resolutions import RESOLUTION_KINDS, Resolution
from outreach.models.stages import AccountStage, Letter, StageMove
from outreach.models.stk_requests import StkRequest

__all__ = [
    "API_SCOPES",
    "CHANNELS",
    "FLAGS",
    "RESOLUTION_KINDS",
    "ROLES",
    "AccountStage",
    "ApiKey",
    "AuditCheckpoint",
    "AuditEvent",
    "Base",
    "Borrower",
    "BorrowerFlag",
    "BotTurn",
    "CaseAssignment",
    "CaseNote",
    "CollectionPause",
    "ContactPoint",
    "Conversation",
    "Event",
    "EventDelivery",
    "EventSequence",
    "EventSubscription",
    "FileDrop",
    "FineractHook",
    "FineractLoan",
    "FineractPush",
    "GroupMember",
    "HandoffCase",
    "Heartbeat",
    "IdempotencyRecord",
    "IdentityCheck",
    "IdentityLockout",
    "InboundJob",
    "LegalHold",
    "Letter",
    "Loan",
    "LoanGroup",
    "LoanSnapshot",
    "LoginAttempt",
    "Message",
    "MessageEvent",
    "Officer",
    "OfficerCapacity",
    "OutboxItem",
    "Payment",
    "PaymentClaim",
    "PaymentPlan",
    "PlanApproval",
    "PlanInstalment",
    "PromiseToPay",
    "ProviderPayment",
    "Resolution",
    "RiskModel",
    "RiskScore",
    "RulePackSnapshot",
    "SchedulerLease",
    "SendRateSlot",
    "StageMove",
    "StkRequest",
    "VerificationProgress",
    "VulnerabilityNote",
]
