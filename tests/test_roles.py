"""Who may write whom: the pure rules behind /invite and a county admin's /import."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.roles import Role, may_invite, may_write_person

roles = st.sampled_from(list(Role))


@given(roles)
def test_a_city_admin_writes_anyone(person: Role) -> None:
    assert may_write_person(Role.ADMIN, person)


@given(roles)
def test_a_county_admin_writes_only_whom_he_may_invite(person: Role) -> None:
    # whoever he may write into the directory he may invite: so only inspectors and leads
    assert may_write_person(Role.COUNTY_ADMIN, person) == person.inspects
    assert may_write_person(Role.COUNTY_ADMIN, person) == may_invite(
        Role.COUNTY_ADMIN, "130602", person, "130602"
    )


@given(roles, roles)
def test_inspectors_and_leads_write_nobody(writer: Role, person: Role) -> None:
    if writer.inspects:
        assert not may_write_person(writer, person)
