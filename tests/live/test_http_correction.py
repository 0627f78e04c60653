"""A photo corrected through the HTTP API, as a client program would: upload, run, follow,
download; the result is the local executor's, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from remedia.executor import LocalExecutor, RunState
from remedia.executor.inputs import ingest_file
from remedia.flows import decode_value, load_flow_modules
from remedia.storage import LocalStorage
from tests.media import bundled_photo

from .conftest import LiveService
from .sse import follow


def _local_outputs(photo: Path, folder: Path) -> dict[str, bytes]:
    storage = LocalStorage(folder)
    flow = load_flow_modules().flow("image.correct")
    run = LocalExecutor(storage, use_cache=False).run(
        flow, {"source": ingest_file(storage, photo)}, {}
    )
    assert run.state == RunState.COMPLETED
    return {
        name: storage.read_bytes(decode_value(value).key) for name, value in run.outputs.items()
    }


def test_a_photo_corrected_over_http_is_byte_identical_to_the_local_executors(
    live_service: LiveService, owner: Any, tmp_path: Path
) -> None:
    photo = bundled_photo("rocket.jpg")
    expected = _local_outputs(photo, tmp_path / "local")

    with live_service.client(owner) as client:
        upload = client.post("/api/v1/assets", files={"file": (photo.name, photo.read_bytes())})
        assert upload.status_code == 201, upload.text
        body = {"flow": "image.correct", "asset_id": upload.json()["id"]}
        submitted = client.post("/api/v1/runs", json=body)
        assert submitted.status_code == 201, submitted.text
        run_id = submitted.json()["id"]
        events = follow(client, live_service.events_url(run_id))
        run = client.get(f"/api/v1/runs/{run_id}").json()
        downloaded = {
            name: client.get(output["url"]).content for name, output in run["outputs"].items()
        }

    assert events[-1].json == {"state": "COMPLETED"}
    assert run["state"] == "COMPLETED"
    assert set(downloaded) == set(expected) == {"image", "preview"}
    assert downloaded == expected


def test_a_run_shown_by_get_can_be_followed_from_its_last_event_id_without_a_repeat(
    live_service: LiveService, owner: Any
) -> None:
    source = live_service.store(b"tick\n", "tick.txt")
    run_id = live_service.submit("test.ticker", source, {"ticks": 5, "pause": 0.5}, owner)

    with live_service.client(owner) as client:
        shown = client.get(f"/api/v1/runs/{run_id}").json()
        after = follow(
            client, live_service.events_url(run_id), last_event_id=shown["last_event_id"]
        )
        whole = follow(client, live_service.events_url(run_id))

    ids = [e.id for e in whole]
    start = ids.index(shown["last_event_id"]) + 1 if shown["last_event_id"] in ids else 0
    assert [e.id for e in after] == ids[start:]
