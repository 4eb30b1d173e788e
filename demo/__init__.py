"""The demo street of `manage.py seed_demo` (as zulip's ``populate_db``): a county, a street with
its communities, rivers, roster and assets, then a year of patrols, issues and activities.

It sits above every other app and drives their real services; no production module imports it
(``tests/test_demo_isolation.py`` holds that), so the portal runs the same without it.

- ``demo.street``: the organisation, the logins and ``build_demo``, which runs the stages below.
- ``demo.patrols``, ``demo.issues``, ``demo.activities``: a year of each, for the streets just
  written.
- ``demo.assessment``: the chiefs' assessment schemes and this year's published rounds (考核) of
  the first street.
- ``demo.river_plans``: the first street's plans (一河一策) for two of its rivers.
- ``demo.water``: the first street's monitoring sections with a year of monthly readings (two
  meeting their target, one getting worse, one 劣V) and quarterly ones the year before.
"""
