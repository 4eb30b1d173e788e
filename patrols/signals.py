"""What the patrols app announces (see core.signals). Subscribers: reports' rollups.

- ``patrols_changed(sender=Patrol, records=[...])``: a patrol was filed, changed or deleted;
  ``records`` holds the row before and after the change.
- ``patrol_rules_changed(sender=PatrolRule, records=[...])``: a patrol rule was created, changed,
  ended or deleted; the rows before and after. What every chief owes may change from the
  earliest ``valid_from`` among them.
"""

from django.dispatch import Signal

patrols_changed = Signal()
patrol_rules_changed = Signal()
