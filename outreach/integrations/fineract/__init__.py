"""The Apache Fineract / Mifos X connector: ``client`` (the REST API), ``mapping`` (a Fineract
loan as a loan-book row), ``pull`` (the book in, through the loan import), ``push`` (promises
and plans back as loan notes; delinquency pauses), ``hooks`` (Fineract's hooks, stored then
acted on), ``sync`` (one run of all three)."""
