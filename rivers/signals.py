"""What the rivers app announces (see core.signals). Subscribers: reports' rollups.

- ``roster_changed(sender=Chief, records=[...])``: a roster entry was appointed, changed,
  relieved or deleted; the row before and after the change. What the chief owes under the
  patrol rules may change from the earliest ``appointed_on`` among them.
"""

from django.dispatch import Signal

roster_changed = Signal()
