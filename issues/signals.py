"""What the issues app announces (see core.signals). Subscribers: reports' rollups.

- ``issues_changed(sender=Issue, records=[...])``: an issue was reported, moved through the
  workflow, edited (a deadline, a category) or deleted; the row before and after the change.
"""

from django.dispatch import Signal

issues_changed = Signal()
