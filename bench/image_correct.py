"""Benchmark image.correct on a 12-megapixel JPEG against ImageMagick, measured in the same run.

Run by hand:  .venv/bin/python bench/image_correct.py [--repeat 3]

Each measurement runs in its own child process; its peak RSS comes from ``os.wait4`` (the child
and every process it waited for, e.g. the executor's step processes). This script itself imports
nothing heavy, because Linux counts a parent's peak RSS into a freshly started child's.

Three ways are timed:

- memory:   the pure functions chained on one in-memory array (the floor);
- steps:    the step functions chained in one process, each reading and writing its artifact;
- executor: the flow through LocalExecutor, every step in its own forked process;

against ``convert IN -auto-level -auto-gamma OUT``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WIDTH, HEIGHT = 4000, 3000


def make_input(path: Path) -> None:
    """A real photo upscaled to 12 MP, with a warm cast and mild noise, saved as JPEG q90."""
    import cv2
    import numpy as np
    import skimage.data
    from PIL import Image

    from remedia.flows.image.colour import to_linear, to_srgb8

    big = cv2.resize(skimage.data.astronaut(), (WIDTH, HEIGHT), interpolation=cv2.INTER_LANCZOS4)
    warm = to_srgb8(to_linear(big) * np.array([1.0, 0.8, 0.55], np.float32))
    noise = np.random.default_rng(0).normal(0, 2, warm.shape)
    Image.fromarray(np.clip(warm + noise, 0, 255).astype(np.uint8)).save(path, quality=90)


def work(mode: str, source: Path, out_dir: Path) -> float:
    """Correct ``source`` once in this process; returns seconds."""
    from remedia.flows import load_flow_modules

    load_flow_modules()
    started = time.perf_counter()
    {"memory": _memory, "steps": _steps, "executor": _executor}[mode](source, out_dir)
    return time.perf_counter() - started


def _memory(source: Path, out_dir: Path) -> None:
    from remedia.flows.image.decode import decode_image
    from remedia.flows.image.encode import encode_image
    from remedia.flows.image.exposure import estimate_levels
    from remedia.flows.image.resize import resize_long_edge
    from remedia.flows.image.tone import apply_tone
    from remedia.flows.image.white_balance import estimate_gains

    pixels = decode_image(source).pixels
    gains = estimate_gains(pixels).gains
    pixels = apply_tone(pixels, gains, estimate_levels(pixels, gains))
    (out_dir / "out.jpg").write_bytes(encode_image(pixels, "jpeg", quality=90))
    (out_dir / "preview.jpg").write_bytes(encode_image(resize_long_edge(pixels, 512), "jpeg"))


def _steps(source: Path, out_dir: Path) -> None:
    from remedia.flows import StepContext
    from remedia.flows.image import steps
    from remedia.storage import LocalStorage

    storage = LocalStorage(out_dir / "storage")
    artifact = _upload(storage, source)

    def run(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        ctx = StepContext(storage=storage, output_prefix=f"bench/{fn.__name__}")
        try:
            return fn.fn(ctx, *args, **kwargs)
        finally:
            ctx.close()

    pixels = run(steps.decode, artifact)["pixels"]
    balance = run(steps.analyse_white_balance, pixels)
    levels = run(steps.analyse_exposure, pixels, balance)
    toned = run(steps.apply_tone, pixels, balance, levels)
    run(steps.encode, toned)
    run(steps.preview, toned)


def _executor(source: Path, out_dir: Path) -> None:
    from remedia.executor import LocalExecutor
    from remedia.flows import catalogue
    from remedia.storage import LocalStorage

    storage = LocalStorage(out_dir / "storage")
    flow = catalogue.flow("image.correct")
    run = LocalExecutor(storage, use_cache=False).run(flow, {"source": _upload(storage, source)})
    if run.state != "COMPLETED":
        raise SystemExit(f"run ended {run.state}: {run.error}")


def _upload(storage, source: Path):  # type: ignore[no-untyped-def]
    from remedia.flows import Artifact

    stored = storage.put_file("inputs/source.jpg", source)
    return Artifact(key=stored.key, digest=stored.digest, size=stored.size)


def measure(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of the process tree, stdout) of one child process.

    The child is reaped with ``os.wait4`` so its own resource usage (including every process
    it waited for) is read, not the running maximum over all of this script's children.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


def find_imagemagick() -> str | None:
    """The ``convert`` command if it is ImageMagick (not a stand-in or GraphicsMagick)."""
    convert = shutil.which("convert")
    if convert is None:
        return None
    probe = subprocess.run([convert, "-version"], capture_output=True, text=True, check=False)
    return convert if "ImageMagick" in probe.stdout else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", nargs=3, metavar=("MODE", "IN", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--make-input", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_input:
        make_input(Path(args.make_input))
        return
    if args.worker:
        import resource

        mode, source, out = args.worker
        seconds = work(mode, Path(source), Path(out))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children) / 1024
        print(f"{seconds:.6f} {peak:.1f}")
        return
    convert = find_imagemagick()
    if convert is None:
        print("ImageMagick `convert` is not installed; install it (apt-get install -y imagemagick)")
        print("to compare. Measuring image.correct alone.")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "input-12mp.jpg"
        # In a child: a child's peak RSS starts at its parent's, so this process stays small.
        measure([sys.executable, __file__, "--make-input", str(source)])
        print(f"input: {WIDTH}x{HEIGHT} JPEG q90, {source.stat().st_size / 1e6:.1f} MB")
        results = {}
        for mode in ("memory", "steps", "executor"):
            results[mode] = _best(args.repeat, lambda m=mode: _ours(m, source, Path(tmp)))
        if convert:
            target = str(Path(tmp) / "magick.jpg")
            command = [convert, str(source), "-auto-level", "-auto-gamma", target]
            results["imagemagick"] = _best(args.repeat, lambda: measure(command)[:2])
        _report(results)


def _ours(mode: str, source: Path, tmp: Path) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(dir=tmp))
    command = [sys.executable, __file__, "--worker", mode, str(source), str(out)]
    _, _, stdout = measure(command)
    seconds, peak = (float(x) for x in stdout.split())
    shutil.rmtree(out)
    return seconds, peak


def _best(repeat: int, once) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    runs = [once() for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def _report(results: dict[str, tuple[float, float]]) -> None:
    print(f"{'':24s}{'ms / image':>12s}{'peak RSS MB':>14s}")
    for name, (seconds, peak) in results.items():
        print(f"{name:24s}{seconds * 1000:12.0f}{peak:14.0f}")
    if "imagemagick" in results:
        magick_s, magick_mb = results["imagemagick"]
        for name in ("steps", "executor"):
            seconds, peak = results[name]
            print(
                f"{name} vs ImageMagick: {magick_s / seconds:.1f}x faster, "
                f"{peak / magick_mb:.2f}x the memory"
            )
    steps_s, memory_s = results["steps"][0], results["memory"][0]
    print(f"steps vs in-memory chain: {steps_s / memory_s:.2f}x the time")


if __name__ == "__main__":
    main()
