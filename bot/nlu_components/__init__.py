"""Custom Rasa components for the collections bot's NLU pipeline (``bot/config.yml``)."""
