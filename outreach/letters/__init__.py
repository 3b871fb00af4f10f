"""Letters as a channel (issue 18): the wording from ``templates/messages/<kind>/letter.<locale>.j2``
(``content``), the PDF (``pdf``, fpdf2), storing and auditing a letter after the contact policy
allowed it (``service``), the print batch (``batch``) and sending one as an email attachment
(``mail``)."""
