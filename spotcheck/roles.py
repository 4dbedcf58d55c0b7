"""Roles of people in the inspector directory (角色) and their duty status (状态)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INSPECTOR = "inspector"  # 执法人员
    LEAD = "lead"  # 组长
    COUNTY_ADMIN = "county_admin"  # 区县管理员: county-branch administrator
    ADMIN = "admin"  # 管理员: city administrator

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]

    @property
    def inspects(self) -> bool:
        """Whether the role is drawn onto inspection teams (inspectors and team leads)."""
        return self in (Role.INSPECTOR, Role.LEAD)


_ROLE_LABELS = {
    Role.INSPECTOR: "执法人员",
    Role.LEAD: "组长",
    Role.COUNTY_ADMIN: "区县管理员",
    Role.ADMIN: "管理员",
}


class DutyStatus(StrEnum):
    ON_DUTY = "on_duty"  # 在岗
    ON_LEAVE = "on_leave"  # 休假
    TRANSFERRED = "transferred"  # 调离

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    DutyStatus.ON_DUTY: "在岗",
    DutyStatus.ON_LEAVE: "休假",
    DutyStatus.TRANSFERRED: "调离",
}


def parse_role(word: str) -> Role | None:
    """A role from its Chinese label or English value; None when the word names no role."""
    text = word.strip()
    for role in Role:
        if text in (role.label, role.value) or text.lower() == role.value:
            return role
    return None


def parse_status(word: str) -> DutyStatus | None:
    """A duty status from its Chinese label or English value; None when unknown."""
    text = word.strip()
    for status in DutyStatus:
        if text in (status.label, status.value) or text.lower() == status.value:
            return status
    return None


def may_draw(role: Role, own_region: str, level: str, region: str | None) -> bool:
    """City admins draw anywhere; county admins only county-level draws of their own county."""
    if role is Role.ADMIN:
        return True
    return role is Role.COUNTY_ADMIN and level == "county" and region == own_region


def may_invite(role: Role, own_region: str, invitee_role: Role, invitee_region: str) -> bool:
    """City admins invite anyone; county admins only the inspectors and team leads of their own
    county. An invitation binds the invitee's account and cuts off the phone bound before, so
    a county admin inviting an admin (a peer, or a city admin) would take over that account."""
    if role is Role.ADMIN:
        return True
    return role is Role.COUNTY_ADMIN and invitee_role.inspects and invitee_region == own_region


def role_fits_region(role: Role, is_city_code: bool) -> bool:
    """Which region code a role may carry in the directory: a city admin (管理员) the city
    bureau's own code, a county admin (区县管理员) a county's; inspectors and team leads either
    (市局 staff carry the city's code)."""
    if role is Role.ADMIN:
        return is_city_code
    if role is Role.COUNTY_ADMIN:
        return not is_city_code
    return True


def may_import(role: Role, kind: str) -> bool:
    """City admins import every directory; county admins their own county's targets, people
    and experts (row by row, in the import) — the inspection item list is the city's."""
    if role is Role.ADMIN:
        return True
    return role is Role.COUNTY_ADMIN and kind in ("targets", "inspectors", "experts")


def may_write_person(role: Role, person_role: Role) -> bool:
    """Whether an admin's import may write a person of ``person_role``: both the role a row is
    given and the role a changed or deactivated row had. City admins anyone; county admins
    only inspectors and team leads — making someone 区县管理员, or demoting or retiring a peer,
    would let him /invite that person and take over the account (see may_invite)."""
    return role is Role.ADMIN or (role is Role.COUNTY_ADMIN and person_role.inspects)


def commands_for(role: Role) -> tuple[str, ...]:
    """The commands a role's menu shows, in order: everyone's tasks, questions and deadlines;
    team leads and admins their digest; admins the draw, invitations and the directories'
    import and templates; the city admins the policy library. Those who inspect fill in
    results (/report), return to an open form (/resume) and close follow-ups (/followups)."""
    commands = ["tasks"]
    if role.inspects:
        commands += ["report", "resume"]  # the on-site result form, and going back to it
        commands.append("followups")  # issue 10: his open follow-ups, to close (办结)
    if role in (Role.COUNTY_ADMIN, Role.ADMIN):
        commands += ["draw", "invite", "import", "template"]
    commands += ["ask", "deadlines"]
    if role is not Role.INSPECTOR:
        commands.append("digest")
    if role is Role.ADMIN:
        commands.append("policies")
    if role in (Role.COUNTY_ADMIN, Role.ADMIN):
        commands.append("export")  # issue 11: the statistics workbook
    return (*commands, "help", "cancel")


STRANGER_COMMANDS = ("start", "help")


def may_see_result(role: Role, own_region: str, on_team: bool, target_region: str) -> bool:
    """An inspection result is seen by its team in force (the lead among them), the city admins
    and the county admins of the target's county; by nobody else."""
    if on_team or role is Role.ADMIN:
        return True
    return role is Role.COUNTY_ADMIN and own_region == target_region


# --- issue 11: the statistics export ---


def may_export(role: Role, own_region: str, region: str | None) -> bool:
    """The statistics workbook: city admins the whole city's (None) or any county's; county
    admins their own county's only (the evaluation compares the counties: the city's)."""
    if role is Role.ADMIN:
        return True
    return role is Role.COUNTY_ADMIN and region == own_region
