"""check_scopes: tenant credentials take tenant scopes; operator credentials need system."""

from __future__ import annotations

import pytest

from sessionary.domain.errors import InvalidInput
from sessionary.domain.scopes import ADMIN, SESSIONS_READ, SYSTEM, TENANT_SCOPES
from sessionary.services.credentials import check_scopes


def accepted(tenant_pk: int | None, scopes: tuple[str, ...]) -> bool:
    try:
        check_scopes(tenant_pk, scopes)
    except InvalidInput:
        return False
    return True


def test_a_tenant_credential_may_hold_every_tenant_scope() -> None:
    assert accepted(1, tuple(sorted(TENANT_SCOPES)))


def test_an_unknown_scope_is_refused_and_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_scopes(1, (SESSIONS_READ, "sessions:destroy", "root"))
    assert caught.value.data == {"field": "scopes"}
    assert "root, sessions:destroy" in caught.value.message


def test_a_tenant_credential_cannot_hold_the_system_scope() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_scopes(1, (ADMIN, SYSTEM))
    assert "system" in caught.value.message


def test_an_operator_credential_needs_the_system_scope() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_scopes(None, (ADMIN,))
    assert caught.value.data == {"field": "scopes"}
    assert "system" in caught.value.message


def test_an_operator_credential_without_any_scope_is_refused() -> None:
    assert not accepted(None, ())


def test_an_operator_credential_with_system_is_accepted() -> None:
    assert accepted(None, (SYSTEM,))
    assert accepted(None, (SYSTEM, ADMIN, SESSIONS_READ))


def test_an_operator_credential_still_refuses_unknown_scopes() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_scopes(None, (SYSTEM, "superuser"))
    assert "superuser" in caught.value.message


def test_a_tenant_credential_with_a_single_read_scope_is_accepted() -> None:
    assert accepted(2, (SESSIONS_READ,))
    assert not accepted(2, (SESSIONS_READ, "sessions:reed"))
