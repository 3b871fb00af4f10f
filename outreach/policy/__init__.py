"""Pure contact-policy engine: may this message be sent now, and if not, when?

    from outreach.policy import decide, load_pack, parse_scenario, classify_keyword
    decision = decide(parse_scenario(facts))          # pack from the borrower's jurisdiction
    decision = decide(parse_scenario(facts), load_pack("US", "MA", override_path))
    decision.to_dict()  # the contract's output line (../shared/contracts/policy-check.md)

No clock (``now`` is in the scenario), no database, no dependence on the machine's time zone.
Command line: ``python -m outreach.policy check [FILE]``.
"""

from outreach.policy.engine import REASONS, Decision, decide
from outreach.policy.errors import PackError, ScenarioError
from outreach.policy.keywords import classify_keyword
from outreach.policy.packs import RulePack, load_pack
from outreach.policy.scenario import Borrower, HistoryEntry, Preferences, Scenario, parse_scenario

__all__ = [
    "REASONS",
    "Borrower",
    "Decision",
    "HistoryEntry",
    "PackError",
    "Preferences",
    "RulePack",
    "Scenario",
    "ScenarioError",
    "classify_keyword",
    "decide",
    "load_pack",
    "parse_scenario",
]
