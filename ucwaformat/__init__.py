"""Translate Microsoft UCWA documents between their XML and JSON forms, exactly and schema-aware."""

from ._api import from_json, from_xml, json_to_xml, to_json, to_xml, xml_to_json
from ._dates import Timestamp
from ._errors import LOSS_KINDS, Loss, UcwaFormatError
from ._model import Document, Input, Link, Resource
from ._schema import PropertyType, Schema

__version__ = "0.1.0"

__all__ = [
    "LOSS_KINDS",
    "Document",
    "Input",
    "Link",
    "Loss",
    "PropertyType",
    "Resource",
    "Schema",
    "Timestamp",
    "UcwaFormatError",
    "__version__",
    "from_json",
    "from_xml",
    "json_to_xml",
    "to_json",
    "to_xml",
    "xml_to_json",
]
