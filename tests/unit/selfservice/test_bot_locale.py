from outreach.selfservice.locale import reply_locale


def test_it_formats_in_the_bots_language_for_the_borrowers_region():
    assert reply_locale("en_GB") == "en_GB"
    assert reply_locale("es_US") == "es_US"  # the bot answers in Spanish too
    assert reply_locale("es_US", "en") == "en_US"  # an English reply keeps English formats
    assert reply_locale("fr_CA") == "en_CA"  # no French responses: English, Canadian formats


def test_it_falls_back_to_the_language_where_babel_has_no_such_region():
    assert reply_locale("en_KE", "es") == "es"  # Babel has no es_KE: Spanish formats
    assert reply_locale("en_KE") == "en_KE"


def test_swahili_filipino_and_hindi_borrowers_get_their_language_and_formats():
    from outreach.selfservice.locale import language_of

    assert (language_of("sw_KE"), reply_locale("sw_KE")) == ("sw", "sw_KE")
    assert (language_of("fil_PH"), reply_locale("fil_PH")) == ("fil", "fil_PH")
    assert (language_of("tl_PH"), reply_locale("tl_PH")) == ("fil", "fil_PH")  # Tagalog's old code
    assert (language_of("hi_IN"), reply_locale("hi_IN")) == ("hi", "hi_IN")
    assert (language_of("hi-Latn-IN"), reply_locale("hi-Latn-IN")) == ("hi_Latn", "hi_Latn_IN")
    # An English-speaking Kenyan stays English, formatted the Kenyan way; a switch to Swahili
    # formats in Swahili for Kenya.
    assert (language_of("en_KE"), reply_locale("en_KE")) == ("en", "en_KE")
    assert reply_locale("en_KE", "sw") == "sw_KE"


def test_a_number_no_borrower_has_is_answered_in_the_language_its_words_read():
    from outreach.selfservice.locale import guess_language

    assert guess_language("habari, nataka kulipa deni langu") == "sw"
    assert guess_language("magkano po ang utang ko") == "fil"
    assert guess_language("mera loan kitna baaki hai") == "hi_Latn"
    assert guess_language("मेरा लोन कितना बाकी है") == "hi"
    assert guess_language("hola, cuanto debo") == "es"
    assert guess_language("how much do i owe") == "en"


def test_a_numeric_region_is_kept_and_one_hindi_looking_word_is_not_hindi():
    from outreach.selfservice.locale import guess_language

    assert reply_locale("es_419") == "es_419"  # Latin American Spanish formats
    assert guess_language("hai how much do i owe") == "en"  # "hai": a typed "hi"
