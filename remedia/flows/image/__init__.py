"""``image.correct``: colour cast, exposure and optional local fixes for photos.

Importing this package registers the flow and its steps in the catalogue and does nothing else.
"""

from .errors import MediaError
from .flow import correct_image
from .params import ImageCorrectParams

__all__ = ["ImageCorrectParams", "MediaError", "correct_image"]
