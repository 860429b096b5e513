"""Translate Microsoft UCWA documents between their XML and JSON forms, exactly and schema-aware."""

from typing import TYPE_CHECKING

from ._api import from_json, from_xml, json_to_xml, to_json, to_xml, xml_to_json
from ._batch import convert_batch, convert_media_type, is_ucwa_media_type
from ._datauri import decode_data_uri, make_data_uri
from ._dates import Timestamp
from ._errors import LOSS_KINDS, Limits, Loss, UcwaFormatError
from ._model import Bag, Document, Dto, DtoObject, Event, Events, Input, Link, Resource, Sender
from ._schema import PropertyType, Schema

if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        # The version is written once, in pyproject.toml, and read from the installed metadata
        # on first use: importlib.metadata costs an import of ~20 ms that `import ucwaformat`
        # alone should not pay.
        if name != "__version__":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import metadata

        try:
            version = metadata.version("ucwaformat")
        except metadata.PackageNotFoundError:  # a source tree on sys.path, never installed
            version = "0+unknown"
        globals()["__version__"] = version
        return version


__all__ = [
    "LOSS_KINDS",
    "Bag",
    "Document",
    "Dto",
    "DtoObject",
    "Event",
    "Events",
    "Input",
    "Limits",
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
