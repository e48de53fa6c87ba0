"""`GET /health` and `GET /ready` for load balancers and orchestrators:
unauthenticated, cheap, and not AWS calls (never in the audit trail). Other
methods on their paths are refused through the pipeline as before. (/ready
answering 503 while the store does not answer is tested in Rust:
crates/strongroom-api/tests/probes_and_regions.rs.)"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from test_audit import trail


def get(server, path: str, method: str = "GET"):
    req = urllib.request.Request(server.endpoint + path, method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.headers, resp.read()


def test_health_and_ready_answer_unauthenticated(server):
    status, headers, body = get(server, "/health")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"status": "ok"}
    status, headers, body = get(server, "/ready")
    assert status == 200
    assert json.loads(body) == {"status": "ready"}
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("method,path", [("POST", "/health"), ("PUT", "/ready")])
def test_other_methods_on_the_probe_paths_are_refused_as_before(server, method, path):
    with pytest.raises(urllib.error.HTTPError) as e:
        get(server, path, method)
    assert e.value.code == 405
    assert b"MethodNotAllowedException" in e.value.read()


def test_probes_are_not_recorded_in_the_audit_trail(make_server):
    srv = make_server()
    client = srv.client()
    client.list_secrets()
    # A signed call is answered once its record is durable, and records are
    # written in order: after the second call, anything the probes had
    # caused would be in the trail too.
    before = trail(srv.data_dir)
    for _ in range(20):
        assert get(srv, "/health")[0] == 200
        assert get(srv, "/ready")[0] == 200
    client.list_secrets()
    after = trail(srv.data_dir)
    added = after[len(before):]
    assert [r["eventName"] for r in added] == ["ListSecrets"], added
