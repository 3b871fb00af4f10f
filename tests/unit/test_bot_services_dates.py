from datetime import date

import pytest

from outreach.bot_locale import reply_locale
from outreach.bot_services import parse_dates


@pytest.mark.parametrize(
    "text",
    [
        "14/03/1985",
        "1985-03-14",
        "March 14 1985",
        "14 March 1985",
        "my dob is 3/14/85",
        "14.03.1985",
        "Mar 14th, 1985",
    ],
)
def test_it_reads_the_ways_borrowers_write_a_birth_date(text):
    assert date(1985, 3, 14) in parse_dates(text)


def test_it_keeps_both_readings_of_an_ambiguous_date():
    assert {date(1985, 4, 3), date(1985, 3, 4)} <= parse_dates("03/04/1985")


def test_it_puts_two_digit_birth_years_in_the_past():
    assert date(1960, 1, 1) in parse_dates("1/1/60")


def test_it_finds_nothing_in_text_without_a_date():
    assert parse_dates("no idea, sorry") == set()


def test_it_formats_in_the_bots_language_for_the_borrowers_region():
    assert reply_locale("en_GB") == "en_GB"
    assert reply_locale("es_US") == "es_US"  # the bot answers in Spanish too
    assert reply_locale("es_US", "en") == "en_US"  # an English reply keeps English formats
    assert reply_locale("fr_CA") == "en_CA"  # no French responses: English, Canadian formats


def test_it_reads_spanish_birth_dates():
    assert date(1985, 3, 14) in parse_dates("14 de marzo de 1985")
