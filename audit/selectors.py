"""Reading the audit log: administrators only, the whole portal's.

Not scoped by region on purpose: most entries belong to no region (logins, failed logins, refused
requests from outside), and who looked at what in another street is itself what an audit is for.
"""

from django.db.models import QuerySet

from accounts.models import Role, User

from .models import AuditEntry


def audit_entry_list(*, user: User) -> QuerySet[AuditEntry]:
    if not user.is_authenticated or user.effective_role != Role.ADMIN:
        return AuditEntry.objects.none()
    return AuditEntry.objects.all()
