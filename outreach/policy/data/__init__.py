"""Maintained data tables for the policy engine (zones of US states, ZIP prefixes, area codes,
countries). Plain Python literals: reviewed like code, versioned with the rule packs."""
