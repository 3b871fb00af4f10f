"""A low-confidence reading of an acting intent is asked about, not acted on (issue 16).

"can I pay $5 a week for 60 weeks starting friday?" was read as a promise to pay with
confidence 0.59 and a $5 promise started. When the NLU's top intent is one that acts on the
account (``ACTING_INTENTS``) and its confidence is below ``config/bot.yaml``
``acting_intent_min_confidence``, the app asks instead ("Did you want to set up a payment plan?
Reply YES or NO") and remembers the intent on the conversation (``pending_intent``). The next
message: YES sends Rasa the intent itself (an intent command only Flask can send: the borrower's
text never carries one, ``plain_words``), so the flow starts as if the reading had been sure; NO
says what the borrower can do instead; anything else goes to the bot as usual.

Inside a form (the bot asking for an amount, a day, an identity factor) the answer is for the
form and nothing is asked. The reading comes from Rasa's ``/model/parse``, which touches no
tracker; when it cannot be had the turn goes on as before.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache

from outreach import config_files
from outreach.conversations.rasa_client import RasaClient, RasaUnavailable
from outreach.models import Conversation, Message

log = logging.getLogger(__name__)

ACTING_INTENTS = ("promise_to_pay", "propose_plan", "pay_now", "settle")
DEFAULT_MIN_CONFIDENCE = 0.6
_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "ok", "okay", "sure", "correct", "confirm",
                  "si", "claro", "dale", "correcto", "confirmo", "de acuerdo", "yes please",
                  "si por favor", "ok si",
                  "ndio", "ndiyo", "sawa", "ndio sawa", "oo", "opo", "oo po", "sige", "sige po",
                  "haan", "han", "ha", "ji", "haan ji", "ji haan", "theek hai", "हाँ", "हां",
                  "जी", "जी हाँ", "ठीक है"})  # fmt: skip
# "hindi" is Filipino for "no"; a Hindi speaker does not answer "hindi".
_NO = frozenset({"no", "n", "nope", "no thanks", "no gracias", "nah", "cancel", "cancelar",
                 "hapana", "la", "hindi", "hindi po", "ayaw", "ayoko", "nahi", "nahin", "nhi",
                 "नहीं", "ना"})  # fmt: skip

QUESTIONS: dict[str, dict[str, str]] = {
    "propose_plan": {
        "en": "Did you want to set up a payment plan? Reply YES or NO.",
        "es": "¿Quiere hacer un plan de pagos? Responda SÍ o NO.",
        "sw": "Ulitaka kupanga mpango wa malipo? Jibu NDIO au HAPANA.",
        "fil": "Gusto mo bang gumawa ng payment plan? Sumagot ng OO o HINDI.",
        "hi": "क्या आप किस्तों का प्लान बनाना चाहते थे? हाँ या नहीं लिखें।",
        "hi_Latn": "Kya aap kishton ka plan banana chahte the? HAAN ya NAHI likhein.",
    },
    "promise_to_pay": {
        "en": "Did you want to tell us a day you'll pay? Reply YES or NO.",
        "es": "¿Quiere decirnos qué día va a pagar? Responda SÍ o NO.",
        "sw": "Ulitaka kutuambia siku utakayolipa? Jibu NDIO au HAPANA.",
        "fil": "Gusto mo bang sabihin sa amin kung anong araw ka magbabayad? Sumagot ng OO o HINDI.",
        "hi": "क्या आप हमें बताना चाहते थे कि किस दिन भुगतान करेंगे? हाँ या नहीं लिखें।",
        "hi_Latn": "Kya aap hamein batana chahte the ki kis din payment karenge? HAAN ya NAHI likhein.",
    },
    "pay_now": {
        "en": "Did you want to make a payment now? Reply YES or NO.",
        "es": "¿Quiere hacer un pago ahora? Responda SÍ o NO.",
        "sw": "Ulitaka kulipa sasa? Jibu NDIO au HAPANA.",
        "fil": "Gusto mo bang magbayad ngayon? Sumagot ng OO o HINDI.",
        "hi": "क्या आप अभी भुगतान करना चाहते थे? हाँ या नहीं लिखें।",
        "hi_Latn": "Kya aap abhi payment karna chahte the? HAAN ya NAHI likhein.",
    },
    "settle": {
        "en": "Did you want to ask about settling your loan? Reply YES or NO.",
        "es": "¿Quiere preguntar por liquidar su préstamo? Responda SÍ o NO.",
        "sw": "Ulitaka kuuliza kuhusu kumaliza mkopo wako kwa makubaliano? Jibu NDIO au HAPANA.",
        "fil": "Gusto mo bang magtanong tungkol sa pag-settle ng loan mo? Sumagot ng OO o HINDI.",
        "hi": "क्या आप अपना लोन सेटल करने के बारे में पूछना चाहते थे? हाँ या नहीं लिखें।",
        "hi_Latn": "Kya aap apna loan settle karne ke baare mein poochhna chahte the? "
        "HAAN ya NAHI likhein.",
    },
}
DECLINED = {
    "en": 'Okay. Tell me in a few words what you\'d like to do, or say "agent" to talk to a person.',
    "es": 'De acuerdo. Dígame en pocas palabras qué quiere hacer, o escriba "agente" para '
    "hablar con una persona.",
    "sw": 'Sawa. Niambie kwa maneno machache unachotaka kufanya, au andika "agent" kuongea na mtu.',
    "fil": 'Sige. Sabihin mo sa ilang salita kung ano ang gusto mong gawin, o i-type ang "agent" '
    "para makausap ang isang tao.",
    "hi": 'ठीक है। कुछ शब्दों में बताइए कि आप क्या करना चाहते हैं, या किसी व्यक्ति से बात के लिए "agent" लिखिए।',
    "hi_Latn": "Theek hai. Kuch shabdon mein bataiye ki aap kya karna chahte hain, ya kisi vyakti se "
    'baat ke liye "agent" likhiye.',
}


def min_confidence() -> float:
    """``config/bot.yaml`` ``acting_intent_min_confidence`` (0.6 when not set)."""
    value = config_files.bot().get("acting_intent_min_confidence", DEFAULT_MIN_CONFIDENCE)
    return float(value)


def _answer(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    # Latin words, and Devanagari runs with their vowel signs ("हाँ", "नहीं").
    return " ".join(re.findall(r"[a-z]+|[\u0900-\u097F]+", folded))


@cache
def _folded(words: frozenset[str]) -> frozenset[str]:
    """The answers folded the way a reply is (``_answer``), so "हाँ" matches however typed."""
    return frozenset(_answer(word) for word in words)


def _say(texts: dict[str, str], language: str) -> str:
    return texts.get(language, texts["en"])


class Decision:
    """What the app does with this message before (or instead of) the bot's turn."""

    def __init__(self, reply: str | None = None, placeholder: str | None = None,
                 intent: str | None = None, confidence: float | None = None) -> None:  # fmt: skip
        self.reply, self.placeholder = reply, placeholder
        self.intent, self.confidence = intent, confidence


def before_turn(rasa: RasaClient, conv: Conversation, inbound: Message, language: str) -> Decision:
    """Answer a pending question, or ask one about an unsure acting intent. Changes
    ``conv.pending_intent``; not committed."""
    pending, conv.pending_intent = conv.pending_intent, None
    answer = _answer(inbound.body)
    if pending in QUESTIONS and answer in _folded(_YES):
        return Decision(placeholder=f"/{pending}")
    if pending in QUESTIONS and answer in _folded(_NO):
        return Decision(reply=_say(DECLINED, language), intent="deny")
    if conv.bot_form:
        return Decision()  # the form's question is being answered
    try:
        intent = rasa.parse(inbound.body, conv.public_id).get("intent") or {}
    except RasaUnavailable as exc:
        log.info("no NLU reading for conversation %s (%s): the turn goes on", conv.public_id, exc)
        return Decision()
    name, confidence = intent.get("name"), intent.get("confidence")
    if name not in QUESTIONS or not isinstance(confidence, int | float):
        return Decision()
    if confidence >= min_confidence():
        return Decision()
    conv.pending_intent = name
    return Decision(reply=_say(QUESTIONS[name], language), intent=name, confidence=confidence)
