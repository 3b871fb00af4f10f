"""What the app itself tells a borrower when the bot cannot answer, in every language the bot speaks.

These replace silence (security findings 6, 15, 17, 21): Rasa down or paused, every Rasa call
slot taken, an action that failed, a message with no text to read. The language is the
conversation's (``bot_turns.conversation_language``).
"""

from __future__ import annotations

from outreach.selfservice.locale import BOT_LANGUAGES

NOTICES: dict[str, dict[str, str]] = {
    # Rasa did not answer, or the conversation could not be handed back to it yet.
    "unavailable": {
        "en": "Sorry, our assistant is unavailable right now. Please try again in a few minutes.",
        "es": "Perdón, nuestro asistente no está disponible en este momento. "
        "Intente de nuevo en unos minutos.",
        "sw": "Samahani, msaidizi wetu hapatikani kwa sasa. Tafadhali jaribu tena baada ya "
        "dakika chache.",
        "fil": "Pasensya na, hindi available ang aming assistant ngayon. Pakisubukan ulit "
        "pagkalipas ng ilang minuto.",
        "hi": "माफ़ कीजिए, हमारा असिस्टेंट अभी उपलब्ध नहीं है। कृपया कुछ मिनट बाद फिर कोशिश करें।",
        "hi_Latn": "Maaf kijiye, hamara assistant abhi uplabdh nahi hai. Kripya kuch minute baad "
        "phir koshish karein.",
    },
    # Every Rasa call slot of this process is taken (the call was not made).
    "busy": {
        "en": "Sorry, our assistant is busy right now. Please try again in a minute.",
        "es": "Perdón, nuestro asistente está ocupado en este momento. "
        "Intente de nuevo en un minuto.",
        "sw": "Samahani, msaidizi wetu ana shughuli nyingi sasa. Tafadhali jaribu tena baada ya "
        "dakika moja.",
        "fil": "Pasensya na, abala ang aming assistant ngayon. Pakisubukan ulit pagkalipas ng "
        "isang minuto.",
        "hi": "माफ़ कीजिए, हमारा असिस्टेंट अभी व्यस्त है। कृपया एक मिनट बाद फिर कोशिश करें।",
        "hi_Latn": "Maaf kijiye, hamara assistant abhi vyast hai. Kripya ek minute baad phir "
        "koshish karein.",
    },
    # An empty message, or pictures or other media without words.
    "text_only": {
        "en": "Sorry, I can only read text. Please write your message in words.",
        "es": "Perdón, solo puedo leer texto. Por favor escriba su mensaje con palabras.",
        "sw": "Samahani, ninaweza kusoma maandishi pekee. Tafadhali andika ujumbe wako kwa maneno.",
        "fil": "Pasensya na, text lang ang nababasa ko. Pakisulat ang mensahe mo gamit ang mga "
        "salita.",
        "hi": "माफ़ कीजिए, मैं सिर्फ़ लिखा हुआ पढ़ सकता हूँ। कृपया अपना संदेश शब्दों में लिखें।",
        "hi_Latn": "Maaf kijiye, main sirf likha hua padh sakta hoon. Kripya apna message shabdon "
        "mein likhein.",
    },
    # Nothing but intent or annotation syntax ("/inform{...}"): no words left for the bot.
    "no_words": {
        "en": "Sorry, I couldn't read that. Please write your message in words.",
        "es": "Perdón, no pude leer eso. Por favor escriba su mensaje con palabras.",
        "sw": "Samahani, sikuweza kusoma hilo. Tafadhali andika ujumbe wako kwa maneno.",
        "fil": "Pasensya na, hindi ko iyon mabasa. Pakisulat ang mensahe mo gamit ang mga salita.",
        "hi": "माफ़ कीजिए, मैं इसे पढ़ नहीं सका। कृपया अपना संदेश शब्दों में लिखें।",
        "hi_Latn": "Maaf kijiye, main ise padh nahi saka. Kripya apna message shabdon mein likhein.",
    },
    # A bot action failed (action server down or erroring): what the bot said is not sent.
    "action_failed": {
        "en": "Sorry, something went wrong on our side and I could not do that. "
        "Please try again in a few minutes.",
        "es": "Perdón, algo falló de nuestro lado y no pude hacerlo. "
        "Intente de nuevo en unos minutos.",
        "sw": "Samahani, kuna hitilafu upande wetu na sikuweza kufanya hivyo. Tafadhali jaribu "
        "tena baada ya dakika chache.",
        "fil": "Pasensya na, may nagkaproblema sa amin at hindi ko iyon nagawa. Pakisubukan ulit "
        "pagkalipas ng ilang minuto.",
        "hi": "माफ़ कीजिए, हमारी तरफ़ कुछ गड़बड़ हुई और मैं यह नहीं कर सका। कृपया कुछ मिनट बाद फिर कोशिश करें।",
        "hi_Latn": "Maaf kijiye, hamari taraf kuch gadbad hui aur main yeh nahi kar saka. Kripya "
        "kuch minute baad phir koshish karein.",
    },
    # The borrower asked for a person and the bot could not open the case: the app did.
    "handed_off": {
        "en": "Sorry, something went wrong on our side, so I've passed your conversation to our "
        "team. An officer will answer you here {when}.",
        "es": "Perdón, algo falló de nuestro lado, así que pasé su conversación a nuestro equipo. "
        "Una persona le responderá por aquí {when}.",
        "sw": "Samahani, kuna hitilafu upande wetu, kwa hiyo nimepeleka mazungumzo yako kwa timu "
        "yetu. Afisa atakujibu hapa {when}.",
        "fil": "Pasensya na, may nagkaproblema sa amin, kaya ipinasa ko ang usapan natin sa team "
        "namin. Sasagutin ka ng isang officer dito {when}.",
        "hi": "माफ़ कीजिए, हमारी तरफ़ कुछ गड़बड़ हुई, इसलिए मैंने आपकी बातचीत हमारी टीम को भेज दी है। "
        "एक अधिकारी आपको यहीं जवाब देंगे {when}।",
        "hi_Latn": "Maaf kijiye, hamari taraf kuch gadbad hui, isliye maine aapki baatcheet hamari "
        "team ko bhej di hai. Ek officer aapko yahin jawab denge {when}.",
    },
}


def notice(kind: str, language: str | None, **values: str) -> str:
    """The ``kind`` notice in ``language`` (English when the bot has no such language)."""
    texts = NOTICES[kind]
    text = texts[language] if language in BOT_LANGUAGES else texts["en"]
    return text.format(**values) if values else text


BOT_UNAVAILABLE = NOTICES["unavailable"]["en"]
