"""Shared fixtures and hypothesis settings."""

import os

import pytest
from hypothesis import HealthCheck, settings

import sibrisk

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("SIBRISK_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def drc() -> sibrisk.Scenario:
    """The built-in scenario of the Danish catalogue."""
    return sibrisk.load_scenario("drc-sib-2023")


@pytest.fixture(scope="session")
def drc_account(drc):
    return sibrisk.account(drc)
