# The accompaniment's people, for the interview's reminder the day before.
from tests.employment.conftest import (  # noqa: F401
    accompaniment,
    employer,
    engaged,
    opening,
    orientation,
)
