"""The lockout's bookkeeping stays bounded however many client ids are guessed, and never
forgets a client that is locked out before its lockout ends."""

from __future__ import annotations

from sessionary.http.dialects.pagos.tokens import FAILURES_ALLOWED, LOCKOUT_S, Lockout


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lock(lockout: Lockout, client_id: str) -> None:
    for _ in range(FAILURES_ALLOWED):
        lockout.fail(client_id)


def test_failure_counters_never_exceed_the_cap() -> None:
    lockout = Lockout(ManualClock(), max_clients=50)
    for n in range(1000):
        lockout.fail(f"guess-{n}")
        assert len(lockout) <= 50


def test_a_locked_out_client_survives_any_number_of_other_guesses() -> None:
    clock = ManualClock()
    lockout = Lockout(clock, max_clients=10)
    lock(lockout, "victim")
    for n in range(1000):
        lockout.fail(f"guess-{n}")
        clock.now += 0.01
    assert lockout.locked("victim")


def test_every_lockout_is_kept_past_the_cap_until_it_ends() -> None:
    """Locks do not count against the cap: refusing one would let its guesser go on."""
    clock = ManualClock()
    lockout = Lockout(clock, max_clients=10)
    for n in range(100):
        lock(lockout, f"client-{n}")
    assert len(lockout) == 100
    assert all(lockout.locked(f"client-{n}") for n in range(100))
    clock.now += LOCKOUT_S
    assert len(lockout) == 0
    assert not lockout.locked("client-0")


def test_the_client_whose_last_failure_is_oldest_is_forgotten_first() -> None:
    clock = ManualClock()
    lockout = Lockout(clock, max_clients=3)
    for client_id in ("old", "recent", "newer"):
        lockout.fail(client_id)
        clock.now += 1
    for _ in range(FAILURES_ALLOWED - 2):
        lockout.fail("old")  # "old" fails again, so "recent" is now the least recent
    lockout.fail("newest")
    assert len(lockout) == 3
    lockout.fail("old")
    assert lockout.locked("old")


def test_a_forgotten_counter_starts_again_from_zero() -> None:
    clock = ManualClock()
    lockout = Lockout(clock, max_clients=2)
    for _ in range(FAILURES_ALLOWED - 1):
        lockout.fail("target")
    lockout.fail("a")
    lockout.fail("b")  # evicts "target", the least recent
    lockout.fail("target")
    assert not lockout.locked("target")


def test_failures_during_a_lockout_do_not_extend_it() -> None:
    clock = ManualClock()
    lockout = Lockout(clock)
    lock(lockout, "client")
    clock.now += LOCKOUT_S - 1
    lockout.fail("client")
    clock.now += 1
    assert not lockout.locked("client")
