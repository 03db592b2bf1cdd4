"""Load benchmark of the CDS Hooks service as deployed, beside a fair floor, on one server.

Every call is what production sends: a fresh ES384-signed JWT (a new ``jti``, checked by the
service against its trusted client, as ``serve --trusted-clients`` does) and a fresh
``hookInstance``. One uvicorn server (a subprocess on loopback, with httptools and uvloop
when installed) serves the real application and, beside it:

- ``POST /floor``, the **fair floor**: what any CDS service must do with the same request,
  in a plain Starlette endpoint: verify the same token with PyJWT (same key, audience,
  issuer, required claims and clock-skew leeway as the service), parse the body with
  orjson, load every prefetched resource into its ``fhir.resources`` R4B model, and
  return a card of the same size as the service's answer;
- ``POST /bare``: Starlette returning the stored answer (for information only).

Rows, in one run against one server: the service with the same chart every call; the
service with a new chart every call (every resource's ``meta.versionId`` is a number never
sent before in the run, so it is validated again), the headline row, run without a break
for decay and memory; then the service with a new chart and the fair floor **in turns**,
``--rounds`` rounds of each, the order swapped every round, so that both meet the same
load from the machine's other users (the project's method: contenders in turn, the
median of the per-round ratios); the bare endpoint; and the service, then the fair floor,
with a new chart per call from a single client calling one request after another (what
one clinician opening a chart sees). The fair floor's row is its rounds together. Each
row gives the server process's CPU time per call (user and system time over the row): it
moves far less with a shared machine's load than the rates do.

Tokens are signed by a separate process (the EHR's work, not the service's), ahead of use,
each valid for ``--token-lifetime`` seconds, so the service's ``jti`` memory holds only
the live ones, as in production.

Targets (issue 25): new-chart throughput at least the fair floor's (the median ratio of
the rounds); throughput in the last window of the headline row at least 0.9x the first (no
decay; windows of a minute in runs of 3 minutes or more, else a fifth of the row); p99 at
``--clients`` no worse than the fair floor's (over all their rounds); p99 under 50 ms for
the single client (the floor's from one client is shown beside it: what the machine
allows); no errors; memory flat (once the ``jti`` memory is full: the server's RSS at the
end of the headline row within 10% of its RSS once a token lifetime has passed).

    python benchmarks/service.py                                 # full: 300 s headline row
    python benchmarks/service.py --seconds 60 --row-seconds 30   # a short timed run
    python benchmarks/service.py --requests 1000 --clients 32 --rounds 2  # .ci/run's short run
"""

import argparse
import asyncio
import collections
import itertools
import json
import multiprocessing
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "fhir" / "brenda_jackson.json"
PATIENT_VIEW = "/cds-services/painmodalities-patient-view"
ISSUER = "https://ehr.example"
KID = "bench-es384"
#: Replaced in each call of the "new chart" rows by the call's number.
NEW_RECORD = "new-record-0000"
#: Replaced in every call by a fresh UUID: an EHR sends a new ``hookInstance`` each time.
HOOK_INSTANCE = "00000000-0000-4000-8000-000000000000"
Row = dict[str, Any]
#: Tokens made ready before a row starts (at most).
AHEAD = 4000
#: Untimed calls of each endpoint before ``--profile`` times any.
WARM_UP = 50


def body() -> dict[str, Any]:
    found = [entry["resource"] for entry in json.loads(FIXTURE.read_text("utf-8"))["entry"]]

    def searchset(kind: str) -> dict[str, Any]:
        entries = [{"resource": item} for item in found if item["resourceType"] == kind]
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    patient = next(item for item in found if item["resourceType"] == "Patient")
    return {
        "hook": "patient-view",
        "hookInstance": HOOK_INSTANCE,
        "context": {"userId": "Practitioner/1", "patientId": patient["id"]},
        "prefetch": {
            "patient": patient,
            "conditions": searchset("Condition"),
            "procedures": searchset("Procedure"),
            "serviceRequests": searchset("ServiceRequest"),
        },
    }


def fresh_body() -> dict[str, Any]:
    """The fixture prefetch with ``meta.versionId`` set to ``NEW_RECORD`` in every resource."""
    found = body()
    for resource in _resources(found):
        resource["meta"] = {"versionId": NEW_RECORD}
    return found


def _resources(call: dict[str, Any]) -> list[dict[str, Any]]:
    prefetch = call["prefetch"]
    return [prefetch["patient"]] + [
        entry["resource"]
        for key in ("conditions", "procedures", "serviceRequests")
        for entry in prefetch[key]["entry"]
    ]


# -- the server subprocess ---------------------------------------------------------------------


def bench_app(base: str, clients_file: str, feedback_db: str) -> Any:
    """The application served at ``base``, plus the floor, bare and server endpoints."""
    import jwt
    import orjson
    from fhir.resources.R4B import get_fhir_model_class
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from painmodalities.service import ServiceConfig, create_app, load_trusted_clients
    from painmodalities.service._auth import LEEWAY_SECONDS

    clients = load_trusted_clients(Path(clients_file).read_text("utf-8"))
    app = create_app(
        ServiceConfig(trusted_clients=clients, public_url=base, feedback_db=feedback_db)
    )

    async def one_answer() -> bytes:
        sandbox = create_app(ServiceConfig(allow_unauthenticated=True))
        transport = httpx.ASGITransport(app=sandbox)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            return (await client.post(PATIENT_VIEW, json=body())).content

    same_size = asyncio.run(one_answer())
    keys = jwt.PyJWKSet.from_dict(dict(clients[0].jwks))
    by_kid = {key.key_id: key for key in keys.keys}
    audience = base + PATIENT_VIEW

    async def floor(request: Request) -> Response:
        """What any CDS service must do with the same request (the fair floor)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        header = jwt.get_unverified_header(token)
        if scheme.lower() != "bearer" or header.get("typ") != "JWT":
            return Response(status_code=401)
        try:
            jwt.decode(
                token,
                by_kid[header["kid"]].key,
                algorithms=["ES384"],
                audience=audience,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except (jwt.PyJWTError, KeyError):
            return Response(status_code=401)
        call = orjson.loads(await request.body())
        for resource in _resources(call):
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        return Response(same_size, media_type="application/json")

    async def bare(request: Request) -> Response:
        await request.body()
        return Response(same_size, media_type="application/json")

    app.router.routes.append(Route("/floor", floor, methods=["POST"]))
    app.router.routes.append(Route("/bare", bare, methods=["POST"]))
    return app


def serve(port: int, clients_file: str, feedback_db: str) -> None:
    """Run the application plus the floor and bare endpoints (in the server subprocess)."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    app = bench_app(f"http://127.0.0.1:{port}", clients_file, feedback_db)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    config.load()

    async def serving(_request: Request) -> Response:
        """What serves the calls: uvicorn's HTTP protocol and the running event loop."""
        http = config.http_protocol_class.__module__.rsplit(".", 1)[-1].removesuffix("_impl")
        loop = type(asyncio.get_running_loop()).__module__.split(".", 1)[0]
        return Response(f"uvicorn {uvicorn.__version__} with {http} and {loop}")

    app.router.routes.append(Route("/server", serving, methods=["GET"]))
    uvicorn.Server(config).run()


def cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` has used, user and system (from ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# -- tokens: signed by a separate process, as an EHR signs them -------------------------------


def sign_tokens(pem: bytes, audience: str, lifetime: int, out: Any, stop: Any) -> None:
    """Sign fresh tokens into ``out`` until ``stop`` is set (in the signer process)."""
    import jwt
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(pem, password=None)
    while not stop.is_set():
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "exp": now + lifetime,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
        token = jwt.encode(claims, key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"})  # type: ignore[arg-type]
        while not stop.is_set():
            try:
                out.put((now, token), timeout=0.5)
                break
            except queue.Full:
                continue


class Tokens:
    """Fresh tokens from the signer process, taken one per call; counts the waits.

    At most ``keep`` are held: the signer then waits (its queue is small), so that it signs
    about as many tokens as the calls use instead of taking a core of the two for itself
    all run long (unbounded, it signed three times faster than the calls used them, and
    the backlog grew, and aged, through the headline row).
    """

    def __init__(self, source: Any, lifetime: int, keep: int) -> None:
        self.ready: collections.deque[tuple[int, str]] = collections.deque()
        self.waits = 0
        self._source = source
        self._lifetime = lifetime
        self._keep = keep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        while not self._stop.is_set():
            if len(self.ready) >= self._keep:
                time.sleep(0.005)
                continue
            try:
                signed, token = self._source.get(timeout=0.5)
            except queue.Empty:
                continue
            self.ready.append((signed, token))

    def close(self) -> None:
        """Stop taking tokens from the signer."""
        self._stop.set()
        self._thread.join(timeout=5)

    async def take(self) -> str:
        """The next token still valid for a while; older ones are dropped.

        Waits (and counts the wait) when none is ready.
        """
        while True:
            while not self.ready:
                self.waits += 1
                await asyncio.sleep(0.001)
            signed, token = self.ready.popleft()
            if signed + self._lifetime - 5 > time.time():
                return token

    async def fill(self, count: int) -> None:
        """Wait until ``count`` tokens are ready (before a row starts).

        Tokens signed more than half a lifetime ago are dropped first, so that none goes
        stale during the row.
        """
        half_life = time.time() - self._lifetime / 2
        while self.ready and self.ready[0][0] < half_life:
            self.ready.popleft()
        while len(self.ready) < count:
            await asyncio.sleep(0.05)


# -- the load client ---------------------------------------------------------------------------


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (status line, headers, Content-Length body): its status."""
    status = await reader.readline()
    if not status.startswith(b"HTTP/1.1 "):
        raise ConnectionError(f"not an HTTP/1.1 response: {status[:40]!r}")
    length = None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ConnectionError("a response without Content-Length")
    await reader.readexactly(length)
    return int(status.split()[1])


async def load(
    port: int,
    path: str,
    payload: bytes,
    *,
    clients: int,
    tokens: Tokens | None,
    requests: int | None = None,
    seconds: float | None = None,
    sample: Any = None,
    numbers: Iterator[int] | None = None,
) -> Row:
    """POSTs of ``payload`` to ``path`` from ``clients`` keep-alive connections.

    Either ``requests`` calls, or as many as fit in ``seconds``. Each call gets a fresh
    ``hookInstance``, a fresh token when ``tokens`` is given, and the next of ``numbers``
    in place of ``NEW_RECORD`` (share one count between rows, so that no chart comes
    twice in a run). A lean client on raw streams, so that it spends little of the cores
    the server needs. A dropped connection or a timeout counts as an error.
    ``sample`` is called about every 5 s with the elapsed time (for memory samples).
    """
    numbering = itertools.count() if numbers is None else numbers
    latencies: list[float] = []
    done_at: list[float] = []
    errors = 0
    counter = iter(range(requests if requests is not None else 10**12))
    fresh = NEW_RECORD.encode() in payload
    began = time.perf_counter()
    deadline = began + seconds if seconds is not None else float("inf")

    async def message() -> bytes:
        data = payload.replace(HOOK_INSTANCE.encode(), str(uuid.uuid4()).encode())
        if fresh:
            data = data.replace(NEW_RECORD.encode(), str(next(numbering)).encode())
        auth = f"Authorization: Bearer {await tokens.take()}\r\n" if tokens else ""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        return head.encode() + data

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in counter:
            if time.perf_counter() >= deadline:
                break
            sent = await message()
            start = time.perf_counter()
            try:
                writer.write(sent)
                status = await asyncio.wait_for(_answer(reader), timeout=30)
            except (ConnectionError, OSError, asyncio.IncompleteReadError, TimeoutError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            now = time.perf_counter()
            latencies.append(now - start)
            done_at.append(now - began)
            if status != 200:
                errors += 1
        writer.close()

    async def sampler() -> None:
        while sample is not None:
            await asyncio.sleep(5)
            sample(time.perf_counter() - began)

    watching = asyncio.ensure_future(sampler())
    await asyncio.gather(*(worker() for _ in range(clients)))
    watching.cancel()
    elapsed = time.perf_counter() - began
    latencies.sort()
    window = 60.0 if elapsed >= 180 else elapsed / 5
    first = sum(1 for at in done_at if at < window) / window
    last = sum(1 for at in done_at if at >= elapsed - window) / window
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        if latencies
        else float("nan"),
        "errors": errors,
        "first_window": first,
        "last_window": last,
        "token_waits": tokens.waits if tokens else 0,
        "latencies": latencies,
    }


def run(job: Coroutine[Any, Any, Row]) -> Row:
    """Run the load client on uvloop where installed (the cheaper client), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(job)
    return uvloop.run(job)


def _keys(folder: Path) -> bytes:
    """A fresh ES384 key: its private PEM; the trusted-clients file written to ``folder``."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    clients = {
        "clients": [{"iss": ISSUER, "jwks": {"keys": [{**public, "kid": KID, "alg": "ES384"}]}}]
    }
    (folder / "clients.json").write_text(json.dumps(clients), encoding="utf-8")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def measure(port: int, tokens: Tokens, args: argparse.Namespace, pid: int) -> dict[str, Row]:
    """Run every row against the server on ``port`` (process ``pid``); the rows by name."""
    same = json.dumps(body()).encode()
    fresh = json.dumps(fresh_body()).encode()
    rows: dict[str, Row] = {}
    counted = {"requests": args.requests} if args.requests else {}
    headline = counted or {"seconds": args.seconds}
    ahead = min(args.requests or AHEAD, AHEAD)
    memory: list[tuple[float, int]] = []
    numbers = itertools.count()

    def row(path: str, payload: bytes, *, signed: bool, **how: Any) -> Row:
        if signed:
            asyncio.run(tokens.fill(ahead))
            tokens.waits = 0
        signing = tokens if signed else None
        used = cpu_seconds(pid)
        found = run(load(port, path, payload, tokens=signing, numbers=numbers, **how))
        found["cpu_seconds"] = cpu_seconds(pid) - used
        return found

    def sample(at: float) -> None:
        memory.append((at, rss_kib(pid, "VmRSS")))

    def rounds(name: str, path: str, other: str, other_path: str, clients: int) -> None:
        """``name`` and ``other`` (both with the new chart) in turn, round after round."""
        share = max(args.requests // args.rounds, 50) if args.requests else None
        how = {"requests": share} if share else {"seconds": args.row_seconds / args.rounds}
        found: dict[str, list[Row]] = {name: [], other: []}
        for number in range(args.rounds):
            order = [(name, path), (other, other_path)]
            for each, where in order[:: -1 if number % 2 else 1]:
                found[each].append(row(where, fresh, signed=True, clients=clients, **how))
        for each, parts in found.items():
            rows[each] = pooled(parts)
        rows[name]["round_ratios"] = [
            mine["throughput"] / theirs["throughput"]
            for mine, theirs in zip(found[name], found[other], strict=True)
        ]

    other = counted or {"seconds": args.row_seconds}
    rows["same chart"] = row(PATIENT_VIEW, same, signed=True, clients=args.clients, **other)
    rows["new chart"] = row(
        PATIENT_VIEW, fresh, signed=True, clients=args.clients, sample=sample, **headline
    )
    rows["new chart"]["memory"] = memory
    rounds("new chart, turns", PATIENT_VIEW, "fair floor", "/floor", args.clients)
    rows["bare (info)"] = row("/bare", same, signed=False, clients=args.clients, **other)
    single = {"requests": min(args.requests // 4, 1000) if args.requests else 1000}
    rows["single client"] = row(PATIENT_VIEW, fresh, signed=True, clients=1, **single)
    rows["single, floor"] = row("/floor", fresh, signed=True, clients=1, **single)
    return rows


def pooled(parts: list[Row]) -> Row:
    """One row of several runs of the same endpoint: their calls and times together."""
    latencies = sorted(latency for part in parts for latency in part["latencies"])
    seconds = sum(part["seconds"] for part in parts)
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "throughput": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": sum(part["errors"] for part in parts),
        "token_waits": sum(part["token_waits"] for part in parts),
        "latencies": latencies,
        "cpu_seconds": sum(part["cpu_seconds"] for part in parts),
    }


def wait_for(port: int) -> None:
    """Wait until the server on ``port`` answers discovery (at most a minute)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=1)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        else:
            return


async def asgi_post(app: Any, path: str, token: bytes, data: bytes) -> int:
    """POST ``data`` to ``path`` of the ASGI ``app`` with a bearer ``token``: the status.

    The request uvicorn gives the application for the benchmark's calls, without a socket.
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", b"Bearer " + token),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": data, "more_body": False}]
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


def _summary(spent: dict[str, list[float]], block: int) -> None:
    """Each endpoint's CPU per call, over all its calls and in its first and last block."""
    for name, times in spent.items():
        first = statistics.fmean(times[:block])
        last = statistics.fmean(times[-block:])
        print(
            f"{name}: {statistics.fmean(times) * 1e6:.0f} us CPU per call over {len(times)} "
            f"calls; first block {first * 1e6:.0f} us, last {last * 1e6:.0f} us "
            f"(last/first {last / first:.2f})"
        )


def profile(args: argparse.Namespace) -> int:
    """The service and the fair floor called in one process, without sockets: CPU per call.

    Each call is the benchmark's new-chart request (a fresh ES384 token, signed here before
    the call and outside its timing, a fresh ``hookInstance`` and a chart never sent
    before), given to the ASGI application directly, through the same middleware as in the
    server. The two endpoints alternate call by call (the first of each pair swapped every
    block), and ``time.process_time`` times each call: the A/B comparison a shared machine
    still allows. :data:`WARM_UP` calls of each come first, untimed. Prints CPU
    microseconds per call for each block of ``--block`` calls, then the first block against
    the last (decay). ``--only`` calls one endpoint (for ``valgrind --tool=callgrind``);
    ``--cprofile`` writes each endpoint's profile.
    """
    import cProfile
    import gc

    import jwt
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    folder = Path(tempfile.mkdtemp(prefix="painmodalities-profile-"))
    pem = _keys(folder)
    base = "http://127.0.0.1:8000"
    app = bench_app(base, str(folder / "clients.json"), str(folder / "feedback.sqlite3"))
    key = load_pem_private_key(pem, password=None)
    template = json.dumps(fresh_body()).encode()
    numbers = itertools.count()
    names = {"service": PATIENT_VIEW, "floor": "/floor"}
    chosen = [args.only] if args.only else list(names)
    profilers = {name: cProfile.Profile() for name in chosen}

    def request() -> tuple[bytes, bytes]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": base + PATIENT_VIEW,
            "exp": now + args.token_lifetime,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
        token = jwt.encode(claims, key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"})  # type: ignore[arg-type]
        data = template.replace(HOOK_INSTANCE.encode(), str(uuid.uuid4()).encode())
        return token.encode(), data.replace(NEW_RECORD.encode(), str(next(numbers)).encode())

    async def calls() -> None:
        for _ in range(WARM_UP):  # first calls word the cards and fill the caches
            for name in chosen:
                await asgi_post(app, names[name], *request())
        spent: dict[str, list[float]] = {name: [] for name in chosen}
        print(f"{'calls':>8}" + "".join(f"{name + ' us':>12}" for name in chosen), end="")
        print(f"{'floor/service':>15}{'GC gen2':>9}" if len(chosen) == 2 else "")
        for number in range(args.profile):
            block = number // args.block
            for name in chosen[:: -1 if block % 2 else 1]:
                token, data = request()
                profiler = profilers[name] if args.cprofile else None
                began = time.process_time()
                if profiler is not None:
                    profiler.enable()
                status = await asgi_post(app, names[name], token, data)
                if profiler is not None:
                    profiler.disable()
                spent[name].append(time.process_time() - began)
                if status != 200:
                    raise SystemExit(f"{name} answered {status}")
            if (number + 1) % args.block == 0:
                means = {name: statistics.fmean(spent[name][-args.block :]) for name in chosen}
                line = f"{number + 1:>8}" + "".join(f"{means[n] * 1e6:>12.0f}" for n in chosen)
                if len(chosen) == 2:
                    line += f"{means['floor'] / means['service']:>15.2f}"
                    line += f"{gc.get_stats()[2]['collections']:>9}"
                print(line, flush=True)
        _summary(spent, args.block)

    run(calls())
    if args.cprofile:
        for name, profiler in profilers.items():
            profiler.dump_stats(f"{args.cprofile}.{name}")
            print(f"profile of {name}: {args.cprofile}.{name}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, help="calls per row (instead of --seconds)")
    parser.add_argument("--seconds", type=float, default=300, help="the headline row's length")
    parser.add_argument("--row-seconds", type=float, default=60, help="the other rows' length")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=6, help="turns of the new chart and the fair floor"
    )
    parser.add_argument("--token-lifetime", type=int, default=60)
    parser.add_argument(
        "--profile",
        type=int,
        metavar="CALLS",
        help="no server: CALLS calls of each endpoint in this process, CPU per call",
    )
    parser.add_argument("--block", type=int, default=1000, help="--profile: calls per line")
    parser.add_argument("--only", choices=["service", "floor"], help="--profile: one endpoint")
    parser.add_argument("--cprofile", metavar="FILE", help="--profile: write FILE.service...")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        return profile(args)
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.serve[2])
        return 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="painmodalities-bench-"))
    pem = _keys(folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, __file__, "--serve", str(port), str(folder / "clients.json")]
    server = subprocess.Popen([*command, str(folder / "feedback.sqlite3")], env=env)
    context = multiprocessing.get_context("spawn")
    out = context.Queue(maxsize=200)
    stop = context.Event()
    audience = f"http://127.0.0.1:{port}{PATIENT_VIEW}"
    signer = context.Process(
        target=sign_tokens, args=(pem, audience, args.token_lifetime, out, stop), daemon=True
    )
    signer.start()
    tokens = Tokens(out, args.token_lifetime, keep=AHEAD + 1000)
    load_before = os.getloadavg()[0]
    try:
        wait_for(port)
        rows = measure(port, tokens, args, server.pid)
        peak = rss_kib(server.pid, "VmHWM")
        serving = httpx.get(f"http://127.0.0.1:{port}/server").text
    finally:
        stop.set()
        tokens.close()
        signer.join(timeout=5)
        if signer.is_alive():
            signer.terminate()
        server.terminate()
        server.wait(timeout=10)
    report(rows, serving=serving, peak=peak, args=args, load_before=load_before)
    return 1 if any(row["errors"] for row in rows.values()) else 0


def report(
    rows: dict[str, Row],
    *,
    serving: str,
    peak: int,
    args: argparse.Namespace,
    load_before: float,
) -> None:
    """Print the rows, the server's memory and each target's verdict."""
    clients = args.clients
    memory: list[tuple[float, int]] = rows["new chart"]["memory"]
    print(
        f"server: {serving}; {clients} clients; fresh ES384 token (lifetime "
        f"{args.token_lifetime} s) and hookInstance per call; load average "
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"{'row':<18}{'requests':>9}{'s':>6}{'req/s':>8}{'vs floor':>9}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'errors':>7}{'waits':>7}{'CPU ms':>8}"
    )
    floor = rows["fair floor"]
    for name, row in rows.items():
        print(
            f"{name:<18}{row['requests']:>9}{row['seconds']:>6.0f}{row['throughput']:>8.0f}"
            f"{row['throughput'] / floor['throughput']:>8.2f}x{row['p50_ms']:>8.1f}"
            f"{row['p99_ms']:>8.1f}{row['errors']:>7}{row['token_waits']:>7}"
            f"{cpu_ms(row):>8.2f}"
        )
    new = rows["new chart"]
    turns = rows["new chart, turns"]
    ratios = turns["round_ratios"]
    ratio = statistics.median(ratios)
    decay = new["last_window"] / new["first_window"] if new["first_window"] else float("nan")
    settled = [kib for at, kib in memory if at >= args.token_lifetime + 40]
    if len(settled) >= 2:
        flat = settled[-1] <= settled[0] * 1.1
        memory_words = (
            f"{settled[0] / 1024:.0f} MiB once the jti memory is full, "
            f"{settled[-1] / 1024:.0f} MiB at the end"
        )
    else:
        flat = None
        memory_words = "row shorter than a token lifetime plus a minute: not judged"
    print(f"server RSS: {memory_words}; peak {peak / 1024:.0f} MiB")
    print(
        f"server CPU per call (CPU ms, the server process's user and system time over the "
        f"row's calls): new chart {cpu_ms(turns):.2f} ms, fair floor {cpu_ms(floor):.2f} ms: "
        f"the floor's is {cpu_ms(floor) / cpu_ms(turns):.2f}x the service's (what the "
        "throughput ratio would be on a machine of its own)"
    )
    fair = _verdict(ratio >= 1)
    steady = _verdict(decay >= 0.9)
    no_worse = _verdict(turns["p99_ms"] <= floor["p99_ms"])
    one = rows["single client"]
    quick = _verdict(one["p99_ms"] < 50)
    print(
        f"new-chart throughput {ratio:.2f}x the fair floor, median of {len(ratios)} rounds "
        f"taken in turns ({min(ratios):.2f}x to {max(ratios):.2f}x; the headline row "
        f"{new['throughput'] / floor['throughput']:.2f}x) (target >= 1.0): {fair}"
    )
    print(f"new-chart last window {decay:.2f}x the first (target >= 0.9): {steady}")
    print(
        f"new-chart p99 {turns['p99_ms']:.1f} ms at {clients} clients, fair floor "
        f"{floor['p99_ms']:.1f} ms, in the same rounds (target: no worse): {no_worse}"
    )
    print(
        f"single-client p99 {one['p99_ms']:.1f} ms; the fair floor's from one client "
        f"{rows['single, floor']['p99_ms']:.1f} ms (target < 50 ms): {quick}"
    )
    errors = sum(row["errors"] for row in rows.values())
    print(f"errors {errors} (target 0): {_verdict(errors == 0)}")
    print(f"memory flat: {'not judged' if flat is None else _verdict(flat)}")


def cpu_ms(row: Row) -> float:
    """The server's CPU time per call in ``row``, in milliseconds."""
    return float(row["cpu_seconds"]) * 1000 / max(int(row["requests"]), 1)


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
