from core.filters import RegionFilterSet

from .models import User


class AccountFilter(RegionFilterSet):
    class Meta:
        model = User
        fields = ["role", "is_active"]
