"""Large batches: PostgreSQL writes a batch by COPY and looks up its dedupe keys with one array
parameter; SQLite binds rows and chunks keys. Both store the same thing."""

from __future__ import annotations

from sessionary.bootstrap import Container
from sessionary.domain.model import SECOND, Micros, NewEvent, Tenant

from .helpers import all_events, open_session

AWKWARD_PAYLOADS: list[dict[str, object]] = [  # every API and dialect sends an object
    {"nested": {"list": [1, 2.5, None, True], "text": 'çà 漢字 "quoted" \\ back'}},
    {"list": [1, "two", {"three": 3}]},
    {"wide": 12345678901234567890123, "tiny": 1e-300},  # wider than 64 bits
    {"none": None},
    {},
    {"": "", "emoji": "\U0001f3c1"},
]


def _mixed_batch(size: int, start: int = 0) -> list[NewEvent]:
    """Every other event carries a dedupe key, every third an ordinal and its own time."""
    return [
        NewEvent(
            type=f"t{i % 7}",
            payload=AWKWARD_PAYLOADS[i % len(AWKWARD_PAYLOADS)],
            dedupe_key=f"k{i}" if i % 2 == 0 else None,
            occurred_at=Micros(1_700_000_000 * SECOND + i) if i % 3 == 0 else None,
            ordinal=i if i % 3 == 0 else None,
        )
        for i in range(start, start + size)
    ]


async def test_a_large_batch_reads_back_exactly_as_it_was_sent(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    sent = _mixed_batch(1_200)
    result = await container.events.append(tenant.pk, session.id, sent)
    stored = await all_events(container, tenant.pk, session.id)
    assert result.accepted == len(stored) == 1_200
    assert [e.seq for e in stored] == list(range(1, 1_201))
    for new, got in zip(sent, stored, strict=True):
        assert (got.type, got.payload, got.dedupe_key, got.ordinal) == (
            new.type,
            new.payload,
            new.dedupe_key,
            new.ordinal,
        )
        assert got.occurred_at == (new.occurred_at or got.recorded_at)
        assert got.session_pk == session.pk


async def test_repeated_keys_are_found_across_more_keys_than_one_lookup_chunk(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    await container.events.append(tenant.pk, session.id, _mixed_batch(2_400))
    again = await container.events.append(tenant.pk, session.id, _mixed_batch(2_400, start=1_200))
    # 1,200..2,399 were sent before: their 600 keyed events are duplicates, their 600 unkeyed
    # ones are new; 2,400..3,599 are all new.
    assert len(again.duplicates) == 600
    assert again.accepted == 1_800
    assert again.duplicates[:2] == ["k1200", "k1202"]
    stored = await all_events(container, tenant.pk, session.id)
    assert [e.seq for e in stored] == list(range(1, 4_201))
