"""Pages of the per-device API tokens: one's own (make one, shown once; revoke), and the office's
"账号安全" page: the accounts of its region, whether each has an authenticator, and their live
tokens, with revoke and reset buttons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import selectors, services
from .roles import SECOND_FACTOR_RESETTABLE_ROLES, TOKEN_MANAGERS
from .twofa import second_factor_satisfied

ACCOUNTS_PER_PAGE = 50


@never_cache
@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    if request.method == "POST":
        if not second_factor_satisfied(request):
            raise PermissionDenied(_("请先完成两步验证。"))
        try:
            token, key = services.api_token_create(user=user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("name", exc.messages))
        else:
            return render(request, "registration/token_created.html", {"token": token, "key": key})
    tokens = selectors.api_token_list(user=user).filter(user=user)
    return render(request, "registration/tokens.html", {"tokens": tokens, "error": error})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_token_list(user=request.user), pk=token_id)
    services.api_token_revoke(token=token, user=request.user)
    messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect("account-security")
    return redirect("api-tokens")


@never_cache
@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.effective_role not in TOKEN_MANAGERS:
        raise PermissionDenied(_("您的角色无权查看此页面。"))
    page = Paginator(selectors.second_factor_accounts(user=user), ACCOUNTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    resettable = SECOND_FACTOR_RESETTABLE_ROLES[user.effective_role]
    for account in page:
        account.may_reset = account.has_authenticator and (
            account.pk == user.pk or account.effective_role in resettable
        )
    return render(request, "registration/account_security.html", {"page": page})
