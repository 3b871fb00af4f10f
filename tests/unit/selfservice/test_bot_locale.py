from outreach.selfservice.locale import reply_locale


def test_it_formats_in_the_bots_language_for_the_borrowers_region():
    assert reply_locale("en_GB") == "en_GB"
    assert reply_locale("es_US") == "es_US"  # the bot answers in Spanish too
    assert reply_locale("es_US", "en") == "en_US"  # an English reply keeps English formats
    assert reply_locale("fr_CA") == "en_CA"  # no French responses: English, Canadian formats


def test_it_falls_back_to_the_language_where_babel_has_no_such_region():
    assert reply_locale("en_KE", "es") == "es"  # Babel has no es_KE: Spanish formats
    assert reply_locale("en_KE") == "en_KE"
