from django.db.models import QuerySet

from .models import User


def account_list(*, user: User) -> QuerySet[User]:
    return User.objects.visible_to(user).select_related("region", "chief")
