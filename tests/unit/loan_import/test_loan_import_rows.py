from datetime import UTC, datetime

import pytest

from outreach.loan_import.upsert import RowError, parse_row

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # parse_row's bounds (birth dates) use it

GOOD = {
    "external_id": "C-1",
    "full_name": "Ana Garcia",
    "locale": "es_US",
    "country": "us",
    "region": "TX",
    "postal_code": "78701",
    "timezone": "",
    "date_of_birth": "1985-03-14",
    "phone": "(512) 555-0101",
    "whatsapp": "",
    "email": "Ana@Example.com",
    "consent_source": "loan_agreement",
    "consent_at": "2026-01-15T10:00:00Z",
    "loan_number": "LN-1",
    "product": "personal",
    "currency": "usd",
    "principal": "5000",
    "outstanding": "3210.555",
    "past_due_amount": "",
    "days_past_due": "15",
    "next_due_date": "2026-12-01",
    "next_due_amount": "420.00",
    "status": "delinquent",
}


def test_it_normalises_a_good_row():
    clean = parse_row(GOOD)
    assert clean["borrower"]["country"] == "US"
    assert clean["contacts"] == [("sms", "+15125550101"), ("email", "ana@example.com")]
    assert str(clean["loan"]["outstanding"]) == "3210.56"
    assert str(clean["loan"]["past_due_amount"]) == "0.00"
    assert clean["loan"]["currency"] == "USD"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", ""),
        ("country", "USA"),
        ("locale", "xx_YY_ZZ"),
        ("timezone", "Mars/Base"),
        ("date_of_birth", "14/03/1985"),
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("currency", "ZZZ"),
        ("principal", "lots"),
        ("outstanding", "-5"),
        ("days_past_due", "-1"),
        ("status", "frozen"),
        ("consent_at", "2026-01-15T10:00:00"),
    ],
)
def test_it_names_the_bad_field(field, value):
    with pytest.raises(RowError) as err:
        parse_row({**GOOD, field: value}, NOW)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        # Findings 12 and 28: each of these was a traceback or was stored as given.
        ("principal", "NaN", "not an amount"),
        ("principal", "sNaN", "not an amount"),
        ("outstanding", "Infinity", "not an amount"),
        ("principal", "1e30", "not an amount"),
        ("principal", "1" * 30, "at most 999999999999.99"),
        ("next_due_amount", "1000000000000", "at most 999999999999.99"),
        ("principal", "²", "not an amount"),
        ("principal", "٣٠٠", "not an amount"),
        ("days_past_due", "²", "expected a whole number of days"),
        ("days_past_due", "9" * 25, "expected a whole number of days"),
        ("country", "ZZ", "expected an ISO 3166 two-letter code"),
        ("country", "UK", "the code for the United Kingdom is GB"),
        ("currency", "XXX", "not an ISO 4217 currency in use"),
        ("currency", "XTS", "not an ISO 4217 currency in use"),
        ("currency", "XAU", "not an ISO 4217 currency in use"),
        ("date_of_birth", "2026-11-26", "must be between 1900-01-01 and 2026-11-25"),
        ("date_of_birth", "2999-01-01", "must be between"),
        ("date_of_birth", "1899-12-31", "must be between"),
        ("next_due_date", "9999-12-31", "must be between"),
        ("next_due_date", "20261201", "expected YYYY-MM-DD"),
        ("next_due_date", "2026-W48-1", "expected YYYY-MM-DD"),
        ("consent_at", "0001-01-01T00:00:00+01:00", "must be between"),
        ("full_name", "Ana\nGarcia", "contains a control character"),
        ("full_name", "Ana\rGarcia", "contains a control character"),
        ("full_name", "Ana\x00", "contains a control character"),
        ("full_name", "Ana\u2028Garcia", "contains a control character"),
        ("full_name", "\u202eaicraG anA", "contains a control character"),
        ("product", "per\tsonal", "contains a control character"),
        ("loan_number", "LN\x1b[31m", "contains a control character"),
        ("external_id", "C" * 65, "at most 64 characters (got 65)"),
        ("full_name", "A" * 201, "at most 200 characters (got 201)"),
        ("region", "R" * 17, "at most 16 characters"),
        ("postal_code", "9" * 17, "at most 16 characters"),
        ("loan_number", "L" * 65, "at most 64 characters"),
        ("product", "p" * 65, "at most 64 characters"),
        ("consent_source", "s" * 101, "at most 100 characters"),
        ("email", "a" * 250 + "@x.io", "at most 254 characters"),
        ("locale", "en_US_" + "x" * 11, "at most 16 characters"),
    ],
)
def test_it_names_the_field_and_problem_of_every_crafted_value(field, value, problem):
    with pytest.raises(RowError) as err:
        parse_row({**GOOD, field: value}, NOW)
    assert err.value.field == field
    assert problem in str(err.value)


def test_it_accepts_a_birth_date_that_is_today_somewhere_on_earth():
    # 16:00 UTC on the 24th is already the 25th in Kiritimati (UTC+14).
    assert (
        str(parse_row({**GOOD, "date_of_birth": "2026-11-25"}, NOW)["borrower"]["date_of_birth"])
        == "2026-11-25"
    )


@pytest.mark.parametrize("currency", ["USD", "EUR", "INR", "KES", "XOF", "XAF"])
def test_it_accepts_real_currencies_including_the_cfa_francs(currency):
    assert parse_row({**GOOD, "currency": currency}, NOW)["loan"]["currency"] == currency


def test_it_keeps_accents_and_other_scripts_in_names():
    for name in ("José Núñez", "Wanjiru Mwangi-Otieno", "O'Brien", "प्रिया पटेल"):
        assert parse_row({**GOOD, "full_name": name}, NOW)["borrower"]["full_name"] == name


def test_it_keeps_a_postal_address_for_letters_with_its_lines_trimmed():
    clean = parse_row({**GOOD, "postal_address": " 12 High Street ,Leeds,, LS1 1AA "})
    assert ("letter", "12 High Street, Leeds, LS1 1AA") in clean["contacts"]


def test_it_refuses_a_postal_address_of_one_line():
    with pytest.raises(RowError) as err:
        parse_row({**GOOD, "postal_address": "Leeds"})
    assert str(err.value).startswith("postal_address:")


def test_it_refuses_a_postal_address_with_a_line_break():
    with pytest.raises(RowError) as err:
        parse_row({**GOOD, "postal_address": "12 High Street\nLeeds"})
    assert str(err.value).startswith("postal_address:")
