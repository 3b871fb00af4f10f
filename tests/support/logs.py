"""A process's root log handler, isolated from pytest's own for the length of a test."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def root_handler_output() -> Iterator[io.StringIO]:
    """The root logger with one fresh handler (and nothing else) writing to the yielded stream.

    pytest's handlers stay on the root for the whole session; once the app has put a filter on
    them, every record would reach a new handler already rewritten. Setting them aside makes a
    test see only what the code under test installs."""
    root = logging.getLogger()
    saved = root.handlers[:]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.handlers = [handler]
    try:
        yield stream
    finally:
        root.handlers = saved
