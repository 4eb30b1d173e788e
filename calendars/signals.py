"""The calendar's signal, for the apps above that count working days.

``holiday_year_loaded``
    A year's holiday arrangement has just been entered or replaced (the office's page, an
    import, or ``sync_holidays`` adding a year chinese-calendar has learnt). Sent with
    ``sender=HolidayYear`` and ``year`` (an int), inside the transaction that wrote it, so a
    receiver's writes commit or roll back with the calendar's. ``issues`` subscribes and
    recomputes the deadlines it had to count provisionally (by weekends only).
"""

from django.dispatch import Signal

holiday_year_loaded = Signal()  # kwargs: year
