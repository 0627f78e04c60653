"""The wiring: settings from the environment, the command line, and (later) Django and Celery."""
