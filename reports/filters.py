from accounts.filters import RegionFilterSet

from .models import Report


class ReportFilter(RegionFilterSet):
    """``?region=`` (that region and below), ``?kind=``, ``?year=``, ``?status=``."""

    class Meta:
        model = Report
        fields = ["kind", "year", "status"]
