"""Who may do what, by role: every set of roles the portal checks, named once for what it means.

The API views' ``read_roles`` / ``write_roles`` (read by ``accounts.permissions.RolePermission``),
the web pages that show or hide an action, the workbench's registry and the workflow table use
these names; none writes a set of roles by hand. ``tests/test_roles.py`` spells each set out
literally, so a wrong entry here fails a test.

The roles themselves are ``accounts.models.Role``: admin (管理员), office (河长办), leader (领导),
chief (河长). A superuser acts as an admin (``User.effective_role``).
"""

from django.utils.translation import gettext_lazy as _

from .models import RegionLevel, Role

# The admins alone: reshape the region tree, correct the holiday calendar, read the audit log.
ADMINS = frozenset({Role.ADMIN})

# "The office" (河长办, and the admins above it): keeps the ledgers and the roster, handles the
# issues, requests reports and bulletins; the default writers of every API view.
OFFICE_ROLES = frozenset({Role.ADMIN, Role.OFFICE})

# Who reads everything in their region, not only their own work: the office and the leaders
# (the dashboard, statistics, work reports, bulletins, the issue ledger, the rankings).
REGION_READERS = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})

# Who works on the ground as well as the office: files patrols, reports issues and works on
# the ones handed to them, adds photos, verifies map patches.
OFFICE_AND_CHIEFS = frozenset({Role.ADMIN, Role.OFFICE, Role.CHIEF})

LEADERS = frozenset({Role.LEADER})
CHIEFS = frozenset({Role.CHIEF})

# Every account (its own notifications, its own password).
EVERY_ROLE = frozenset(Role)

# Which roles an account may give to others: nobody creates an account above their own.
ASSIGNABLE_ROLES = {
    Role.ADMIN: frozenset(Role),
    Role.OFFICE: frozenset({Role.OFFICE, Role.LEADER, Role.CHIEF}),
    Role.LEADER: frozenset(),
    Role.CHIEF: frozenset(),
}

# Whose password an account may set for someone else (a reset): an office resets its chiefs'
# passwords (in its region: the selectors' scope); office, leader and admin passwords only an
# admin resets, so an office clerk cannot take over a colleague's or a leader's account.
# Everyone may change their own.
PASSWORD_RESETTABLE_ROLES = {
    Role.ADMIN: frozenset(Role),
    Role.OFFICE: frozenset({Role.CHIEF}),
    Role.LEADER: frozenset(),
    Role.CHIEF: frozenset(),
}

# Who must sign in with a second factor (an authenticator app's code) when REQUIRE_2FA is on:
# the accounts that hold the roster, the ledgers and other accounts (accounts.twofa). Chiefs and
# leaders sign in with their password alone.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.OFFICE})

# Whose second factor (authenticator and backup codes) an account may reset, for a lost phone:
# an admin anyone's, an office its colleagues' in its region (the password is still needed to
# sign in, and the reset is audited); an admin's only an admin. Chiefs and leaders never enrol.
SECOND_FACTOR_RESETTABLE_ROLES = {
    Role.ADMIN: frozenset(Role),
    Role.OFFICE: frozenset({Role.OFFICE}),
    Role.LEADER: frozenset(),
    Role.CHIEF: frozenset(),
}

# Who sees and revokes the API tokens of the accounts in their region (a lost phone, a clerk
# who left); everyone lists and revokes their own.
TOKEN_MANAGERS = OFFICE_ROLES

POLICY_REFUSED = _("全局规则只能由县级河长办或管理员修改。")


def writes_policy(user) -> bool:
    """Whether ``user`` may write the portal-wide rules (patrol rules, deadline rules): the same
    for every region, so an admin or the office at the top of the tree (the county), never a
    street's or a community's office. Views narrow their ``write_roles`` with it
    (``write_check``)."""
    role = getattr(user, "effective_role", None)
    if role == Role.ADMIN:
        return True
    if role != Role.OFFICE or user.region_id is None:
        return False
    # The county's level, or no region above the account's: the top of the tree.
    return user.region.level == RegionLevel.COUNTY or user.region.parent_id is None
