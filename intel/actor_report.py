"""Actors, links and suggestions as plain JSON-able documents (what `actors --json` prints and
what the text views are drawn from)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from intel.decisions import Decision
from intel.resolution import Actor, Evidence, Link, Resolution, Suggestion
from intel.vendor_records import Sighting, VendorKey

Document = dict[str, Any]


def vendor_label(resolution: Resolution, key: VendorKey) -> str:
    record = resolution.vendors.get(key)
    return record.label if record else str(key)


def firearm_related(resolution: Resolution, keys: tuple[VendorKey, ...]) -> bool:
    return any(
        key in resolution.vendors and resolution.vendors[key].firearm_related for key in keys
    )


def evidence_summary(actor: Actor) -> str:
    """e.g. "pgp_fingerprint x1, crypto_address x2, analyst link x1"."""
    kinds: Counter[str] = Counter()
    for link in actor.links:
        kinds.update(evidence.identifier.kind for evidence in link.evidence)
        if link.decision is not None:
            kinds["analyst link"] += 1
    return ", ".join(f"{kind} x{count}" for kind, count in kinds.items())


def actor_document(resolution: Resolution, actor: Actor) -> Document:
    return {
        "id": actor.id,
        "members": [vendor_document(resolution, key) for key in actor.members],
        "markets": sorted({key.market for key in actor.members}),
        "firearm_related": firearm_related(resolution, actor.members),
        "evidence": evidence_summary(actor),
        "links": [link_document(resolution, link) for link in actor.links],
    }


def vendor_document(resolution: Resolution, key: VendorKey) -> Document:
    record = resolution.vendors.get(key)
    return {
        "vendor": vendor_label(resolution, key),
        "market": key.market,
        "handle": record.handle if record else key.handle,
        "sources": sorted(record.sources) if record else [],
        "listings": len(record.listings) if record else 0,
        "firearm_related": bool(record and record.firearm_related),
    }


def link_document(resolution: Resolution, link: Link) -> Document:
    return {
        "first": vendor_label(resolution, link.first),
        "second": vendor_label(resolution, link.second),
        "strong": bool(link.evidence),
        "evidence": [evidence_document(evidence) for evidence in link.evidence],
        "decision": decision_document(resolution, link.decision) if link.decision else None,
    }


def evidence_document(evidence: Evidence) -> Document:
    return {
        "kind": evidence.identifier.kind,
        "value": evidence.identifier.value,
        "first": sighting_document(evidence.first),
        "second": sighting_document(evidence.second),
    }


def sighting_document(sighting: Sighting) -> Document:
    return {
        "listings": sorted(sighting.listing_ids),
        "profiles": sorted(sighting.profile_urls),
        "first_seen": _time(sighting.first_seen),
        "last_seen": _time(sighting.last_seen),
    }


def suggestion_document(resolution: Resolution, suggestion: Suggestion) -> Document:
    return {
        "first": vendor_label(resolution, suggestion.first),
        "second": vendor_label(resolution, suggestion.second),
        "confidence": suggestion.confidence,
        "reasons": [
            {
                "kind": reason.kind,
                "detail": reason.detail,
                "score": round(reason.score, 2),
                "listings": list(reason.listings),
            }
            for reason in suggestion.reasons
        ],
    }


def decision_document(resolution: Resolution, decision: Decision) -> Document:
    return {
        "first": vendor_label(resolution, decision.first),
        "second": vendor_label(resolution, decision.second),
        "verdict": decision.verdict,
        "analyst": decision.analyst,
        "decided_at": decision.decided_at.isoformat(),
        "note": decision.note,
    }


def list_document(resolution: Resolution, *, min_confidence: float, firearms: bool) -> Document:
    """The actors and the suggestions at or above `min_confidence`; with `firearms`, only
    those with a firearm-related listing."""
    actors = [
        actor
        for actor in resolution.actors
        if not firearms or firearm_related(resolution, actor.members)
    ]
    suggestions = [
        suggestion
        for suggestion in resolution.suggestions
        if suggestion.confidence >= min_confidence
        and (not firearms or firearm_related(resolution, (suggestion.first, suggestion.second)))
    ]
    return {
        "actors": [actor_document(resolution, actor) for actor in actors],
        "suggestions": [suggestion_document(resolution, s) for s in suggestions],
        "rejected": [link_document(resolution, link) for link in resolution.rejected],
        "common_identifiers": [str(identifier) for identifier in resolution.common],
    }


def show_document(resolution: Resolution, keys: tuple[VendorKey, ...]) -> Document:
    """One actor (or a lone vendor): members, links with evidence, suggestions, decisions."""
    actor = resolution.actor_of(keys[0])
    members = actor.members if actor else keys
    touching = set(members)
    return {
        "id": actor.id if actor else None,
        "members": [vendor_document(resolution, key) for key in members],
        "identifiers": {
            vendor_label(resolution, key): [
                {"kind": identifier.kind, "value": identifier.value, **sighting_document(seen)}
                for identifier, seen in sorted(resolution.vendors[key].identifiers.items())
            ]
            for key in members
            if key in resolution.vendors
        },
        "links": [link_document(resolution, link) for link in actor.links] if actor else [],
        "suggestions": [
            suggestion_document(resolution, s)
            for s in resolution.suggestions
            if {s.first, s.second} & touching
        ],
        "rejected": [
            link_document(resolution, link)
            for link in resolution.rejected
            if {link.first, link.second} & touching
        ],
        "decisions": [
            decision_document(resolution, decision)
            for decision in resolution.decisions.values()
            if {decision.first, decision.second} & touching
        ],
    }


def _time(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
