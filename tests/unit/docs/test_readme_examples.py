"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_a_flow_example() -> None:
    assert python_blocks(), "the README shows how to write a flow"


def test_every_python_example_in_the_readme_runs(tmp_path: Path) -> None:
    from remedia.executor import LocalExecutor, RunState
    from remedia.executor.inputs import ingest_file
    from remedia.flows import decode_value
    from remedia.storage import LocalStorage

    namespace: dict[str, object] = {"__name__": "readme_example"}
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    source = tmp_path / "words.txt"
    source.write_text("hello")
    storage = LocalStorage(tmp_path / "storage")
    run = LocalExecutor(storage).run(
        namespace["shout_flow"], {"text": ingest_file(storage, source)}, {"times": 2}
    )
    assert run.state == RunState.COMPLETED
    assert storage.read_bytes(decode_value(run.outputs["result"]).key) == b"HELLO!!"
