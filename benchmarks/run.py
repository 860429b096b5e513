"""Time ucwaformat against a floor and the peer, side by side in one process.

    python benchmarks/run.py [--quick] [--only NAME] [--n N] [--profile] [--gc-off]

Each case (a document and a direction) has up to three contenders: the *floor* (lxml/orjson
with the least work that yields a UCWA-shaped result, no typing), *ucwaformat*, and
*xmltodict* (the peer, in the project's ``bench`` extra). Contenders of a case are timed
round-robin, after a warm-up, with the same garbage-collector handling; medians are reported
with the ratios and the targets of the performance issue. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import io
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import orjson
import payloads
import xmltodict
from lxml import etree

import ucwaformat

ROOT: Final = Path(__file__).resolve().parent.parent
NS: Final = payloads.NS
_RESOURCE: Final = f"{{{NS}}}resource"
_LINK: Final = f"{{{NS}}}link"
_PROPERTY: Final = f"{{{NS}}}property"
_PLIST: Final = f"{{{NS}}}propertyList"
_ITEM: Final = f"{{{NS}}}item"
_EVENTS: Final = f"{{{NS}}}events"
_SENDER: Final = f"{{{NS}}}sender"
_NS_LEN: Final = len(NS) + 2
_NSMAP: Final = {None: NS}

# The parser ucwaformat uses (no DTD, no entities, no network), so the floor parses alike.
_PARSER: Final = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)


# -- the floor: the least work that still gives a UCWA-shaped result ---------------------------


def _floor_resource(el: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {"rel": el.get("rel")}
    links: dict[str, Any] = {"self": {"href": el.get("href")}}
    embedded: dict[str, list[dict[str, Any]]] = {}
    for child in el:
        tag = child.tag
        if tag == _PROPERTY:
            out[child.get("name")] = child.text or ""
        elif tag == _LINK:
            attrs = dict(child.attrib)
            links[attrs.pop("rel")] = attrs
        elif tag == _PLIST:
            out[child.get("name")] = [item.text or "" for item in child]
        elif tag == _RESOURCE:
            embedded.setdefault(child.get("rel"), []).append(_floor_resource(child))
    out["_links"] = links
    if embedded:
        out["_embedded"] = embedded
    return out


def _floor_events(root: etree._Element) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"href": root.get("href")}}
    senders: list[dict[str, Any]] = []
    for child in root:
        if child.tag == _LINK:
            attrs = dict(child.attrib)
            links[attrs.pop("rel")] = attrs
        elif child.tag == _SENDER:
            events: list[dict[str, Any]] = []
            for ev in child:
                entry: dict[str, Any] = {"link": dict(ev.attrib)}
                for res in ev:
                    entry["_embedded"] = {res.get("rel"): _floor_resource(res)}
                entry["type"] = ev.tag[_NS_LEN:]
                events.append(entry)
            senders.append({"rel": child.get("rel"), "href": child.get("href"), "events": events})
    return {"_links": links, "sender": senders}


def floor_xml_to_json(data: bytes) -> bytes:
    """lxml parse + a minimal walk (strings only, ``_links`` dict, ``_embedded`` lists) + orjson."""
    root = etree.fromstring(data, _PARSER)
    obj = _floor_events(root) if root.tag == _EVENTS else _floor_resource(root)
    return orjson.dumps(obj)


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if isinstance(value, str) else str(value)


def _floor_links(el: etree._Element, links: dict[str, Any]) -> None:
    for rel, link in links.items():
        if rel == "self":
            continue
        for one in link if isinstance(link, list) else (link,):
            etree.SubElement(el, _LINK, {"rel": rel, **one})


def _floor_build(el: etree._Element, obj: dict[str, Any]) -> None:
    # Server order: links, properties, embedded resources; no <property name="rel">.
    links = obj.get("_links")
    if links:
        if "self" in links:
            el.set("href", links["self"]["href"])
        _floor_links(el, links)
    for key, value in obj.items():
        if key in ("rel", "_links", "_embedded") or value is None:
            continue
        if isinstance(value, list):
            plist = etree.SubElement(el, _PLIST, name=key)
            for item in value:
                etree.SubElement(plist, _ITEM).text = _text(item)
        else:
            etree.SubElement(el, _PROPERTY, name=key).text = _text(value)
    for role, res in (obj.get("_embedded") or {}).items():
        for one in res if isinstance(res, list) else (res,):
            _floor_build(etree.SubElement(el, _RESOURCE, rel=role), one)


def floor_json_to_xml(data: bytes) -> bytes:
    """orjson parse + an lxml tree built with SubElement (no typing, no checks) + tostring."""
    obj = orjson.loads(data)
    if "sender" in obj:
        root = etree.Element(_EVENTS, nsmap=_NSMAP)
        links = obj.get("_links") or {}
        if "self" in links:
            root.set("href", links["self"]["href"])
        _floor_links(root, links)
        for sender in obj["sender"]:
            s_el = etree.SubElement(root, _SENDER, rel=sender["rel"], href=sender["href"])
            for ev in sender["events"]:
                e_el = etree.SubElement(s_el, f"{{{NS}}}{ev['type']}", ev["link"])
                for role, res in (ev.get("_embedded") or {}).items():
                    _floor_build(etree.SubElement(e_el, _RESOURCE, rel=role), res)
    else:
        root = etree.Element(_RESOURCE, nsmap=_NSMAP)
        if "rel" in obj:
            root.set("rel", obj["rel"])
        _floor_build(root, obj)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


# -- the peer -----------------------------------------------------------------------------------


def xmltodict_xml_to_json(data: bytes) -> bytes:
    """xmltodict.parse + orjson.dumps: the peer's XML → JSON."""
    return orjson.dumps(xmltodict.parse(data))


# -- cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    name: str
    fn: Callable[[], object]


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    contenders: tuple[Contender, ...]
    reps: int
    inner: int  # calls per sample; > 1 for per-call latency on the small document


@dataclass(frozen=True)
class Payload:
    key: str
    what: str
    xml: bytes
    json: bytes
    peer_dict: dict[str, Any]  # xmltodict.parse(xml), made once outside the timing


@dataclass(frozen=True)
class Sizes:
    n: int
    events: int
    senders: int
    bulk_reps: int
    events_reps: int
    small_reps: int
    small_inner: int


DEFAULT: Final = Sizes(10_000, 1_000, 50, 7, 15, 15, 400)
QUICK: Final = Sizes(1_000, 200, 10, 5, 7, 7, 100)
CONTENDERS: Final = ("floor", "ucwaformat", "xmltodict")
PAYLOADS: Final = ("contacts", "events", "small")
CASES: Final = tuple(f"{key}-{way}" for key in PAYLOADS for way in ("x2j", "j2x"))


def make_payloads(sizes: Sizes, keys: set[str]) -> list[Payload]:
    """The documents of the wanted cases, with their JSON twins and the peer's parsed input."""
    out = []
    for key in PAYLOADS:
        if key not in keys:
            continue
        js: bytes | None = None
        if key == "contacts":
            what, xml = f"search + {sizes.n:,} contacts", payloads.contacts_xml(sizes.n)
        elif key == "events":
            what = f"{sizes.events:,} events / {sizes.senders} senders"
            xml = payloads.events_xml(sizes.events, sizes.senders)
        else:
            what, xml, js = (
                "myAssignedOnlineMeeting",
                payloads.meeting_xml(),
                payloads.meeting_json(),
            )
        json_bytes = js if js is not None else ucwaformat.xml_to_json(xml)
        out.append(Payload(key, what, xml, json_bytes, xmltodict.parse(xml)))
    return out


def make_cases(pl: Sequence[Payload], sizes: Sizes) -> list[Case]:
    cases = []
    for p in pl:
        reps, inner = {
            "contacts": (sizes.bulk_reps, 1),
            "events": (sizes.events_reps, 1),
            "small": (sizes.small_reps, sizes.small_inner),
        }[p.key]
        xml, js, peer = p.xml, p.json, p.peer_dict
        cases.append(
            Case(
                f"{p.key}-x2j",
                f"{p.key} XML→JSON",
                (
                    Contender("floor", lambda xml=xml: floor_xml_to_json(xml)),
                    Contender("ucwaformat", lambda xml=xml: ucwaformat.xml_to_json(xml)),
                    Contender("xmltodict", lambda xml=xml: xmltodict_xml_to_json(xml)),
                ),
                reps,
                inner,
            )
        )
        cases.append(
            Case(
                f"{p.key}-j2x",
                f"{p.key} JSON→XML",
                (
                    Contender("floor", lambda js=js: floor_json_to_xml(js)),
                    Contender("ucwaformat", lambda js=js: ucwaformat.json_to_xml(js)),
                    Contender("xmltodict", lambda peer=peer: xmltodict.unparse(peer)),
                ),
                reps,
                inner,
            )
        )
    return cases


# -- timing -------------------------------------------------------------------------------------


class GcClock:
    """Time spent in the cyclic garbage collector, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


GC_CLOCK: Final = GcClock()
gc.callbacks.append(GC_CLOCK)


def sample(fn: Callable[[], object], inner: int, gc_off: bool) -> tuple[float, float]:
    """Seconds per call over ``inner`` calls, and of those in GC; a full collection first."""
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        gc_before = GC_CLOCK.total
        start = time.perf_counter_ns()
        for _ in range(inner):
            fn()
        elapsed = time.perf_counter_ns() - start
        in_gc = GC_CLOCK.total - gc_before
    finally:
        if gc_off:
            gc.enable()
    return elapsed / inner / 1e9, in_gc / inner


Samples = dict[str, list[tuple[float, float]]]


def run_case(case: Case, gc_off: bool) -> tuple[Samples, dict[str, int]]:
    """Warm every contender up, then time them round-robin (rotating who goes first)."""
    sizes: dict[str, int] = {}
    for c in case.contenders:
        out = c.fn()
        sizes[c.name] = len(out) if isinstance(out, (bytes, str)) else -1
        for _ in range(min(case.inner, 50) - 1):
            c.fn()
    samples: Samples = {c.name: [] for c in case.contenders}
    k = len(case.contenders)
    for rep in range(case.reps):
        for i in range(k):
            c = case.contenders[(rep + i) % k]
            samples[c.name].append(sample(c.fn, case.inner, gc_off))
    return samples, sizes


# -- checks, environment, reporting -------------------------------------------------------------


def check_ours(p: Payload) -> str:
    """Ours re-reads its own output to the same document (not timed): the JSON and the XML
    written from it are fixpoints, and a JSON input survives JSON → XML → JSON as a model."""
    j1 = ucwaformat.xml_to_json(p.xml)
    x1 = ucwaformat.json_to_xml(j1)
    j2 = ucwaformat.xml_to_json(x1)
    if j1 != j2:
        raise SystemExit(f"sanity: {p.key}: JSON → XML → JSON changed the JSON")
    if ucwaformat.json_to_xml(j2) != x1:
        raise SystemExit(f"sanity: {p.key}: XML written from JSON is not a fixpoint")
    if ucwaformat.from_json(p.json) != ucwaformat.from_json(
        ucwaformat.xml_to_json(ucwaformat.json_to_xml(p.json))
    ):
        raise SystemExit(f"sanity: {p.key}: the JSON input did not survive JSON → XML → JSON")
    same = ucwaformat.to_xml(ucwaformat.from_xml(p.xml)) == p.xml
    return "ok" + (", XML → model → XML byte-identical" if same else "")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(argv: Sequence[str]) -> list[str]:
    commit = _git("rev-parse", "--short", "HEAD") or "(no git)"
    dirty = _git("status", "--porcelain", "--", "ucwaformat")
    if dirty:
        commit += " + uncommitted changes in ucwaformat/"
    libxml = ".".join(map(str, etree.LIBXML_VERSION))
    return [
        "command:    python benchmarks/run.py" + "".join(f" {a}" for a in argv),
        f"versions:   Python {platform.python_version()} ({platform.python_implementation()})"
        f" | lxml {_version('lxml')} (libxml2 {libxml}) | orjson {_version('orjson')}"
        f" | xmltodict {_version('xmltodict')} | ucwaformat {_version('ucwaformat')}",
        f"machine:    {platform.platform()} | {_cpu_model()} | {os.cpu_count()} CPUs",
        f"commit:     {commit}",
    ]


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.2f} MB"
    if n >= 1_000:
        return f"{n / 1e3:.1f} kB"
    return f"{n} B"


def _dur(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _spread(xs: list[float]) -> str:
    """Interquartile range as a share of the median: how noisy a median is."""
    if len(xs) < 4:
        return ""
    q1, _, q3 = statistics.quantiles(xs, n=4)
    return f"±{(q3 - q1) / 2 / statistics.median(xs) * 100:.0f}%"


# (case, ratio, target, at most?) — the performance issue's targets.
TARGETS: Final = (
    ("contacts-x2j", "ours/floor", 1.3, True),
    ("contacts-x2j", "xmltodict/ours", 1.6, False),
    ("contacts-j2x", "ours/floor", 0.8, True),
    ("contacts-j2x", "xmltodict/ours", 2.0, False),
    ("events-x2j", "ours/floor", 1.3, True),
    ("events-x2j", "xmltodict/ours", 1.6, False),
    ("events-j2x", "ours/floor", 0.8, True),
    ("events-j2x", "xmltodict/ours", 2.0, False),
    ("small-x2j", "xmltodict/ours", 2.0, False),
    ("small-j2x", "xmltodict/ours", 2.0, False),
)


def ratios(med: dict[str, float]) -> dict[str, float]:
    return {
        "ours/floor": med["ucwaformat"] / med["floor"],
        "xmltodict/ours": med["xmltodict"] / med["ucwaformat"],
    }


def report(cases: Sequence[Case], results: dict[str, Samples], sizes: dict[str, Any]) -> None:
    print()
    print("medians (±: half the interquartile range, relative; small: per call)")
    print(
        f"{'case':<14}{'floor':>16}{'ucwaformat':>16}{'xmltodict':>16}"
        f"{'ours/floor':>12}{'xmltodict/ours':>16}"
    )
    meds: dict[str, dict[str, float]] = {}
    for case in cases:
        times = {name: [t for t, _ in xs] for name, xs in results[case.name].items()}
        med = {name: statistics.median(xs) for name, xs in times.items()}
        meds[case.name] = med
        cells = [f"{_dur(med[n])} {_spread(times[n]):>4}" for n in CONTENDERS]
        r = ratios(med)
        print(
            f"{case.name:<14}{cells[0]:>16}{cells[1]:>16}{cells[2]:>16}"
            f"{r['ours/floor']:>11.2f}×{r['xmltodict/ours']:>15.2f}×"
        )
    print()
    print("output size, and median share of the time spent in the garbage collector")
    print(f"{'case':<14}{'floor':>20}{'ucwaformat':>20}{'xmltodict':>20}")
    for case in cases:
        cells = []
        for n in CONTENDERS:
            xs = results[case.name][n]
            share = statistics.median(g / t for t, g in xs if t > 0)
            cells.append(f"{_size(sizes[case.name][n])}  gc {share:>3.0%}")
        print(f"{case.name:<14}{cells[0]:>20}{cells[1]:>20}{cells[2]:>20}")
    print()
    print("targets")
    for name, ratio, target, at_most in TARGETS:
        if name not in meds:
            continue
        value = ratios(meds[name])[ratio]
        ok = value <= target if at_most else value >= target
        sign = "≤" if at_most else "≥"
        case = next(c for c in cases if c.name == name)
        print(
            f"  {case.title:<20} {ratio:<15} {value:>6.2f}×  {sign} {target:.1f}×"
            f"  {'PASS' if ok else 'MISS'}"
        )


def profile(cases: Sequence[Case], top: int) -> None:
    """cProfile ucwaformat's contender of each case; top functions by own time.

    The profiled calls run with GC disabled: a collection is charged to whichever function
    happened to allocate, which blurs the table. One unprofiled call with GC enabled says how
    much the collector adds.
    """
    for case in cases:
        ours = next(c for c in case.contenders if c.name == "ucwaformat")
        ours.fn()  # warm
        spent, in_gc = sample(ours.fn, case.inner, gc_off=False)
        gc.collect()
        gc.disable()
        prof = cProfile.Profile()
        try:
            prof.enable()
            for _ in range(case.inner):
                ours.fn()
            prof.disable()
        finally:
            gc.enable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("tottime").print_stats(top)
        calls = f" ({case.inner} calls)" if case.inner > 1 else ""
        print(f"\n=== profile: ucwaformat, {case.title}{calls}, top {top} by tottime ===")
        # Drop pstats' preamble down to the table header; shorten the paths.
        text = buf.getvalue()
        text = text[text.find("   ncalls") :] if "   ncalls" in text else text
        print(text.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "").rstrip())
        print(f"phases (cumulative, share of {_dur(stats.total_tt)} profiled): " + _phases(stats))
        print(
            f"unprofiled, GC enabled: {_dur(spent)} per call, of which {_dur(in_gc)}"
            f" ({in_gc / spent:.0%}) in the garbage collector"
        )


# The stages of a conversion, by (file suffix, function): their cumulative time is the split.
_PHASES: Final = (
    ("lxml parse", "_xml.py", "parse_xml_bytes"),
    ("XML → model", "_api.py", "from_xml"),
    ("model → JSON", "_api.py", "to_json"),
    ("orjson.dumps", "_json.py", "dump"),
    ("JSON → model", "_api.py", "from_json"),
    ("orjson.loads", "_json.py", "load_json"),
    ("model → XML", "_api.py", "to_xml"),
)


def _phases(stats: pstats.Stats) -> str:
    cum: dict[tuple[str, str], float] = {}
    for (filename, _line, func), entry in stats.stats.items():  # type: ignore[attr-defined]
        cum[(Path(filename).name, func)] = cum.get((Path(filename).name, func), 0.0) + entry[3]
    total = stats.total_tt  # type: ignore[attr-defined]
    parts = [
        f"{label} {cum[(fname, func)] / total:.0%}"
        for label, fname, func in _PHASES
        if cum.get((fname, func))
    ]
    return ", ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small payloads, fewer repetitions")
    ap.add_argument(
        "--only",
        metavar="NAME",
        help="cases whose name contains NAME: contacts, events, small, x2j, j2x, contacts-j2x, …",
    )
    ap.add_argument("--n", type=int, help="contacts in the bulk document (default 10,000)")
    ap.add_argument("--reps", type=int, help="repetitions per case (overrides the defaults)")
    ap.add_argument("--profile", action="store_true", help="cProfile ours instead of timing")
    ap.add_argument("--top", type=int, default=25, help="functions shown by --profile")
    ap.add_argument(
        "--gc-off", action="store_true", help="disable GC while timing (default: enabled)"
    )
    args = ap.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)

    sizes = QUICK if args.quick else DEFAULT
    if args.n is not None:
        sizes = replace(sizes, n=args.n)
    if args.reps is not None:
        sizes = replace(sizes, bulk_reps=args.reps, events_reps=args.reps, small_reps=args.reps)

    names = list(CASES)
    if args.only:
        names = [name for name in names if args.only in name]
        if not names:
            ap.error(f"--only {args.only!r} matches no case of {', '.join(CASES)}")
    elif args.profile:
        names = [name for name in names if name.startswith("contacts-")]
    print("ucwaformat benchmarks")
    for line in environment(argv):
        print(line)
    wanted = {name.split("-")[0] for name in names}
    t0 = time.perf_counter()
    pl = make_payloads(sizes, wanted)
    cases = [c for c in make_cases(pl, sizes) if c.name in names]
    if args.profile:
        print("profile:    cProfile of ucwaformat only, GC disabled while profiled")
    else:
        print(
            "timing:     median of interleaved repetitions after a warm-up; gc.collect() before"
            f" each sample, GC {'disabled' if args.gc_off else 'enabled'} while timing"
        )
    print("\npayloads (server-dialect XML; JSON written by ucwaformat from it)")
    for p in pl:
        print(f"  {p.key:<9} {p.what:<30} XML {_size(len(p.xml)):>9}  JSON {_size(len(p.json)):>9}")

    if args.profile:
        profile(cases, args.top)
        return 0

    print("\nsanity: ours re-reads its own output to the same document")
    for p in pl:
        print(f"  {p.key:<9} {check_ours(p)}")

    results: dict[str, Samples] = {}
    out_sizes: dict[str, dict[str, int]] = {}
    for case in cases:
        results[case.name], out_sizes[case.name] = run_case(case, args.gc_off)
        print(f"  timed {case.name} ({case.reps} × {case.inner} calls per contender)", flush=True)
    report(cases, results, out_sizes)
    print(f"\ntotal wall time {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
