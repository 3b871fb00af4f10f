import pytest

from outreach.loan_import import RowError, parse_row

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
        parse_row({**GOOD, field: value})
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")
