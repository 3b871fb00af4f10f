"""What the numeric SMS menu says, in every language it is offered in.

Short enough for one or two SMS segments on a feature phone; the digits are the same in every
language so a borrower can follow the menu even in a language they read poorly. Placeholders are
filled by ``outreach.conversations.menu``; every language has every key (a unit test checks).
"""

from __future__ import annotations

from outreach.locale_codes import normalise

MENU_LANGUAGES = ("en", "es", "sw", "fil", "hi", "hi_Latn")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "main": "{lender}: Reply 1 Balance, 2 Pay, 3 Payment plan, 4 Talk to us. "
        "Reply 0 for this menu.",
        "ask_date_of_birth": "To protect your account, reply with your date of birth, "
        "e.g. 14/03/1985.",
        "ask_loan_last4": "Now reply with the last 4 digits of your loan number.",
        "ask_postal_code": "Now reply with your postal code.",
        "not_understood": "Sorry, we could not read that. {question}",
        "failed": "Those details do not match our records ({attempts} tries left). "
        "Reply 0 for the menu.",
        "locked": "Too many tries. Try again in {minutes} minutes, or reply 4 to talk to us.",
        "balance": "Loan {loan}: balance {outstanding}, overdue {past_due}. Next payment "
        "{next_amount} on {next_date}. Reply 2 to pay, 0 for the menu.",
        "pay": "Pay {past_due} here: {link} Reply 0 for the menu.",
        "plan_offer": "Plan: {count} payments of {amount} every {frequency} from {start}, "
        "total {total}. Reply 1 to accept, 0 for the menu.",
        "plan_none": "We cannot set up a plan for this loan here. Reply 4 to talk to us.",
        "plan_done": "Agreed: {count} payments of {amount} every {frequency} from {start}. "
        "Thank you. Reply 0 for the menu.",
        "handoff": "Thank you. A person from our team will answer you here.",
        "weekly": "week",
        "biweekly": "2 weeks",
        "monthly": "month",
    },
    "es": {
        "main": "{lender}: Responda 1 Saldo, 2 Pagar, 3 Plan de pagos, 4 Hablar con "
        "nosotros. Responda 0 para este menú.",
        "ask_date_of_birth": "Para proteger su cuenta, responda con su fecha de nacimiento, "
        "p. ej. 14/03/1985.",
        "ask_loan_last4": "Ahora responda con los últimos 4 dígitos de su número de préstamo.",
        "ask_postal_code": "Ahora responda con su código postal.",
        "not_understood": "Perdón, no pudimos leerlo. {question}",
        "failed": "Esos datos no coinciden con nuestros registros (le quedan {attempts} "
        "intentos). Responda 0 para el menú.",
        "locked": "Demasiados intentos. Intente de nuevo en {minutes} minutos o responda 4 "
        "para hablar con nosotros.",
        "balance": "Préstamo {loan}: saldo {outstanding}, vencido {past_due}. Próximo pago "
        "{next_amount} el {next_date}. Responda 2 para pagar, 0 para el menú.",
        "pay": "Pague {past_due} aquí: {link} Responda 0 para el menú.",
        "plan_offer": "Plan: {count} pagos de {amount} cada {frequency} desde el {start}, "
        "total {total}. Responda 1 para aceptar, 0 para el menú.",
        "plan_none": "No podemos hacer un plan para este préstamo aquí. Responda 4 para "
        "hablar con nosotros.",
        "plan_done": "Acordado: {count} pagos de {amount} cada {frequency} desde el {start}. "
        "Gracias. Responda 0 para el menú.",
        "handoff": "Gracias. Una persona de nuestro equipo le responderá aquí.",
        "weekly": "semana",
        "biweekly": "2 semanas",
        "monthly": "mes",
    },
    "sw": {
        "main": "{lender}: Jibu 1 Salio, 2 Lipa, 3 Mpango wa malipo, 4 Ongea nasi. "
        "Jibu 0 kupata menyu hii.",
        "ask_date_of_birth": "Kulinda akaunti yako, jibu na tarehe yako ya kuzaliwa, "
        "mfano 14/03/1985.",
        "ask_loan_last4": "Sasa jibu na tarakimu 4 za mwisho za nambari ya mkopo wako.",
        "ask_postal_code": "Sasa jibu na msimbo wako wa posta.",
        "not_understood": "Samahani, hatukuelewa. {question}",
        "failed": "Maelezo hayo hayalingani na rekodi zetu (umebakiwa na majaribio "
        "{attempts}). Jibu 0 kwa menyu.",
        "locked": "Umejaribu mara nyingi mno. Jaribu tena baada ya dakika {minutes}, au jibu "
        "4 uongee nasi.",
        "balance": "Mkopo {loan}: salio {outstanding}, deni lililopitwa {past_due}. Malipo "
        "yajayo {next_amount} tarehe {next_date}. Jibu 2 kulipa, 0 kwa menyu.",
        "pay": "Lipa {past_due} hapa: {link} Jibu 0 kwa menyu.",
        "plan_offer": "Mpango: malipo {count} ya {amount} kila {frequency} kuanzia {start}, "
        "jumla {total}. Jibu 1 kukubali, 0 kwa menyu.",
        "plan_none": "Hatuwezi kuweka mpango wa mkopo huu hapa. Jibu 4 uongee nasi.",
        "plan_done": "Tumekubaliana: malipo {count} ya {amount} kila {frequency} kuanzia "
        "{start}. Asante. Jibu 0 kwa menyu.",
        "handoff": "Asante. Mtu wa timu yetu atakujibu hapa.",
        "weekly": "wiki",
        "biweekly": "wiki 2",
        "monthly": "mwezi",
    },
    "fil": {
        "main": "{lender}: I-reply ang 1 Balanse, 2 Magbayad, 3 Hulugan, 4 Kausapin kami. "
        "I-reply ang 0 para sa menu na ito.",
        "ask_date_of_birth": "Para protektado ang account mo, i-reply ang birthday mo, "
        "hal. 14/03/1985.",
        "ask_loan_last4": "Ngayon, i-reply ang huling 4 na numero ng loan number mo.",
        "ask_postal_code": "Ngayon, i-reply ang postal code mo.",
        "not_understood": "Pasensya, hindi namin ito mabasa. {question}",
        "failed": "Hindi tugma ang mga detalye sa records namin ({attempts} subok na lang). "
        "I-reply ang 0 para sa menu.",
        "locked": "Sobrang daming subok. Subukan ulit pagkalipas ng {minutes} minuto, o "
        "i-reply ang 4 para kausapin kami.",
        "balance": "Loan {loan}: balanse {outstanding}, lampas sa due {past_due}. Susunod na "
        "bayad {next_amount} sa {next_date}. I-reply ang 2 para magbayad, 0 para sa menu.",
        "pay": "Magbayad ng {past_due} dito: {link} I-reply ang 0 para sa menu.",
        "plan_offer": "Hulugan: {count} bayad na {amount} kada {frequency} simula {start}, "
        "kabuuan {total}. I-reply ang 1 para tanggapin, 0 para sa menu.",
        "plan_none": "Hindi kami makagawa ng hulugan para sa loan na ito dito. I-reply ang 4 "
        "para kausapin kami.",
        "plan_done": "Napagkasunduan: {count} bayad na {amount} kada {frequency} simula "
        "{start}. Salamat. I-reply ang 0 para sa menu.",
        "handoff": "Salamat. Sasagutin ka rito ng isang tao mula sa aming team.",
        "weekly": "linggo",
        "biweekly": "2 linggo",
        "monthly": "buwan",
    },
    "hi": {
        "main": "{lender}: जवाब दें 1 बकाया, 2 भुगतान, 3 किस्त योजना, 4 हमसे बात करें। "
        "यह मेन्यू फिर पाने के लिए 0 भेजें।",
        "ask_date_of_birth": "आपके खाते की सुरक्षा के लिए अपनी जन्म तिथि भेजें, जैसे 14/03/1985।",
        "ask_loan_last4": "अब अपने लोन नंबर के आखिरी 4 अंक भेजें।",
        "ask_postal_code": "अब अपना पिन कोड भेजें।",
        "not_understood": "माफ़ कीजिए, हम इसे पढ़ नहीं पाए। {question}",
        "failed": "ये जानकारी हमारे रिकॉर्ड से मेल नहीं खाती ({attempts} कोशिशें बाकी)। मेन्यू के लिए 0 भेजें।",
        "locked": "बहुत ज़्यादा कोशिशें हो गईं। {minutes} मिनट बाद फिर कोशिश करें, या हमसे बात "
        "करने के लिए 4 भेजें।",
        "balance": "लोन {loan}: बकाया {outstanding}, देय {past_due}। अगली किस्त {next_amount}, "
        "{next_date} को। भुगतान के लिए 2, मेन्यू के लिए 0 भेजें।",
        "pay": "{past_due} का भुगतान यहाँ करें: {link} मेन्यू के लिए 0 भेजें।",
        "plan_offer": "योजना: {start} से हर {frequency} {amount} की {count} किस्तें, कुल "
        "{total}। मानने के लिए 1, मेन्यू के लिए 0 भेजें।",
        "plan_none": "इस लोन के लिए यहाँ किस्त योजना नहीं बन सकती। हमसे बात करने के लिए 4 भेजें।",
        "plan_done": "तय हुआ: {start} से हर {frequency} {amount} की {count} किस्तें। धन्यवाद। "
        "मेन्यू के लिए 0 भेजें।",
        "handoff": "धन्यवाद। हमारी टीम का कोई व्यक्ति आपको यहीं जवाब देगा।",
        "weekly": "हफ़्ते",
        "biweekly": "दो हफ़्ते",
        "monthly": "महीने",
    },
    # Romanized Hindi: GSM-7, so a menu text stays one cheap segment.
    "hi_Latn": {
        "main": "{lender}: Jawab dein 1 Baaki, 2 Payment, 3 Kisht plan, 4 Humse baat karein. "
        "Yeh menu phir paane ke liye 0 bhejein.",
        "ask_date_of_birth": "Aapke account ki suraksha ke liye apni janamtithi bhejein, "
        "jaise 14/03/1985.",
        "ask_loan_last4": "Ab apne loan number ke aakhri 4 ank bhejein.",
        "ask_postal_code": "Ab apna PIN code bhejein.",
        "not_understood": "Maaf kijiye, hum ise padh nahi paye. {question}",
        "failed": "Yeh jaankari hamare record se mel nahi khati ({attempts} koshishein baaki). "
        "Menu ke liye 0 bhejein.",
        "locked": "Bahut zyada koshishein ho gayin. {minutes} minute baad phir koshish karein, "
        "ya humse baat ke liye 4 bhejein.",
        "balance": "Loan {loan}: baaki {outstanding}, overdue {past_due}. Agli kisht "
        "{next_amount}, {next_date} ko. Payment ke liye 2, menu ke liye 0 bhejein.",
        "pay": "{past_due} ka payment yahan karein: {link} Menu ke liye 0 bhejein.",
        "plan_offer": "Plan: {start} se har {frequency} {amount} ki {count} kishtein, kul "
        "{total}. Maanne ke liye 1, menu ke liye 0 bhejein.",
        "plan_none": "Is loan ke liye yahan kisht plan nahi ban sakta. Humse baat ke liye 4 "
        "bhejein.",
        "plan_done": "Tay hua: {start} se har {frequency} {amount} ki {count} kishtein. "
        "Dhanyavaad. Menu ke liye 0 bhejein.",
        "handoff": "Dhanyavaad. Hamari team ka koi vyakti aapko yahin jawab dega.",
        "weekly": "hafte",
        "biweekly": "do hafte",
        "monthly": "mahine",
    },
}


def menu_language(locale: str | None) -> str:
    """The menu's language for a borrower's locale ("sw_KE" -> "sw", "tl" -> "fil"); English
    when the menu has no texts in it."""
    parts = normalise(locale).split("_")  # "tl" (Tagalog's code, as some books carry) -> fil
    if len(parts) > 1 and parts[1] == "Latn" and f"{parts[0]}_Latn" in TEXTS:
        return f"{parts[0]}_Latn"
    return parts[0] if parts[0] in TEXTS else "en"


def text(language: str, key: str, **values: object) -> str:
    """One menu text, filled; ``KeyError`` for a placeholder the text needs but was not given."""
    return TEXTS[language][key].format(**values)
