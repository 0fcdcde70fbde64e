"""Run on a machine with an NVIDIA GPU: every book page and the torch parts of the benchmark,
on the CPU and on the GPU side by side. Writes bench/GPU.md, which `make bench` includes.

    bash bench/gpu.sh        # = make setup && .venv/bin/python -m bench.gpu
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
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


def execute_page(page: Path, device: str, timeout: float = 900) -> float:
    """Seconds to execute one page with ``convnets.device()`` forced to ``device``; nan if it fails."""
    env = {**os.environ, "CONVNETS_DEVICE": device, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    jupytext = Path(sys.executable).parent / "jupytext"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run = subprocess.run([str(jupytext), "--to", "ipynb", "--execute", str(page), "-o",
                              str(Path(tmp) / "page.ipynb")], env=env, cwd=page.parent,
                             capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0:
            print(f"bench.gpu: {page.name} failed on {device}: {run.stderr[-1500:]}", file=sys.stderr)
            return float("nan")
        return time.perf_counter() - start


def synced(fn):
    def run():
        fn()
        torch.cuda.synchronize()
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.splitlines()[0])
    parser.add_argument("--no-pages", action="store_true", help="only the torch operations (a minute or two)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench.gpu: no CUDA device here; run this on a GPU machine", file=sys.stderr)
        return 2
    import torch.nn.functional as F
    import torchvision.ops as ops

    from convnets.backbone import pretrained_backbone

    name = torch.cuda.get_device_name(0)
    cpu_name = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), platform.processor() or "unknown CPU")
    lines = [f"### Measured on {name} (CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}), "
             f"torch {torch.__version__}", "",
             f"Written by `bash bench/gpu.sh` on {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
             f"CPU columns: {cpu_name}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, load "
             f"average {os.getloadavg()[0]:.1f} at the start. Each torch figure is the median of interleaved "
             "repeats (the GPU side synchronised).", ""]
    if not args.no_pages:
        lines += ["| page | CPU s | GPU s | speed-up |", "| --- | ---: | ---: | ---: |"]
        for page in toc_pages():
            cpu, gpu = execute_page(page, "cpu"), execute_page(page, "cuda")
            lines.append(f"| {page.stem} | {cpu:.1f} | {gpu:.1f} | {cpu / gpu:.1f}x |")
            print(lines[-1], flush=True)
        lines.append("")
    lines += ["| torch operation | CPU ms | GPU ms | speed-up |", "| --- | ---: | ---: | ---: |"]
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
    print(f"bench.gpu: wrote {OUT}", file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
