from __future__ import annotations

import pytest
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.domain.users import PasswordPolicy, WeakPassword
from nocturna_auth.infrastructure.common_passwords import BundledCommonPasswords


@pytest.mark.parametrize("password", ["password123", "PASSWORD123", " Qwertyuiop ", "1q2w3e4r5t"])
def test_passwords_from_the_bundled_list_are_refused_in_any_case(password: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        PasswordPolicy(BundledCommonPasswords()).check(password)
    assert refused.value.reason == "common_password"


def test_an_uncommon_long_password_passes() -> None:
    PasswordPolicy(BundledCommonPasswords()).check("correct horse battery staple")


def test_the_bundled_list_is_the_public_20k_list_loaded_once_on_first_use() -> None:
    common = BundledCommonPasswords()
    assert common._passwords is None  # nothing read when built

    passwords = common.load()

    assert common.load() is passwords
    assert len(passwords) > 19_000
    assert "123456" in passwords
    assert all(p == p.lower() for p in passwords)


@pytest.mark.parametrize(
    ("password", "email"),
    [("ada.lovelace@example.com", "ada.lovelace@example.com"), ("ADA.LOVELACE", "ada.lovelace@example.com")],
)
def test_the_email_or_its_local_part_is_refused(password: str, email: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        PasswordPolicy().check(password, email=email)
    assert refused.value.reason == "matches_email"


def test_a_password_merely_containing_the_local_part_is_fine() -> None:
    PasswordPolicy().check("ada.lovelace rides again", email="ada.lovelace@example.com")


def test_lockouts_start_at_the_threshold_and_double_up_to_the_cap() -> None:
    policy = LockoutPolicy(threshold=5, base_seconds=60, max_seconds=600)

    lockouts = [policy.lockout_after(n) for n in range(1, 11)]

    assert lockouts == [0, 0, 0, 0, 60, 120, 240, 480, 600, 600]
    assert policy.lockout_after(10_000) == 600
