"""Payment arrangements: ``limits`` (the lender's plan and promise limits, evaluation and
counter-offers; pure), ``agreements`` (storing an agreed plan or promise), ``review`` (marking
instalments and promises kept or broken against the payments received)."""
