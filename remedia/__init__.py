"""remedia: a pipeline service for media corrections."""

__version__ = "0.1.0"
