"""Reading one identity-factor answer (outreach/selfservice/answers.py): one value or nothing."""

from datetime import date

import pytest

from outreach.selfservice.answers import (
    Reading,
    postal_codes_match,
    read_date,
    read_last4,
    read_postal_code,
)

TODAY = date(2026, 11, 24)


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
        "the 14th of march 1985",
        "14 de marzo de 1985",
        "14 / 03 / 1985",
    ],
)
def test_it_reads_the_ways_borrowers_write_a_birth_date(text):
    reading = read_date(text, "US", TODAY)
    assert (reading.kind, reading.value) == ("one", date(1985, 3, 14))


def test_it_reads_an_ambiguous_date_once_in_the_borrowers_convention():
    # Finding 1: both readings used to be tried; now the country decides and there is one.
    assert read_date("03/04/1985", "US", TODAY).value == date(1985, 3, 4)
    assert read_date("03/04/1985", "GB", TODAY).value == date(1985, 4, 3)
    assert read_date("03/04/1985", "MX", TODAY).value == date(1985, 4, 3)


def test_it_refuses_an_answer_holding_several_dates_whole():
    # The attack: one message with the whole range of birthdays in it.
    many = " ".join(f"{m}/{d}/1985" for m in range(1, 13) for d in range(1, 12))
    assert read_date(many, "US", TODAY).kind == "several"
    assert read_date("14/03/1985 or 15/03/1985", "GB", TODAY).kind == "several"
    assert read_date("14 March 1985, 1985-03-14", "US", TODAY).kind == "several"


def test_it_puts_two_digit_birth_years_in_the_past():
    assert read_date("1/1/60", "US", TODAY).value == date(1960, 1, 1)
    assert read_date("1/1/05", "US", TODAY).value == date(2005, 1, 1)


def test_it_finds_nothing_in_text_without_a_date():
    assert read_date("no idea, sorry", "US", TODAY).kind == "none"
    assert read_date("31/02/1985", "US", TODAY).kind == "none"  # no such day


def test_it_understands_the_same_answers_whoever_the_borrower_is():
    # Understood or not never depends on the account, or "not understood" would tell a
    # visitor something about a loan number they typed.
    for text in ("14/03/1985", "3/14/85", "31/02/1985", "1/2/1990 3/4/1990"):
        assert {read_date(text, c, TODAY).kind for c in ("US", "GB", None)} == {
            read_date(text, "US", TODAY).kind
        }


def test_it_takes_exactly_one_group_of_four_digits():
    assert read_last4("it ends in 1234").value == "1234"
    assert read_last4("1234 5678").kind == "several"
    assert read_last4("12 34").kind == "none"


@pytest.mark.parametrize(
    ("text", "code"),
    [("60601", "60601"), ("my zip is 60601-1234", "606011234"), ("sw1a 1aa", "SW1A1AA")],
)
def test_it_reads_one_postal_code(text, code):
    assert read_postal_code(text).value == code


def test_it_refuses_several_postal_codes_and_compares_zip_plus_four():
    assert read_postal_code("60601 or 60602").kind == "several"
    assert read_postal_code("downtown").kind == "none"
    assert postal_codes_match("606011234", "60601", "US")
    assert postal_codes_match("SW1A1AA", "SW1A 1AA", "GB")
    assert not postal_codes_match("60602", "60601", "US")
    assert not postal_codes_match("60601", None, "US")


@pytest.mark.parametrize(
    ("text", "country", "born"),
    [
        ("14 Machi 1985", "KE", date(1985, 3, 14)),  # the Swahili bot's own example
        ("nilizaliwa tarehe 2 Julai 1990", "KE", date(1990, 7, 2)),
        ("Marso 14, 1985", "PH", date(1985, 3, 14)),  # the Filipino bot's own example
        ("03/04/1985", "PH", date(1985, 3, 4)),  # the Philippines write month first
        ("03/04/1985", "KE", date(1985, 4, 3)),  # Kenya day first
        ("14 मार्च 1985", "IN", date(1985, 3, 14)),  # the Hindi bot's own example
        ("2 जनवरी 1990", "IN", date(1990, 1, 2)),  # a month name ending in a vowel sign
        ("14 March 1985", "IN", date(1985, 3, 14)),
    ],
)
def test_it_reads_a_date_of_birth_with_swahili_filipino_and_hindi_month_names(
    text, country, born
) -> None:
    assert read_date(text, country, date(2026, 12, 2)) == Reading("one", born)
