"""Reading plan and promise terms from borrower text (bot/actions/parsing.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.actions.parsing import (
    parse_amount,
    parse_count,
    parse_day,
    parse_frequency,
    parse_payment_amount,
    payment_purpose,
    wants_all,
)

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "amount", "count", "frequency"),
    [
        ("i could do 75 a month for 6 months", "75", (6, "monthly"), "monthly"),
        ("50 a month for 6 months", "50", (6, "monthly"), "monthly"),
        ("$100 monthly for 4 months", "100", (4, "monthly"), "monthly"),
        ("3 payments of 140", "140", (3, None), None),
        ("6 monthly payments", None, (6, None), "monthly"),
        ("140 every two weeks, 3 payments", "140", (3, None), "biweekly"),
        ("puedo pagar 50 al mes", "50", (None, None), "monthly"),
        ("75 al mes por 6 meses", "75", (6, "monthly"), "monthly"),
        ("40 cada quincena", "40", (None, None), "biweekly"),
        ("seis pagos de 70 dólares", "70", (6, None), None),
        ("$1,200.50 weekly", "1200.50", (None, None), "weekly"),
    ],
)
def test_it_reads_terms_named_with_their_units(text, amount, count, frequency) -> None:
    assert parse_amount(text) == (Decimal(amount) if amount else None)
    assert parse_count(text) == count
    assert parse_frequency(text) == frequency


def test_it_reads_a_bare_number_only_as_the_answer_to_the_question_asked() -> None:
    assert parse_amount("50") is None and parse_amount("50", requested=True) == Decimal("50")
    assert parse_count("6") == (None, None) and parse_count("6", requested=True) == (6, None)
    assert parse_count("cuatro", requested=True) == (4, None)
    assert parse_amount("1234") is None  # the loan's last four digits are not an amount


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("today", "en", date(2026, 11, 23)),
        ("tmrw", "en", date(2026, 11, 24)),
        ("mañana", "es", date(2026, 11, 24)),
        ("pasado mañana", "es", date(2026, 11, 25)),
        ("friday", "en", date(2026, 11, 27)),
        ("el viernes", "es", date(2026, 11, 27)),
        ("monday", "en", date(2026, 11, 30)),  # said on a Monday: next week's
        ("in 3 days", "en", date(2026, 11, 26)),
        ("en 2 semanas", "es", date(2026, 12, 7)),
        ("next week", "en", date(2026, 11, 30)),
        ("the 15th", "en", date(2026, 12, 15)),
        ("el 15", "es", date(2026, 12, 15)),
        ("dec 5", "en", date(2026, 12, 5)),
        ("5 de diciembre", "es", date(2026, 12, 5)),
        ("12/5", "en", date(2026, 12, 5)),
        ("5/12", "es", date(2026, 12, 5)),
        ("jan 3", "en", date(2027, 1, 3)),  # already past this year: next year
        ("2026-12-05", "en", date(2026, 12, 5)),
    ],
)
def test_it_reads_payment_days_in_english_and_spanish(text, language, expected) -> None:
    assert parse_day(text, MONDAY, language) == expected


def test_it_finds_no_day_in_terms_without_one() -> None:
    for text in ("6 payments", "50 a month for 6 months", "1234", "hello"):
        assert parse_day(text, MONDAY) is None


def test_it_reads_all_of_it_in_both_languages() -> None:
    assert wants_all("all of it") and wants_all("todo") and wants_all("el total")
    assert not wants_all("50")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("i can pay 50", "50"),
        ("I can pay $20.50 now", "20.50"),
        ("KES 1,500", "1500"),
        ("ksh1500 from mpesa", "1500"),
        ("quiero pagar 1.500", "1500"),  # a dot groups thousands; it is never KES 1.50
        ("pagar 300 ahora", "300"),
        ("pay my 2nd instalment", None),  # an ordinal is not an amount
        ("pagar mi 3a cuota", None),
        ("i want to pay now", None),
        ("pay 50 or 60", None),  # two amounts: the bot asks rather than guess
        ("pay on 12/5", None),
        ("/inform", None),  # the placeholder of an identity answer
    ],
)
def test_it_reads_the_amount_a_borrower_names_for_a_payment_now(text, amount) -> None:
    assert parse_payment_amount(text) == (Decimal(amount) if amount else None)


def test_it_reads_what_the_borrower_wants_to_pay_in_both_languages() -> None:
    assert payment_purpose("I want to pay my installment") == "instalment"
    assert payment_purpose("pagar la cuota de este mes") == "instalment"
    assert payment_purpose("pay what i promised") == "promise"
    assert payment_purpose("quiero pagar mi promesa") == "promise"
    assert payment_purpose("quiero pagar ahora") is None


@pytest.mark.parametrize(
    ("text", "language", "days"),
    [
        ("nitalipa kesho", "sw", 1),
        ("nitalipa kesho kutwa", "sw", 2),
        ("leo jioni", "sw", 0),
        ("Ijumaa", "sw", 2),  # Wednesday 2 December 2026 -> Friday 4
        ("baada ya siku 3", "sw", 3),
        ("wiki ijayo", "sw", 7),
        ("bukas po", "fil", 1),
        ("sa Biyernes po", "fil", 2),
        ("sa susunod na linggo", "fil", 7),  # "linggo" is the week here, not Sunday
        ("linggo po", "fil", 4),  # and Sunday here
        ("kal pay kar dunga", "hi_Latn", 1),  # "kal" to pay: tomorrow
        ("parso", "hi_Latn", 2),
        ("shukravar ko", "hi_Latn", 2),
        ("शुक्रवार को दूँगा", "hi", 2),
        ("कल", "hi", 1),
        ("3 din mein", "hi_Latn", 3),
    ],
)
def test_it_reads_days_in_swahili_filipino_and_hindi(text, language, days) -> None:
    today = date(2026, 12, 2)
    assert parse_day(text, today, language) == today + timedelta(days=days)


@pytest.mark.parametrize(
    ("language", "expected"), [("sw", date(2027, 3, 5)), ("fil", date(2027, 5, 3))]
)
def test_a_numeric_date_is_day_first_in_kenya_and_month_first_in_the_philippines(
    language, expected
) -> None:
    assert parse_day("5/3", date(2026, 12, 2), language) == expected
