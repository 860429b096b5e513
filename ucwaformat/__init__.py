"""Translate Microsoft UCWA documents between their XML and JSON forms, exactly and schema-aware."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._api import from_json, from_xml, json_to_xml, to_json, to_xml, xml_to_json
    from ._batch import convert_batch, convert_media_type, is_ucwa_media_type
    from ._datauri import decode_data_uri, make_data_uri
    from ._dates import Timestamp
    from ._errors import LOSS_KINDS, Limits, Loss, UcwaFormatError
    from ._model import Bag, Document, Dto, DtoObject, Event, Events, Input, Link, Resource, Sender
    from ._schema import PropertyType, Schema

    __version__: str
else:
    #: Where each public name lives. Imported on first use, as the standard library's lazy
    #: modules do: the command's start (``ucwaformat convert``) imports the package, and a
    #: conversion needs neither the batch module, nor data URIs, nor the installed metadata.
    _HOMES = {
        name: module
        for module, names in {
            "_api": ("from_json", "from_xml", "json_to_xml", "to_json", "to_xml", "xml_to_json"),
            "_batch": ("convert_batch", "convert_media_type", "is_ucwa_media_type"),
            "_datauri": ("decode_data_uri", "make_data_uri"),
            "_dates": ("Timestamp",),
            "_errors": ("LOSS_KINDS", "Limits", "Loss", "UcwaFormatError"),
            "_model": (
                *("Bag", "Document", "Dto", "DtoObject", "Event", "Events", "Input", "Link"),
                *("Resource", "Sender"),
            ),
            "_schema": ("PropertyType", "Schema"),
        }.items()
        for name in names
    }

    def __getattr__(name: str) -> object:
        if name == "__version__":
            # The version is written once, in pyproject.toml, and read from the installed
            # metadata on first use: importlib.metadata costs an import of ~20 ms.
            from importlib import metadata

            try:
                value: object = metadata.version("ucwaformat")
            except metadata.PackageNotFoundError:  # a source tree on sys.path, never installed
                value = "0+unknown"
        elif name in _HOMES:
            import importlib

            value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})


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
