"""The distributed executor: every step a Celery task, advanced by the run store."""
