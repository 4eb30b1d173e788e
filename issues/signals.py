"""What the issues app announces (see core.signals). Subscribers: reports' rollups.

- ``issues_changed(sender=Issue, records=[...])``: an issue was reported, moved through the
  workflow, edited (a deadline, a category) or deleted; the row before and after the change.
  Also sent with ``IssueDeadline`` and ``IssueEvent`` rows (sender their model) when one is
  written or deleted: a deadline setting or a timeline line (交办) moves its issue's figures.
"""

from django.dispatch import Signal

issues_changed = Signal()
