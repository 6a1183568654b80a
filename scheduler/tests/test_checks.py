"""The deploy checks of scheduler/checks.py, on the settings they read."""

import pytest
from django.core import checks

from scheduler.checks import check_release_id, check_site_url


@pytest.mark.parametrize(
    ("site_url", "debug", "errors"),
    [
        ("", False, ["scheduler.E001"]),  # unset: no default in production
        ("scheduler.example.com", False, ["scheduler.E002"]),  # not absolute
        ("/meetings", False, ["scheduler.E002"]),
        ("ftp://scheduler.example.com", False, ["scheduler.E002"]),
        ("https://", False, ["scheduler.E002"]),
        ("https://scheduler.example.com/?next=x", False, ["scheduler.E002"]),
        ("http://scheduler.example.com", False, ["scheduler.E003"]),  # links in clear
        ("http://scheduler.example.com", True, []),  # a debugging server may do without TLS
        ("https://scheduler.example.com", False, []),
        ("https://example.com/scheduler", False, []),  # served under a path
    ],
)
def test_production_needs_an_absolute_https_site_url(settings, site_url, debug, errors):
    # given
    settings.DJANGO_ENV, settings.SITE_URL, settings.DEBUG = "production", site_url, debug

    # when
    found = check_site_url(None)

    # then
    assert [error.id for error in found] == errors
    assert all("SITE_URL" in error.msg and error.level == checks.ERROR for error in found)


def test_other_environments_keep_their_development_default(settings):
    # given
    settings.DJANGO_ENV, settings.SITE_URL = "local", "http://127.0.0.1:8000"

    # when / then
    assert check_site_url(None) == []


def test_the_site_url_check_runs_with_the_deploy_checks_only(settings):
    # given
    settings.DJANGO_ENV, settings.SITE_URL = "production", ""

    # when
    plain = checks.run_checks(tags=[checks.Tags.security])
    deploy = checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)

    # then
    assert "scheduler.E001" not in [error.id for error in plain]
    assert "scheduler.E001" in [error.id for error in deploy]


@pytest.mark.parametrize(
    ("environment", "release", "errors"),
    [
        ("production", "unreleased", ["scheduler.E004"]),  # git could not say the commit
        ("production", "4f2c9a1b7e3d", []),
        ("local", "unreleased", []),
    ],
)
def test_production_needs_a_release_id(settings, environment, release, errors):
    settings.DJANGO_ENV, settings.RELEASE_ID = environment, release
    assert [error.id for error in check_release_id(None)] == errors
