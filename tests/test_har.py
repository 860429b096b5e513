"""HAR files (HTTP Archive 1.2): convert, check and learn read them; convert writes them back
with the UCWA bodies converted. The archive is made from the corpus in tests/data."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from test_batch import XML_SAMPLES, envelope
from test_corpus import PAIRS, corpus_bytes

import ucwaformat
from ucwaformat import UcwaFormatError
from ucwaformat._har import har_bodies, har_documents

MEDIA = {
    "json": "application/vnd.microsoft.com.ucwa+json",
    "xml": "application/vnd.microsoft.com.ucwa+xml",
}
BASE64_AT = 0  # the entry whose response body is stored base64-encoded (a GET's, pair 0)
HTML = "<html><body>not UCWA</body></html>"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00").decode()


def _message(direction: str, mime: str, text: str, extra: dict[str, Any] | None = None) -> Any:
    headers = [
        {"name": "Content-Type", "value": mime},
        {"name": "Content-Length", "value": str(len(text.encode()))},
    ]
    if direction == "request":
        return {
            "method": "POST",
            "url": "https://lync.contoso.com/ucwa/v1/applications/1",
            "httpVersion": "HTTP/1.1",
            "headers": headers,
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(text.encode()),
            "postData": {"mimeType": mime, "text": text, **(extra or {})},
        }
    return {
        "status": 200,
        "statusText": "OK",
        "httpVersion": "HTTP/1.1",
        "headers": headers,
        "cookies": [],
        "content": {"size": len(text.encode()), "mimeType": mime, "text": text, **(extra or {})},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": len(text.encode()),
    }


def _entry(request: Any, response: Any) -> Any:
    return {
        "startedDateTime": "2016-05-12T10:04:18.421Z",
        "time": 12,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 1, "wait": 10, "receive": 1},
    }


def _get(url: str = "https://lync.contoso.com/ucwa/v1/applications/1") -> Any:
    return {
        "method": "GET",
        "url": url,
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": "Accept", "value": MEDIA["json"]}],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": 0,
    }


def corpus_har() -> dict[str, Any]:
    """Every twin body of the corpus as an exchange (requests as POST bodies), a batch, a
    body stored as base64, and entries that are not UCWA."""
    entries = []
    for pair in PAIRS:
        for form in ("json", "xml"):
            text = corpus_bytes(pair[form]).decode("utf-8-sig")
            if pair["direction"] == "request":
                entries.append(_entry(_message("request", MEDIA[form], text), _message("response", "text/plain", "")))
            else:
                entries.append(_entry(_get(), _message("response", MEDIA[form], text)))
    assert PAIRS[0]["direction"] == "response"
    entry = entries[BASE64_AT]["response"]["content"]
    entry["text"] = base64.b64encode(entry["text"].encode()).decode()
    entry["encoding"] = "base64"
    for name in XML_SAMPLES:
        data, ctype = envelope(name)
        request = "request" in name
        message = _message("request" if request else "response", ctype, data.decode("latin-1"))
        entries.append(_entry(message, _get()) if request else _entry(_get(), message))
    entries.append(_entry(_get(), _message("response", "text/html", HTML)))
    entries.append(_entry(_get(), _message("response", "image/png", PNG, {"encoding": "base64"})))
    return {"log": {"version": "1.2", "creator": {"name": "tests", "version": "1"}, "entries": entries}}


def _bodies(har: dict[str, Any]) -> list[tuple[int, str, dict[str, Any], dict[str, Any]]]:
    out = []
    for i, entry in enumerate(har["log"]["entries"]):
        for key, body_key in (("request", "postData"), ("response", "content")):
            message = entry[key]
            if body_key in message:
                out.append((i, key, message, message[body_key]))
    return out


def _text(body: dict[str, Any]) -> bytes:
    if body.get("encoding") == "base64":
        return base64.b64decode(body["text"])
    return str(body["text"]).encode()




def test_a_har_of_the_corpus_converts_and_reads_back(cli: Any, tmp_path: Path) -> None:
    har = corpus_har()
    path = tmp_path / "corpus.har"
    path.write_text(json.dumps(har, indent=2))
    status, out, err = cli("convert", path)
    assert (status, err) == (0, "")
    converted = json.loads(out)
    before, after = _bodies(har), _bodies(converted)
    assert len(before) == len(after) >= 2 * len(PAIRS)
    seen = {"json": 0, "xml": 0, "batch": 0, "base64": 0, "other": 0}
    for (i, key, message, body), (_, _, new_message, new_body) in zip(before, after, strict=True):
        mime: str = body["mimeType"]
        old, new = _text(body), _text(new_body)
        assert new_body.get("encoding") == body.get("encoding")
        if mime in (MEDIA["json"], MEDIA["xml"]) and old.strip():
            form = "json" if mime == MEDIA["json"] else "xml"
            other = "xml" if form == "json" else "json"
            assert new_body["mimeType"] == MEDIA[other]
            assert new_body["size"] == len(new) if "size" in new_body else True
            headers = {h["name"]: h["value"] for h in new_message["headers"]}
            assert headers == {"Content-Type": MEDIA[other], "Content-Length": str(len(new))}
            assert new_message["bodySize"] == len(new)
            # What the one-call function gives for that body.
            convert = ucwaformat.json_to_xml if form == "json" else ucwaformat.xml_to_json
            assert new == convert(old.removeprefix(b"\xef\xbb\xbf")), (i, key)
            seen[form] += 1
            seen["base64"] += body.get("encoding") == "base64"
        elif mime.startswith("multipart/batching"):
            assert new_body["mimeType"] == mime and new != old and b"ucwa+json" in new
            seen["batch"] += 1
        else:
            assert new_body == body and new_message == message
            seen["other"] += 1
    assert seen["json"] >= 90 and seen["xml"] >= 90
    assert seen["batch"] == 2 and seen["base64"] == 1 and seen["other"] >= 2
    # Nothing else changed: with the members a conversion updates put back, the archives agree.
    restored = copy.deepcopy(converted)
    for (_, _, message, body), (_, _, new_message, new_body) in zip(
        before, _bodies(restored), strict=True
    ):
        new_message["headers"] = message["headers"]
        new_message["bodySize"] = message["bodySize"]
        for member in ("text", "mimeType", "size"):
            if member in body:
                new_body[member] = body[member]
    assert restored == har
    # Back again: each body in its first form, as the one-call functions take it back.
    back_path = tmp_path / "back.har"
    back_path.write_bytes(out)
    status, back, err = cli("convert", back_path)
    assert status == 0
    pairs = zip(after, _bodies(json.loads(back)), before, strict=True)
    for (_, _, _, body), (_, _, _, again), (_, _, _, first) in pairs:
        assert again["mimeType"] == first["mimeType"]
        if body["mimeType"] == MEDIA["xml"]:
            assert _text(again) == ucwaformat.xml_to_json(_text(body))
        elif body["mimeType"] == MEDIA["json"] and _text(body).strip():
            assert _text(again) == ucwaformat.json_to_xml(_text(body))


def test_convert_to_one_form_leaves_bodies_in_it(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "corpus.har"
    path.write_text(json.dumps(corpus_har()))
    out_dir = tmp_path / "out"
    status, _, err = cli("convert", tmp_path, "--out-dir", out_dir, "--to", "json")
    assert (status, err) == (0, "")
    converted = json.loads((out_dir / "corpus.har").read_bytes())  # the input's name is kept
    mimes = {body["mimeType"] for *_, body in _bodies(converted)}
    assert MEDIA["xml"] not in mimes and MEDIA["json"] in mimes


def test_a_bad_body_in_a_har_fails_the_file_and_says_where(cli: Any, tmp_path: Path) -> None:
    har = corpus_har()
    har["log"]["entries"][5]["response"]["content"] = {"mimeType": MEDIA["xml"], "text": "<resource"}
    path = tmp_path / "bad.har"
    path.write_text(json.dumps(har))
    status, out, err = cli("convert", path, "-o", tmp_path / "out.har")
    assert status == 1 and out == b"" and not (tmp_path / "out.har").exists()
    assert err.startswith(f"{path}: $.log.entries[5].response.content: ")
    path.write_text('{"log": {}}')
    status, _, err = cli("convert", path)
    assert status == 1 and "not a HAR file: no log.entries array" in err


def test_check_and_learn_read_a_har(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "corpus.har"
    path.write_text(json.dumps(corpus_har()))
    documents = har_documents(path.read_bytes())
    parts = [where for where, _ in documents if " part " in where]
    assert len(documents) == 2 * len(PAIRS) + len(parts) and len(parts) >= 2

    status, out, err = cli("check", path, "--quiet")
    assert err == ""
    lines = out.decode().splitlines()
    assert all(line.startswith(f"{path} entry ") for line in lines)
    overlay = tmp_path / "overlay.json"
    status, _, err = cli("learn", path, "-o", overlay)
    assert status == 0, err
    learned = json.loads(overlay.read_bytes())
    assert "myOnlineMeeting" in learned["resources"]
    assert "resource types" in err


def test_har_bodies_decode_base64_and_say_where() -> None:
    har = corpus_har()
    found = list(har_bodies(json.dumps(har).encode()))
    where, _, body = found[BASE64_AT]
    assert where == f"entry {BASE64_AT} response"
    assert body == base64.b64decode(har["log"]["entries"][BASE64_AT]["response"]["content"]["text"])
    har["log"]["entries"][BASE64_AT]["response"]["content"]["text"] = "not base64!"
    with pytest.raises(UcwaFormatError, match=r"invalid base64 text \(at \$\.log\.entries\[0\]"):
        list(har_bodies(json.dumps(har).encode()))


def test_a_compressed_body_keeps_its_coding_headers_and_loses_its_wire_sizes(
    cli: Any, tmp_path: Path
) -> None:
    xml = corpus_bytes(PAIRS[0]["xml"]).decode("utf-8-sig")
    response = _message("response", MEDIA["xml"], xml)
    response["headers"].append({"name": "Content-Encoding", "value": "gzip"})
    response["headers"][1]["value"] = "321"  # the compressed length
    response["bodySize"] = 321
    response["content"]["compression"] = len(xml.encode()) - 321
    har = {"log": {"version": "1.2", "entries": [_entry(_get(), response)]}}
    path = tmp_path / "gz.har"
    path.write_text(json.dumps(har))
    status, out, err = cli("convert", path)
    assert (status, err) == (0, "")
    new = json.loads(out)["log"]["entries"][0]["response"]
    headers = {h["name"]: h["value"] for h in new["headers"]}
    assert headers == {"Content-Type": MEDIA["json"], "Content-Length": "321", "Content-Encoding": "gzip"}
    assert new["bodySize"] == -1 and new["content"]["compression"] == 0
    assert new["content"]["size"] == len(new["content"]["text"].encode())
