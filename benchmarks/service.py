"""Load benchmark of the CDS Hooks service, beside a bare Starlette endpoint (the floor).

One uvicorn server (a subprocess on loopback) serves the real application and, on the same
server, ``POST /floor``: a bare Starlette endpoint that returns a stored response of the
same size as a ``patient-view`` answer. ``--clients`` concurrent clients send ``--requests``
``patient-view`` calls with the fixture prefetch (brenda_jackson), then as many to the
floor. Reported: throughput, p50 and p99 latency, errors, and the server's peak RSS (and
its RSS after the first and second half, to see that memory stays flat).

Targets (issue 15): at least half the floor's throughput, p99 under 50 ms, no errors.

    python benchmarks/service.py                     # 20,000 requests, 32 clients
    python benchmarks/service.py --requests 400      # the short run of .ci/run
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
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "fhir" / "brenda_jackson.json"
PATIENT_VIEW = "/cds-services/painmodalities-patient-view"


def body() -> dict[str, Any]:
    found = [entry["resource"] for entry in json.loads(FIXTURE.read_text("utf-8"))["entry"]]

    def searchset(kind: str) -> dict[str, Any]:
        entries = [{"resource": item} for item in found if item["resourceType"] == kind]
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    patient = next(item for item in found if item["resourceType"] == "Patient")
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
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

    app.router.routes.append(Route("/floor", floor, methods=["POST"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def load(
    base: str, path: str, payload: bytes, requests: int, clients: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(requests))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def worker() -> None:
            nonlocal errors
            for _ in remaining:
                start = time.perf_counter()
                response = await http.post(
                    path, content=payload, headers={"Content-Type": "application/json"}
                )
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": requests,
        "throughput": requests / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
    }


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
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/cds-services", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        payload = json.dumps(body()).encode()
        half = args.requests // 2
        rows = {}
        first = asyncio.run(load(base, PATIENT_VIEW, payload, half, args.clients))
        rss_half = rss_kib(server.pid, "VmRSS")
        second = asyncio.run(load(base, PATIENT_VIEW, payload, args.requests - half, args.clients))
        rss_end = rss_kib(server.pid, "VmRSS")
        rows["patient-view"] = {
            "requests": args.requests,
            "throughput": (first["throughput"] + second["throughput"]) / 2,
            "p50_ms": max(first["p50_ms"], second["p50_ms"]),
            "p99_ms": max(first["p99_ms"], second["p99_ms"]),
            "errors": first["errors"] + second["errors"],
        }
        rows["floor"] = asyncio.run(load(base, "/floor", payload, args.requests, args.clients))
        peak = rss_kib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{'endpoint':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, row in rows.items():
        print(
            f"{name:<14}{row['requests']:>9}{row['throughput']:>9.0f}{row['p50_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{row['errors']:>8}"
        )
    ratio = rows["patient-view"]["throughput"] / rows["floor"]["throughput"]
    print(f"server peak RSS {peak / 1024:.0f} MiB; RSS after half {rss_half / 1024:.0f} MiB, ")
    print(f"at end {rss_end / 1024:.0f} MiB; throughput {ratio:.0%} of the floor")
    return 1 if rows["patient-view"]["errors"] or rows["floor"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
