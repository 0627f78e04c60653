"""The run store: the Django models that persist runs, steps, attempts and events.

The database is the source of truth for what happened; Redis only mirrors it. This package is
a Django app (label ``executor``); nothing else in ``remedia.executor`` imports Django, so the
local executor runs without it.
"""
