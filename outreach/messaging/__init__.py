"""Sending one message: ``contact_policy`` turns database rows into the policy engine's facts and
asks it; ``send`` logs, sends and records one message (or records it blocked); ``templates``
renders ``templates/messages/``; ``links`` signs the self-service chat and unsubscribe links.
"""
