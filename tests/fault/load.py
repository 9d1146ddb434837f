"""A load driver that opens, appends to and closes sessions through /v1 and every dialect,
writing each acknowledged answer to a ledger that the crash suite checks against the database.

A request that fails in transport (the server was killed under it) is *unacknowledged*: it may
or may not have been applied, but if it was, it must have been applied whole."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx

from sessionary.http.dialects.casino.signing import sign

from .server import GAME, TenantWorld

_ids = itertools.count(1)


@dataclass
class Batch:
    session: str
    keys: list[str]
    acked: bool = False


@dataclass
class Ledger:
    """Everything the server acknowledged (and every batch it was asked to take)."""

    opened: dict[str, str] = field(default_factory=dict)  # session id -> dialect
    closed: set[str] = field(default_factory=set)  # acknowledged close or delete
    batches: list[Batch] = field(default_factory=list)
    casino_players: dict[str, bool] = field(default_factory=dict)  # player -> close acked
    rounds: list[str] = field(default_factory=list)
    transport_errors: int = 0
    refusals: int = 0

    def acknowledged(self) -> int:
        events = sum(len(b.keys) for b in self.batches if b.acked)
        players = sum(self.casino_players.values())
        return len(self.opened) + len(self.closed) + events + players + len(self.rounds)


class Driver:
    """``workers`` tasks, each looping over the five surfaces until ``stop`` is set."""

    def __init__(self, base: str, world: TenantWorld, ledger: Ledger, seed: int = 0) -> None:
        self.base, self.world, self.ledger = base, world, ledger
        self.random = random.Random(seed)
        self.stop = asyncio.Event()
        self._pagos_token: str | None = None  # reused, as a Pagos client does (/token is throttled)

    async def run(self, workers: int, transport: httpx.AsyncBaseTransport | None = None) -> None:
        limits = httpx.Limits(max_keepalive_connections=workers)
        async with httpx.AsyncClient(
            base_url=self.base, timeout=10, limits=limits, transport=transport
        ) as http:
            await asyncio.gather(*(self._worker(http, n) for n in range(workers)))

    async def _worker(self, http: httpx.AsyncClient, n: int) -> None:
        device: list[str] = []  # the worker's RUFUS device, bound on first use
        flows = [
            self._native,
            lambda http, n: self._rufus(http, n, device),
            self._hivemp,
            self._pagos,
            self._casino,
        ]
        while not self.stop.is_set():
            flow = flows[self.random.randrange(len(flows))]
            try:
                await flow(http, n)
            except httpx.TransportError:
                self.ledger.transport_errors += 1
                await asyncio.sleep(0.05)  # the server is down; the driver waits for it

    async def _post(self, http: httpx.AsyncClient, url: str, **kw: object) -> httpx.Response:
        response = await http.post(url, **kw)  # type: ignore[arg-type]
        if response.status_code >= 500:
            self.ledger.refusals += 1
        return response

    async def _native(self, http: httpx.AsyncClient, n: int) -> None:
        auth = {"Authorization": f"Bearer {self.world.native}"}
        body = {"subject": {"kind": "user", "id": f"w{n}"}, "metered": True}
        opened = await self._post(http, "/v1/sessions", json=body, headers=auth)
        if opened.status_code != 201:
            return
        sid = opened.json()["id"]
        self.ledger.opened[sid] = "native"
        for b in range(self.random.randrange(1, 4)):
            batch = Batch(sid, [f"{sid}:{b}:{i}" for i in range(self.random.randrange(1, 6))])
            self.ledger.batches.append(batch)
            events = [{"type": "step", "dedupe_key": k, "payload": {"k": k}} for k in batch.keys]
            sent = await self._post(
                http, f"/v1/sessions/{sid}/events", json={"events": events}, headers=auth
            )
            batch.acked = sent.status_code == 201
        if (await self._post(http, f"/v1/sessions/{sid}/close", headers=auth)).status_code == 200:
            self.ledger.closed.add(sid)

    async def _rufus(self, http: httpx.AsyncClient, n: int, device: list[str]) -> None:
        """A timing session on the worker's device; the next one supersedes it (RUFUS §9)."""
        key = {"api_key": self.world.rufus}
        if not device:
            serial = f"SN-{n}-{next(_ids)}"
            bound = await self._post(
                http, "/rufus/v0/devices", json={"model": "M", "serial_number": serial}, headers=key
            )
            if bound.status_code != 201:
                return
            device.append(bound.json()["deviceid"])
        started = await self._post(
            http, "/rufus/v0/sessions", json={"deviceid": device[0]}, headers=key
        )
        if started.status_code != 201:
            return
        token = started.json()["token_session"]
        self.ledger.opened[token] = "rufus"
        nums = list(range(1, self.random.randrange(2, 6)))
        batch = Batch(token, [str(num) for num in nums])
        self.ledger.batches.append(batch)
        items = [
            {"bib": f"B{num}", "num_passing": num, "timestamp": "2023-01-22T09:00:00.000Z"}
            for num in nums
        ]
        sent = await self._post(
            http,
            "/rufus/v0/passings",
            json={"token_session": token, "passings_list": items},
            headers=key,
        )
        batch.acked = sent.status_code == 201

    async def _hivemp(self, http: httpx.AsyncClient, n: int) -> None:
        email, password = self.world.accounts[n % len(self.world.accounts)]
        digest = hashlib.sha256(("HiveMPv1" + password).encode()).hexdigest()
        body = {"emailAddress": email, "passwordHash": digest, "metered": True}
        response = await http.put(
            "/hivemp/v1/authenticate", json=body, headers={"X-API-Key": self.world.hivemp}
        )
        if response.status_code != 200:
            return
        session = response.json()["authenticatedSession"]
        self.ledger.opened[session["id"]] = "hivemp"
        deleted = await http.delete(
            "/hivemp/v1/session",
            params={"id": session["id"]},
            headers={"X-API-Key": session["apiKey"]},
        )
        if deleted.status_code == 200:
            self.ledger.closed.add(session["id"])

    async def _pagos_bearer(self, http: httpx.AsyncClient) -> str | None:
        if self._pagos_token is None:
            form = {"grant_type": "client_credentials", "client_id": self.world.pagos_client}
            form["client_secret"] = self.world.pagos_secret
            issued = await self._post(http, "/pagos/token", data=form)
            if issued.status_code == 200:
                self._pagos_token = str(issued.json()["access_token"])
        return self._pagos_token

    async def _pagos(self, http: httpx.AsyncClient, n: int) -> None:
        token = await self._pagos_bearer(http)
        if token is None:
            return
        auth = {"Authorization": f"Bearer {token}"}
        app = self.world.pagos_app
        opened = await self._post(
            http,
            "/pagos/Api/Applications/OpenDedicatedSession",
            json={"ApplicationKey": app},
            headers=auth,
        )
        if opened.status_code == 200 and opened.json().get("InvalidToken"):
            self._pagos_token = None
        if not (opened.status_code == 200 and opened.json().get("Success")):
            return
        sid = opened.json()["SessionId"]
        self.ledger.opened[sid] = "pagos"
        closed = await self._post(
            http,
            "/pagos/Api/Applications/CloseDedicatedSession",
            json={"ApplicationKey": app, "SessionId": sid},
            headers=auth,
        )
        if closed.status_code == 200 and closed.json().get("Success"):
            self.ledger.closed.add(sid)

    async def _casino(self, http: httpx.AsyncClient, n: int) -> None:
        w = self.world
        player = f"p{n}-{next(_ids)}"
        body = {"secureLogin": w.casino_login, "token": w.casino_token, "uuid": player}
        body.update(userId=player, gameId=GAME, sessionId="op", language="en", currency="USD")
        started = await self._post(http, "/casino/v4/StartGame", json=body)
        if started.status_code != 200 or started.json().get("error") != 0:
            return
        self.ledger.casino_players[player] = False
        token = parse_qs(urlsplit(str(started.json()["url"])).query)["token"][0]
        game = {"X-Game-Token": token}
        bet = await self._post(
            http, "/casino/game/rounds", json={"bet": 1.0, "currency": "USD"}, headers=game
        )
        if bet.status_code == 200:
            self.ledger.rounds.append(str(bet.json()["round"]["roundId"]))
        close: dict[str, object] = {"secureLogin": w.casino_login, "userId": player}
        close.update(gameId=GAME, clearHistory="1")
        close["hash"] = sign(close, w.casino_secret)
        url = f"/casino/V4/closesession?MEMB_ID={w.casino_login}&HASH={w.casino_token}"
        done = await self._post(http, url, json=close)
        if done.status_code == 200 and done.json().get("error") == 0:
            self.ledger.casino_players[player] = True
