"""
Marshmallow fields for message schemas.

"""
from typing import Any, Optional
from uuid import UUID

from marshmallow import ValidationError
from marshmallow.fields import Field


class UUIDField(Field):
    """A UUID carried as its canonical string: accepts `str` or `UUID`, hands out `str`."""

    def _serialize(self, value: Any, attr: Optional[str], obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, UUID):
            return str(value)
        return value

    def _deserialize(self, value: Any, attr: Optional[str], data: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, UUID):
            return str(value)
        try:
            return str(UUID(value))
        except (AttributeError, TypeError, ValueError):
            raise ValidationError("Not a valid UUID.") from None
