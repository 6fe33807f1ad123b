"""Peak memory of a worker re-encoding four worst-case photo uploads at once.

Each scenario runs in a fresh Python process (so peaks don't mix), which starts four threads that
hand the same upload to the re-encoder at the same moment, as four requests to one threaded
worker would. It prints the process's resident memory before, and its high-water mark during the
uploads (Linux's VmHWM, reset just before), and, as the baseline in the same run, the re-encoding
as it was before the security review: a full decode of up to 40 megapixels, four at a time.

    .venv/bin/python bench/uploads.py
"""

import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CONCURRENT = 4


def worst_cases() -> dict[str, bytes]:
    """Small files that decode to as many pixels as each limit lets through."""
    from PIL import Image

    cases = {}
    png = io.BytesIO()
    Image.new("RGB", (4898, 4898), (30, 120, 90)).save(png, "PNG")  # 23.99 MP
    cases["PNG 4898x4898 (24 MP)"] = png.getvalue()
    jpeg = io.BytesIO()
    Image.linear_gradient("L").resize((6000, 4000)).convert("RGB").save(jpeg, "JPEG", quality=80)
    cases["JPEG 6000x4000 (24 MP)"] = jpeg.getvalue()
    old = io.BytesIO()
    Image.new("RGB", (6300, 6300), (30, 120, 90)).save(old, "PNG")  # 39.7 MP, the review's file
    cases["PNG 6300x6300 (39.7 MP)"] = old.getvalue()
    return cases


def old_reencode(data: bytes) -> None:
    """The pre-review code path: verify, then decode at full size and make two JPEGs."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = 40_000_000
    with Image.open(io.BytesIO(data)) as probe:
        probe.verify()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        upright = ImageOps.exif_transpose(image).convert("RGB")
        for side in (1600, 400):
            copy = upright.copy()
            copy.thumbnail((side, side), Image.Resampling.LANCZOS)
            copy.save(io.BytesIO(), format="JPEG", quality=85, optimize=True)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> int:
    """Start the peak (VmHWM) from the memory in use now, so that imports don't hide it."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def run_one(path: str, variant: str) -> dict:
    """In this (fresh) process: idle peak, then four concurrent uploads; returns the figures."""
    data = Path(path).read_bytes()
    from flask import Flask
    from PIL import Image, ImageOps  # noqa: F401 - loaded before the idle reading

    from pb.proposals.photos import PhotoError, prepare_photo

    app = Flask(__name__)
    idle = _reset_peak()
    outcomes, barrier = [], threading.Barrier(CONCURRENT)

    def upload():
        barrier.wait()
        try:
            if variant == "now":
                with app.app_context():
                    prepare_photo(io.BytesIO(data))
            else:
                old_reencode(data)
            outcomes.append("accepted")
        except PhotoError as error:
            outcomes.append(f"refused ({error.code})")
        except Exception as error:  # the old path's own refusals
            outcomes.append(f"refused ({error.__class__.__name__})")

    started = time.perf_counter()
    threads = [threading.Thread(target=upload) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    return {
        "idle_mb": idle / 1024,
        "peak_mb": peak / 1024,
        "seconds": elapsed,
        "outcome": ", ".join(sorted(set(outcomes))),
        "bytes": len(data),
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], sys.argv[3])))
        return
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for index, (case, data) in enumerate(worst_cases().items()):
            path = Path(folder) / f"case{index}"
            path.write_bytes(data)
            for variant in ("before", "now"):
                output = subprocess.run(
                    [sys.executable, __file__, "--one", str(path), variant],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                rows.append((case, variant, json.loads(output)))
    print(
        f"{CONCURRENT} concurrent uploads in one worker process; idle = resident memory before, "
        "peak = the process's high-water mark (VmHWM) during the uploads\n"
    )
    header = f"{'upload':<26} {'code':<7} {'file':>8} {'idle':>8} {'peak':>8} {'added':>8} "
    print(header + f"{'time':>7}  outcome")
    for case, variant, r in rows:
        print(
            f"{case:<26} {variant:<7} {r['bytes'] / 1024:>6.0f}kB {r['idle_mb']:>6.0f}MB "
            f"{r['peak_mb']:>6.0f}MB {r['peak_mb'] - r['idle_mb']:>6.0f}MB "
            f"{r['seconds']:>6.2f}s  {r['outcome']}"
        )


if __name__ == "__main__":
    main()
