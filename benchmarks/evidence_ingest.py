"""Ingesting one 12-megapixel photo as evidence, against a plain full decode of it.

The photo is a 4000×3000 JPEG made by Pillow (a gradient with noise, so it compresses as a
photo does, about 4 MB) carrying EXIF capture time and GPS. Ingest is what the bot does with a
photo: `inspect_image` (byte limit, header and bomb check, verify, a real decode of a
draft-mode thumbnail, EXIF, SHA-256) and `store` (the file and its thumbnail written to a
fresh directory: temp file, fsync, rename, directory fsync). The floor is
`Image.open(...).load()` of the same bytes: one full decode, the least any check that decodes
the picture could cost. Best of --repeat alternating runs of each. Target: ratio ≤ 1.0.

    python -m benchmarks.evidence_ingest [--repeat 7]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from PIL import Image

from storage.evidence_store import PhotoLimits, inspect_image, store
from tests.evidence_images import exif_of, jpeg

SIZE = (4000, 3000)


def ingest(data: bytes, evidence_dir: Path) -> float:
    started = time.perf_counter()
    facts = inspect_image(data, PhotoLimits())
    store(data, facts, evidence_dir)
    return time.perf_counter() - started


def full_decode(data: bytes) -> float:
    started = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    data = jpeg(SIZE, seed=12, exif=exif_of(datetime(2026, 11, 3, 9, 30, 5), 38.8739, 115.4646))
    ingests, decodes = [], []
    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as folder:
        for run in range(args.repeat):
            # A fresh directory each run: the file is really written (store skips a known one).
            ingests.append(ingest(data, Path(folder) / f"run{run}"))
            decodes.append(full_decode(data))
    mine, floor = min(ingests), min(decodes)
    ratio = mine / floor
    print(f"photo                 {SIZE[0]}×{SIZE[1]} JPEG, {len(data) / 1e6:.1f} MB, with EXIF")
    print(f"ingest (best of {args.repeat})    {mine * 1000:.0f} ms")
    print(f"full decode (floor)   {floor * 1000:.0f} ms")
    print(f"ratio                 {ratio:.2f} (target ≤ 1.0)")
    sys.exit(0 if ratio <= 1.0 else 1)


if __name__ == "__main__":
    main()
