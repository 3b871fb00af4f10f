"""The Rasa bot. Only `bot.actions` is Python; the rest is Rasa project data.

A regular package (not a namespace one) so that `bot.actions` always resolves to
this folder, whatever other `bot` folders (such as tests/unit/bot) are on sys.path.
"""
