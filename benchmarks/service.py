"""Load benchmark of the CDS Hooks service, beside a bare Starlette endpoint (the floor).

One uvicorn server (a subprocess on loopback, with httptools and uvloop when installed)
serves the real application and, on the same server, ``POST /floor``: a bare Starlette
endpoint that returns a stored response of the same size as a ``patient-view`` answer.
``--clients`` concurrent keep-alive clients send ``--requests`` ``patient-view`` calls with
the fixture prefetch (brenda_jackson: the same chart opened again and again), then as many
calls each carrying a record never sent before (every resource's ``meta.versionId`` is the
call's number, so the service validates every resource), then as many to the floor.
Reported: throughput, p50 and p99 latency, errors (a status other than 200, a dropped
connection, a timeout), and the server's RSS after each half of the first row, after the
second row and at its peak.

The client is lean (raw streams, a pre-built request) so that the two cores go to the
server: an httpx client costs more per call than the floor's server does.

Targets (issue 15), on the first row: at least half the floor's throughput, p99 under 50 ms,
no errors, memory flat.

    python benchmarks/service.py                                # 20,000 requests, 32 clients
    python benchmarks/service.py --requests 2000 --clients 32   # the short run of .ci/run
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "fhir" / "brenda_jackson.json"
PATIENT_VIEW = "/cds-services/painmodalities-patient-view"
#: Replaced in each call of the "new record" row by the call's number.
NEW_RECORD = "new-record-0000"
#: Replaced in every call by a fresh UUID: an EHR sends a new ``hookInstance`` each time.
HOOK_INSTANCE = "00000000-0000-4000-8000-000000000000"
Row = dict[str, Any]


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


def serve(port: int) -> None:
    """Run the application plus the floor endpoint (in the server subprocess)."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from painmodalities.service import ServiceConfig, create_app

    app = create_app(ServiceConfig(allow_unauthenticated=True))

    async def one_answer() -> bytes:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            return (await client.post(PATIENT_VIEW, json=body())).content

    same_size = asyncio.run(one_answer())

    async def floor(request: Request) -> Response:
        await request.body()
        return Response(same_size, media_type="application/json")

    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    config.load()

    async def serving(_request: Request) -> Response:
        """What serves the calls: uvicorn's HTTP protocol and the running event loop."""
        http = config.http_protocol_class.__module__.rsplit(".", 1)[-1].removesuffix("_impl")
        loop = type(asyncio.get_running_loop()).__module__.split(".", 1)[0]
        return Response(f"uvicorn {uvicorn.__version__} with {http} and {loop}")

    app.router.routes.append(Route("/floor", floor, methods=["POST"]))
    app.router.routes.append(Route("/server", serving, methods=["GET"]))
    uvicorn.Server(config).run()


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run(job: Coroutine[Any, Any, Row]) -> Row:
    """Run the load client on uvloop where installed (the cheaper client), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(job)
    return uvloop.run(job)


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


async def load(port: int, path: str, payload: bytes, requests: int, clients: int) -> Row:
    """``requests`` POSTs of ``payload`` to ``path`` from ``clients`` keep-alive connections.

    A lean client on raw streams (one pre-built request per call), so that the client
    spends little of the two cores the server also needs. Each call gets its own
    ``hookInstance`` (a fresh UUID, as an EHR sends), and when ``payload`` holds
    ``NEW_RECORD``, its own number there (a record never sent before).
    A dropped connection or a timeout counts as an error; the client reconnects and goes on.
    """
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(requests))
    fresh = NEW_RECORD.encode() in payload

    def message(number: int) -> bytes:
        body = payload.replace(HOOK_INSTANCE.encode(), str(uuid.uuid4()).encode())
        if fresh:
            body = body.replace(NEW_RECORD.encode(), str(number).encode())
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for number in remaining:
            sent = message(number)
            start = time.perf_counter()
            try:
                writer.write(sent)
                status = await asyncio.wait_for(_answer(reader), timeout=30)
            except (ConnectionError, OSError, asyncio.IncompleteReadError, TimeoutError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": requests,
        "throughput": requests / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        if latencies
        else float("nan"),
        "errors": errors,
    }


def fresh_body() -> dict[str, Any]:
    """The fixture prefetch with ``meta.versionId`` set to ``NEW_RECORD`` in every resource."""
    found = body()
    prefetch = found["prefetch"]
    resources = [prefetch["patient"]] + [
        entry["resource"]
        for key in ("conditions", "procedures", "serviceRequests")
        for entry in prefetch[key]["entry"]
    ]
    for resource in resources:
        resource["meta"] = {"versionId": NEW_RECORD}
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        payload = json.dumps(body()).encode()
        half = args.requests // 2
        rows = {}
        first = run(load(port, PATIENT_VIEW, payload, half, args.clients))
        rss_half = rss_kib(server.pid, "VmRSS")
        second = run(load(port, PATIENT_VIEW, payload, args.requests - half, args.clients))
        rss_end = rss_kib(server.pid, "VmRSS")
        rows["patient-view"] = {
            "requests": args.requests,
            "throughput": (first["throughput"] + second["throughput"]) / 2,
            "p50_ms": max(first["p50_ms"], second["p50_ms"]),
            "p99_ms": max(first["p99_ms"], second["p99_ms"]),
            "errors": first["errors"] + second["errors"],
        }
        fresh = json.dumps(fresh_body()).encode()
        rows["new record"] = run(load(port, PATIENT_VIEW, fresh, args.requests, args.clients))
        rss_fresh = rss_kib(server.pid, "VmRSS")
        rows["floor"] = run(load(port, "/floor", payload, args.requests, args.clients))
        peak = rss_kib(server.pid, "VmHWM")
        serving = httpx.get(f"http://127.0.0.1:{port}/server").text
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(rows, serving=serving, clients=args.clients, rss=(rss_half, rss_end, rss_fresh, peak))
    return 1 if any(row["errors"] for row in rows.values()) else 0


def report(rows: dict[str, Row], *, serving: str, clients: int, rss: tuple[int, ...]) -> None:
    """Print the rows, the server's memory and each target's verdict."""
    rss_half, rss_end, rss_fresh, peak = rss
    print(f"server: {serving}; {clients} clients")
    print(f"{'endpoint':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, row in rows.items():
        print(
            f"{name:<14}{row['requests']:>9}{row['throughput']:>9.0f}{row['p50_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{row['errors']:>8}"
        )
    view = rows["patient-view"]
    ratio = view["throughput"] / rows["floor"]["throughput"]
    flat = rss_end <= rss_half * 1.1
    print(
        f"server RSS: after half {rss_half / 1024:.0f} MiB, at end {rss_end / 1024:.0f} MiB, "
        f"after the new records {rss_fresh / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB"
    )
    print(f"throughput {ratio:.0%} of the floor (target >= 50%): {_verdict(ratio >= 0.5)}")
    print(f"p99 {view['p99_ms']:.1f} ms (target < 50 ms): {_verdict(view['p99_ms'] < 50)}")
    print(f"errors {view['errors']} (target 0): {_verdict(view['errors'] == 0)}")
    print(f"memory flat (end within 10% of half-way): {_verdict(flat)}")


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
