"""Connections to the lender's systems, above the services they feed (loan import, payments):
``file_drops`` (loan books and payment files from a folder or SFTP; the daily export back) and
``fineract`` (Apache Fineract / Mifos X)."""
