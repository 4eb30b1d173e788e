"""What the activities app announces (see core.signals). Subscribers: reports' rollups.

- ``activities_changed(sender=<model>, records=[...])``: a publicity event, cleanup, meeting,
  inspection or check was recorded, changed or deleted; the row before and after the change.
"""

from django.dispatch import Signal

activities_changed = Signal()
