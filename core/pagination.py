from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        # DRF falls back to the default size for a malformed page_size; refuse it instead, so a
        # client's mistake shows (a size over max_page_size is still capped).
        raw = request.query_params.get(self.page_size_query_param)
        if raw:
            try:
                pagination._positive_int(raw, strict=True)
            except ValueError:
                raise ValidationError(
                    {self.page_size_query_param: [_("请输入一个正整数。")]}
                ) from None
        return super().get_page_size(request)
