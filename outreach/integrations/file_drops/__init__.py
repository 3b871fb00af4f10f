"""File drops for lenders without an API: ``locations`` (a folder or SFTP), ``poll`` (loan books
and payment files picked up once each, by checksum), ``contents`` (telling them apart by their
header and processing them row by row), ``payments_file`` (the payment file's format),
``results`` (the result file next to each), ``export`` (the daily export back)."""
