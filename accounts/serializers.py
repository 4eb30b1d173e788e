from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.fields import ScopedPrimaryKeyRelatedField

from .models import Region, User

# A chief's account points at its roster entry (``rivers.Chief``). Accounts sit below rivers and
# import nothing of it: the entries are reached through the account's own foreign key.
_roster = User._meta.get_field("chief").related_model


class AccountSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}, label=_("密码")
    )
    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True, label=_("所属区域")
    )
    chief = ScopedPrimaryKeyRelatedField(
        queryset=_roster.objects.all(), required=False, allow_null=True, label=_("对应河长")
    )
    region_name = serializers.CharField(
        source="region.name", read_only=True, default=None, allow_null=True, label=_("区域名称")
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "role",
            "region",
            "region_name",
            "chief",
            "first_name",
            "email",
            "is_active",
            "last_login",
        ]
        read_only_fields = ["is_active", "last_login"]
        extra_kwargs = {"first_name": {"label": _("姓名")}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("新账号必须设置密码。")]})
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"))
    password = serializers.CharField(style={"input_type": "password"}, label=_("密码"))


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
