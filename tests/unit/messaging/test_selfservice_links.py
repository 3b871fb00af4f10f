from outreach.messaging.links import make_link, make_token, read_token
from outreach.settings import Settings

SETTINGS = Settings.from_env(
    {"SECRET_KEY": "k" * 32, "DATABASE_URL": "sqlite://", "PUBLIC_BASE_URL": "https://lender.test/"}
)


def test_it_round_trips_a_borrower_id():
    assert read_token(SETTINGS, make_token(SETTINGS, 42)) == 42
    assert make_link(SETTINGS, 42).startswith("https://lender.test/chat/?t=")


def test_it_refuses_an_altered_token():
    token = make_token(SETTINGS, 42)
    assert read_token(SETTINGS, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None


def test_it_refuses_a_token_signed_with_another_secret():
    other = Settings.from_env({"SECRET_KEY": "x" * 32, "DATABASE_URL": "sqlite://"})
    assert read_token(SETTINGS, make_token(other, 42)) is None


def test_it_refuses_an_expired_token(clock):
    token = make_token(SETTINGS, 42)
    clock.advance(days=7)
    assert read_token(SETTINGS, token) == 42  # a week is the default lifetime
    clock.advance(seconds=2)
    assert read_token(SETTINGS, token) is None
