"""Deterministic benchmark payloads: UCWA documents as a server writes them.

Every generator is seeded, so two runs (or two machines) time the same bytes. The XML is the
*server* dialect (FORMAT.md §5): compact, ``true``/``false``, ISO dates in UTC with seven
fractional digits and a ``Z``, no ``<property name="rel">``. The JSON twins are made by
``ucwaformat.xml_to_json`` from that XML, so both directions convert the same document.

Typing comes from the bundled schema (``ucwaformat/schema/ucwa.json``): the ``contact`` type
declares only strings (and the ``emailAddresses`` list), so each contact embeds its
``contactPresence`` (``lastActive`` is a datetime there) and the ``search`` root carries the
boolean ``moreResultsAvailable``. The event page adds the integer and boolean properties:
embedded ``conversation`` (``participantCount``, ``readLocally``, ``recording``, ``created``),
``participant``/``localParticipant`` (four booleans) and ``message`` (``timeStamp``) resources.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import ucwaformat

__all__ = [
    "NS",
    "contacts_json",
    "contacts_xml",
    "events_json",
    "events_xml",
    "meeting_json",
    "meeting_xml",
]

NS: Final = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
EXAMPLES: Final = Path(__file__).resolve().parent.parent / "examples"
APP: Final = "/ucwa/oauth/v1/applications/10254783261"
_HEAD: Final = '<?xml version="1.0" encoding="utf-8"?>'
_EPOCH: Final = datetime(2016, 9, 26, tzinfo=UTC)

# Pools with the characters that make escaping and UTF-8 matter: & < > " ' and non-ASCII.
_FIRST: Final = (
    "Alex", "José", "Zoë", "Łukasz", "Søren", "Ana María", "François", "Jürgen", "Ngozi",
    "Siobhán", "Mikko", "Chloé", "Dmitri", "Priya", "Kenji", "Olúwadámilọ́lá", "Ève", "Ömer",
    "李", "Renée",
)  # fmt: skip
_LAST: Final = (
    "Doe", "Müller", "O'Brien", "Ødegård", "Ćwik", "García-López", "Smith", "Nakamura",
    "Dubois", "Kowalski", "Häkkinen", "Nguyễn", "Papadopoulos", "雷", "Ó Súilleabháin",
)  # fmt: skip
_COMPANY: Final = (
    "Contoso Corp.", "Contoso & Sons", "Fabrikam <Labs>", 'Northwind "Traders"',
    "Adventure Works", "Tailspin Toys", "Wingtip Toys", "Fourth Coffee", "Litware, Inc.",
    "Lucerne Publishing", "Proseware & Co.", "Coho Winery",
)  # fmt: skip
_DEPARTMENT: Final = (
    "Engineering", "R&D", "Sales & Marketing", "Finance", "Legal <EMEA>", "Support",
    "Human Resources", "Opérations", "IT", "Procurement",
)  # fmt: skip
_TITLE: Final = (
    "Engineer 2", "Senior Engineer", "Program Manager", "Director, Sales & Ops",
    'Architect "Cloud"', "Développeur", "Team Lead <Platform>", "Analyst", "VP", "Intern",
)  # fmt: skip
_OFFICE: Final = ("41/1234", "B-17 2nd floor", "Remote", "HQ 3.14", "Zürich ZH-5", "Bldg 9 & 10")
_NETWORK: Final = ("SameEnterprise", "Federated", "PublicCloud", "Everyone")
_CONTACT_TYPE: Final = ("User", "User", "User", "Contact", "DistributionGroup")
_AVAILABILITY: Final = ("Online", "Away", "Busy", "DoNotDisturb", "BeRightBack", "Offline")
_ACTIVITY: Final = ("Available", "InACall", "InAMeeting", "Presenting", "Away", "Unknown")
_DEVICE: Final = ("Computer", "Mobile", "Tablet", "Unknown")
_SUBJECT: Final = (
    "Quarterly sales numbers", "Q&A <all hands>", 'Review "Project X"', "Café chat",
    "Budget 2017 & beyond", "Stand-up", "Incident #4711: p95 > 2 s", "Déjeuner",
)  # fmt: skip
_MESSAGE_TEXT: Final = ("Hello!", "On my way", "Can you share your screen?", "Thanks & bye")


def _esc(text: str) -> str:
    """Escape element text the way .NET's XmlWriter does (quotes stay literal)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _date(rng: random.Random, days: int = 400) -> str:
    """A server timestamp: UTC, seven fractional digits (100 ns ticks), ``Z``."""
    ticks = rng.randrange(days * 86_400 * 10_000_000)
    when = _EPOCH + timedelta(microseconds=ticks // 10)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ticks % 10_000_000:07d}Z"


def _prop(name: str, value: str) -> str:
    return f'<property name="{name}">{_esc(value)}</property>'


def _plist(name: str, items: list[str]) -> str:
    inner = "".join(f"<item>{_esc(item)}</item>" for item in items)
    return f'<propertyList name="{name}">{inner}</propertyList>'


def _link(rel: str, href: str, title: str | None = None) -> str:
    extra = "" if title is None else f' title="{_attr(title)}"'
    return f'<link rel="{rel}" href="{_attr(href)}"{extra}/>'


def _bool(rng: random.Random, p_true: float = 0.5) -> str:
    return "true" if rng.random() < p_true else "false"


# -- (a) a search result with N contacts --------------------------------------------------------

_CONTACT_LINKS: Final = (
    "contactLocation",
    "contactNote",
    "contactPhoto",
    "contactPresence",
    "contactPrivacyRelationship",
    "contactSupportedModalities",
)


def _contact(rng: random.Random, i: int) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    name = f"{first} {last}"
    user = f"user{i:05d}"
    domain = rng.choice(("contoso.com", "fabrikam.com", "northwind.example"))
    href = f"{APP}/people/{user}@{domain}"
    phone = f"tel:+1425{rng.randrange(10**7):07d}"
    emails = [f"{user}@{domain}"] + [
        f"{user}.alt{k}@{domain}" for k in range(1, 1 + rng.choice((0, 0, 1, 2)))
    ]
    parts = [f'<resource rel="contact" href="{_attr(href)}">']
    parts.extend(_link(rel, f"{href}/{rel}") for rel in _CONTACT_LINKS)
    parts += [
        _prop("name", name),
        _prop("company", rng.choice(_COMPANY)),
        _prop("department", rng.choice(_DEPARTMENT)),
        _plist("emailAddresses", emails),
        _prop("etag", str(rng.randrange(10**9, 10**10))),
        _prop("homePhoneNumber", f"tel:+1918{rng.randrange(10**7):07d}"),
        _prop("mobilePhoneNumber", f"tel:{rng.randrange(10**10)};phone-context=defaultprofile"),
        _prop("office", rng.choice(_OFFICE)),
        _prop("otherPhoneNumber", f"tel:+1919{rng.randrange(10**7):07d}"),
        _prop("sourceNetwork", rng.choice(_NETWORK)),
        _prop("sourceNetworkIconUrl", "https://images.contoso.com/logo_16x16.png?v=2&size=16"),
        _prop("title", rng.choice(_TITLE)),
        _prop("type", rng.choice(_CONTACT_TYPE)),
        _prop("uri", f"sip:{user}@{domain}"),
        _prop("workPhoneNumber", f"{phone};ext={rng.randrange(10**5):05d}"),
        # contactPresence is a link of `contact` (single): the schema types its lastActive.
        f'<resource rel="contactPresence" href="{_attr(href)}/contactPresence">',
        _prop("availability", rng.choice(_AVAILABILITY)),
        _prop("activity", rng.choice(_ACTIVITY)),
        _prop("deviceType", rng.choice(_DEVICE)),
        _prop("lastActive", _date(rng)),
        "</resource></resource>",
    ]
    return "".join(parts)


def contacts_xml(n: int = 10_000, seed: int = 20160926) -> bytes:
    """A ``search`` result embedding ``n`` contacts (~20 values, 6 links + self each)."""
    rng = random.Random(seed)
    parts = [
        _HEAD,
        f'<resource rel="search" href="{_attr(APP + "/search?query=doe&limit=" + str(n))}"'
        f' xmlns="{NS}">',
        _prop("moreResultsAvailable", "false"),
    ]
    parts.extend(_contact(rng, i) for i in range(n))
    parts.append("</resource>")
    return "".join(parts).encode("utf-8")


def contacts_json(n: int = 10_000, seed: int = 20160926) -> bytes:
    """The JSON twin of :func:`contacts_xml`, as ``ucwaformat`` writes it."""
    return ucwaformat.xml_to_json(contacts_xml(n, seed))


# -- (b) an event page --------------------------------------------------------------------------


def _conversation_event(rng: random.Random, conv: str, n: int) -> str:
    """One event of a conversation sender; about half embed the resource they announce."""
    kind = rng.randrange(10)
    if kind < 2:  # conversation updated, with the conversation (integer, booleans, dates)
        modalities = rng.sample(["Messaging", "Audio", "Video", "ApplicationSharing"], 2)
        body = "".join(
            (
                f'<resource rel="conversation" href="{conv}">',
                _link("localParticipant", f"{conv}/participants/me"),
                _link("messaging", f"{conv}/messaging"),
                _link("participants", f"{conv}/participants"),
                _plist("activeModalities", modalities),
                _prop("created", _date(rng)),
                _prop("expirationTime", _date(rng)),
                _prop("importance", "Normal"),
                _prop("participantCount", str(rng.randrange(2, 250))),
                _prop("readLocally", _bool(rng)),
                _prop("recording", _bool(rng, 0.1)),
                _prop("state", rng.choice(("Connecting", "Connected", "Disconnected"))),
                _prop("subject", rng.choice(_SUBJECT)),
                _prop("threadId", f"{rng.getrandbits(128):032x}"),
                "</resource>",
            )
        )
        return f'<updated rel="conversation" href="{conv}">{body}</updated>'
    if kind < 5:  # participant added, with the participant (four booleans)
        role = "localParticipant" if kind == 2 else "participant"
        who = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        phref = f"{conv}/participants/p{n}@contoso.com"
        body = "".join(
            (
                f'<resource rel="{role}" href="{_attr(phref)}">',
                _link("contact", f"{APP}/people/p{n}@contoso.com"),
                _link("conversation", conv),
                _link("participantAudio", f"{phref}/participantAudio"),
                _link("participantMessaging", f"{phref}/participantMessaging"),
                _prop("anonymous", _bool(rng, 0.1)),
                _prop("inLobby", _bool(rng, 0.2)),
                _prop("local", "true" if role == "localParticipant" else "false"),
                _prop("name", who),
                _prop("organizer", _bool(rng, 0.1)),
                _prop("role", rng.choice(("Attendee", "Leader"))),
                _prop("sourceNetwork", rng.choice(_NETWORK)),
                _prop("uri", f"sip:p{n}@contoso.com"),
                "</resource>",
            )
        )
        return f'<added rel="{role}" href="{_attr(phref)}" title="{_attr(who)}">{body}</added>'
    if kind < 7:  # message added, with the message (datetime, a data: link)
        mhref = f"{conv}/messaging/messages/{n}"
        text = rng.choice(_MESSAGE_TEXT).replace(" ", "+").replace("&", "%26")
        body = "".join(
            (
                f'<resource rel="message" href="{mhref}">',
                _link("plainMessage", f"data:text/plain;charset=utf-8,{text}"),
                _link("messaging", f"{conv}/messaging"),
                _link("participant", f"{conv}/participants/p{n}@contoso.com"),
                _prop("direction", rng.choice(("Incoming", "Outgoing"))),
                _prop("operationId", f"{rng.getrandbits(128):032x}"),
                _prop("status", "Succeeded"),
                _prop("timeStamp", _date(rng)),
                "</resource>",
            )
        )
        return f'<completed rel="message" href="{mhref}">{body}</completed>'
    # Announcements without a body: what most events on a busy channel are.
    etype, rel = rng.choice(
        (
            ("updated", "messaging"),
            ("updated", "audioVideo"),
            ("deleted", "participant"),
            ("updated", "participantAudio"),
            ("started", "message"),
        )
    )
    return f'<{etype} rel="{rel}" href="{conv}/{rel}/{n}"/>'


def _people_event(rng: random.Random, person: str, n: int) -> str:
    if rng.random() < 0.5:
        body = "".join(
            (
                f'<resource rel="contactPresence" href="{person}/contactPresence">',
                _prop("availability", rng.choice(_AVAILABILITY)),
                _prop("activity", rng.choice(_ACTIVITY)),
                _prop("deviceType", rng.choice(_DEVICE)),
                _prop("lastActive", _date(rng)),
                "</resource>",
            )
        )
        return f'<updated rel="contactPresence" href="{person}/contactPresence">{body}</updated>'
    rel = rng.choice(("contactNote", "contactLocation", "contact"))
    return f'<updated rel="{rel}" href="{person}/{rel}"/>'


def events_xml(n_events: int = 1_000, n_senders: int = 50, seed: int = 4711) -> bytes:
    """An event page: ``n_events`` events over ``n_senders`` senders (4 in 5 conversations)."""
    rng = random.Random(seed)
    counts = [0] * n_senders
    for _ in range(n_events):
        counts[rng.randrange(n_senders)] += 1
    parts = [
        _HEAD,
        f'<events href="{APP}/events?ack=17" xmlns="{NS}">',
        _link("next", f"{APP}/events?ack=18"),
    ]
    n = 0
    for s, count in enumerate(counts):
        if s % 5 == 4:
            person = f"{APP}/people/u{s}@contoso.com"
            parts.append(f'<sender rel="people" href="{APP}/people">')
            for _ in range(count):
                parts.append(_people_event(rng, person, n))
                n += 1
        else:
            conv = f"{APP}/communication/conversations/{s:04x}"
            parts.append(f'<sender rel="conversation" href="{conv}">')
            for _ in range(count):
                parts.append(_conversation_event(rng, conv, n))
                n += 1
        parts.append("</sender>")
    parts.append("</events>")
    return "".join(parts).encode("utf-8")


def events_json(n_events: int = 1_000, n_senders: int = 50, seed: int = 4711) -> bytes:
    """The JSON twin of :func:`events_xml`, as ``ucwaformat`` writes it."""
    return ucwaformat.xml_to_json(events_xml(n_events, n_senders, seed))


# -- (c) the small meeting resource -------------------------------------------------------------


def meeting_xml() -> bytes:
    """``examples/myAssignedOnlineMeeting.xml``: one resource, 21 properties (per-call cost)."""
    return (EXAMPLES / "myAssignedOnlineMeeting.xml").read_bytes()


def meeting_json() -> bytes:
    """``examples/myAssignedOnlineMeeting.json``: the reference JSON twin."""
    return (EXAMPLES / "myAssignedOnlineMeeting.json").read_bytes()
