"""Conversations: every borrower message, whatever the channel, and who answers it.

``inbound_form`` checks a webhook's fields; ``spool`` keeps a message when the database is down;
``inbound`` routes it (unknown numbers, owner); ``keywords`` handles STOP/START/HELP;
``bot_turns`` runs a turn through Rasa (``rasa_client``), with ``identity_turns`` checking factor
answers in Flask; ``replies`` sends on the conversation's channel under the policy;
``handoffs`` opens a case when the bot could not; ``resume`` hands a conversation back to the
bot; ``notices`` are the app's own messages when the bot cannot answer.
"""
