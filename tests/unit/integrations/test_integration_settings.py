"""File-drop and Fineract settings: a typo stops the start, naming the variable."""

from __future__ import annotations

import pytest

from outreach.settings import Settings, SettingsError

BASE = {"SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"}


def errors(**env: str) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**BASE, **env})
    return str(caught.value)


def test_it_refuses_an_sftp_drop_without_the_servers_host_key():
    assert "FILE_DROP_SFTP_HOST_KEY: required" in errors(
        FILE_DROP_URL="sftp://lender@sftp.example/in"
    )


def test_it_refuses_a_drop_url_that_is_neither_a_folder_nor_sftp():
    assert "FILE_DROP_URL: a folder path or sftp://" in errors(FILE_DROP_URL="ftp://x@h/in")
    assert "FILE_DROP_EXPORT_URL: the port is not a number" in errors(
        FILE_DROP_EXPORT_URL="sftp://x@h:abc/out", FILE_DROP_SFTP_HOST_KEY="ssh-ed25519 AAAA"
    )


def test_it_refuses_fineract_over_plain_http_off_this_host():
    message = errors(FINERACT_URL="http://fineract.example", FINERACT_COUNTRY="KE")
    assert "FINERACT_URL: https://" in message


def test_it_needs_the_borrowers_country_and_a_known_zone_and_language_for_fineract():
    message = errors(
        FINERACT_URL="https://fineract.example",
        FINERACT_TIMEZONE="Mars/Olympus",
        FINERACT_LOCALE="fr",
    )
    assert "FINERACT_COUNTRY" in message
    assert "FINERACT_TIMEZONE: not an IANA zone" in message
    assert "FINERACT_LOCALE: en or es" in message


def test_it_takes_good_integration_settings():
    settings = Settings.from_env(
        {
            **BASE,
            "FILE_DROP_URL": "sftp://lender@sftp.example:2222/drops",
            "FILE_DROP_SFTP_HOST_KEY": "ssh-ed25519 AAAA",
            "FINERACT_URL": "https://fineract.example",
            "FINERACT_COUNTRY": "KE",
            "FINERACT_DELINQUENCY_PAUSE": "1",
        }
    )
    assert settings.fineract_delinquency_pause is True
    assert settings.file_drop_poll_seconds == 300
