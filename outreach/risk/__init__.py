"""The risk score: a logistic regression trained on the lender's own history (``train``), the
features it reads (``features``) and the scores it gives each open loan (``scoring``).

It is transparent on purpose: the stored model is its standardisation, coefficients and
intercept, so each score is the sum of one term per feature that an officer can be shown.
"""
