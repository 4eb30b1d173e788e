from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.fields import ScopedPrimaryKeyRelatedField

from .models import ApiToken, Region, User

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


class TokenRequestWithCodeSerializer(TokenRequestSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        label=_("验证码"),
        help_text=_("开启两步验证后，管理员和河长办账号还须填写身份验证器中的验证码。"),
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, label=_("用户名"))
    active = serializers.BooleanField(source="is_active", read_only=True, label=_("有效"))

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "username",
            "name",
            "key_start",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = ["user", "key_start", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        read_only=True, label=_("密钥"), help_text=_("只在创建时返回一次，请立即保存。")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
