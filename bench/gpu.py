"""Run on a machine with an NVIDIA GPU: every book page and the torch parts of the benchmark,
on the CPU and on the GPU side by side. Writes bench/GPU.md, which `make bench` includes.

    bash bench/gpu.sh        # = make setup && .venv/bin/python -m bench.gpu
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from bench.__main__ import CONV_SIZES, ROOT, random_boxes, side_by_side

OUT = ROOT / "bench" / "GPU.md"


def toc_pages() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        files += [chapter["file"] for chapter in part["chapters"]]
    return [ROOT / f"{f}.md" for f in files if (ROOT / f"{f}.md").read_text().count("{code-cell}")]


def execute_page(page: Path, device: str) -> float:
    env = {**os.environ, "CONVNETS_DEVICE": device}
    jupytext = Path(sys.executable).parent / "jupytext"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([str(jupytext), "--to", "ipynb", "--execute", str(page), "-o",
                        str(Path(tmp) / "page.ipynb")], check=True, env=env, cwd=page.parent,
                       capture_output=True)
        return time.perf_counter() - start


def synced(fn):
    def run():
        fn()
        torch.cuda.synchronize()
    return run


def main() -> int:
    if not torch.cuda.is_available():
        print("bench.gpu: no CUDA device here; run this on a GPU machine", file=sys.stderr)
        return 2
    import torch.nn.functional as F
    import torchvision.ops as ops

    from convnets.backbone import pretrained_backbone

    name = torch.cuda.get_device_name(0)
    lines = [f"### Measured on {name} (CUDA {torch.version.cuda}), torch {torch.__version__}", "",
             "| page | CPU s | GPU s | speed-up |", "| --- | ---: | ---: | ---: |"]
    for page in toc_pages():
        cpu, gpu = execute_page(page, "cpu"), execute_page(page, "cuda")
        lines.append(f"| {page.stem} | {cpu:.1f} | {gpu:.1f} | {cpu / gpu:.1f}x |")
    lines += ["", "| torch operation | CPU ms | GPU ms | speed-up |", "| --- | ---: | ---: | ---: |"]
    rng = np.random.default_rng(0)
    for size, (xs, ws) in CONV_SIZES.items():
        x, w = torch.randn(xs), torch.randn(ws)
        xg, wg = x.cuda(), w.cuda()
        cpu, gpu = side_by_side(lambda x=x, w=w: F.conv2d(x, w, padding=1),
                                synced(lambda x=xg, w=wg: F.conv2d(x, w, padding=1)))
        lines.append(f"| conv2d {size} {xs} x {ws} | {cpu * 1e3:.2f} | {gpu * 1e3:.3f} | {cpu / gpu:.0f}x |")
    for n in (1000, 10000):
        boxes = torch.from_numpy(random_boxes(n, rng)).float()
        scores = torch.rand(n)
        bg, sg = boxes.cuda(), scores.cuda()
        cpu, gpu = side_by_side(lambda b=boxes, s=scores: ops.nms(b, s, 0.5),
                                synced(lambda b=bg, s=sg: ops.nms(b, s, 0.5)))
        lines.append(f"| nms {n} boxes | {cpu * 1e3:.2f} | {gpu * 1e3:.3f} | {cpu / gpu:.0f}x |")
    model = pretrained_backbone(verbose=False)
    images = torch.rand(32, 3, 224, 224)
    with torch.no_grad():
        cpu_model, gpu_model = model, pretrained_backbone(verbose=False).cuda()
        gpu_images = images.cuda()
        cpu, gpu = side_by_side(lambda: cpu_model(images), synced(lambda: gpu_model(gpu_images)), repeats=3)
    lines.append(f"| EfficientNet-Lite0, 32 images 224 px | {cpu * 1e3:.0f} | {gpu * 1e3:.1f} | {cpu / gpu:.0f}x |")
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
