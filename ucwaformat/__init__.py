"""Translate Microsoft UCWA documents between their XML and JSON forms, exactly and schema-aware."""

from ._api import from_json, from_xml, json_to_xml, to_json, to_xml, xml_to_json
from ._batch import convert_batch, convert_media_type, is_ucwa_media_type
from ._datauri import decode_data_uri, make_data_uri
from ._dates import Timestamp
from ._errors import LOSS_KINDS, Loss, UcwaFormatError
from ._model import Bag, Document, Dto, DtoObject, Event, Events, Input, Link, Resource, Sender
from ._schema import PropertyType, Schema

__version__ = "0.1.0"

__all__ = [
    "LOSS_KINDS",
    "Bag",
    "Document",
    "Dto",
    "DtoObject",
    "Event",
    "Events",
    "Input",
    "Link",
    "Loss",
    "PropertyType",
    "Resource",
    "Schema",
    "Sender",
    "Timestamp",
    "UcwaFormatError",
    "__version__",
    "convert_batch",
    "convert_media_type",
    "decode_data_uri",
    "from_json",
    "from_xml",
    "is_ucwa_media_type",
    "json_to_xml",
    "make_data_uri",
    "to_json",
    "to_xml",
    "xml_to_json",
]
