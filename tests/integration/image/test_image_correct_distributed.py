"""``image.correct`` through real workers gives the same bytes as in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from remedia.executor import LocalExecutor, RunState
from remedia.executor.inputs import ingest_file
from remedia.flows import decode_value, load_flow_modules
from remedia.storage import LocalStorage
from tests.media import bundled_photo
from tests.support.distributed import DistributedHarness


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_a_photo_corrected_by_workers_is_identical_to_the_local_result(
    cluster_pool, tmp_path: Path, broker: str
) -> None:
    flow = load_flow_modules().flow("image.correct")
    photo = bundled_photo("coffee.png")
    local_storage = LocalStorage(tmp_path / "local")
    local = LocalExecutor(local_storage, use_cache=False).run(
        flow, {"source": ingest_file(local_storage, photo)}, {"format": "png"}
    )
    assert local.state == RunState.COMPLETED

    cluster, service = cluster_pool.get(broker)
    harness = DistributedHarness(broker, cluster, service)
    remote = harness.submit(flow, {"source": harness.store(photo)}, {"format": "png"}).wait(90)

    assert remote.state == RunState.COMPLETED, [s.error for s in remote.steps.values()]
    for name in ("image", "preview"):
        here = decode_value(local.outputs[name])
        there = decode_value(remote.outputs[name])
        assert there.digest == here.digest, name
        assert harness.storage.read_bytes(there.key) == local_storage.read_bytes(here.key)
