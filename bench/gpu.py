"""Run on a machine with an NVIDIA GPU: every book page and the torch parts of the benchmark,
on the CPU and on the GPU side by side. Writes bench/GPU.md, which `make bench` includes.

    bash bench/gpu.sh                      # with .venv (made by `make setup` if missing)
    PYTHON=python3 bash bench/gpu.sh       # with a Python that already has torch and the page tools

The CPU pass executes the pages in parallel (each page uses one CPU thread, as in the book's
build) while the GPU pass executes them one at a time, so that GPU pages never share the card.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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


# Read the MyST page with jupytext and run it in a fresh kernel with nbclient (what MyST-NB
# does in the book's build), without nbconvert, which `jupytext --execute` would need.
EXECUTE = """
import sys, jupytext, nbclient, nbformat
page, out = sys.argv[1:]
notebook = jupytext.read(page)
nbclient.NotebookClient(notebook, kernel_name="python3", timeout=600).execute()
nbformat.write(notebook, out)
"""


def execute_page(page: Path, device: str, timeout: float = 900) -> float:
    """Seconds to execute one page with ``convnets.device()`` forced to ``device``; nan if it
    fails."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {
        **os.environ,
        "CONVNETS_DEVICE": device,
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": path,
    }
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        try:
            run = subprocess.run(
                [sys.executable, "-c", EXECUTE, str(page), str(Path(tmp) / "page.ipynb")],
                env=env,
                cwd=page.parent,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            print(
                f"bench.gpu: {page.name} on {device}: over {timeout:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            return float("nan")
        seconds = time.perf_counter() - start
        if run.returncode != 0:
            error = re.sub(r"\x1b\[[0-9;]*m", "", run.stderr)  # no colours
            cell = (
                error.split("------------------", 2)[1]
                if error.count("------------------") >= 2
                else ""
            )
            print(
                f"bench.gpu: {page.name} failed on {device}; the cell:{cell[-1500:]}\nthe error: "
                f"{error[-1500:]}",
                file=sys.stderr,
                flush=True,
            )
            return float("nan")
        print(f"bench.gpu: {page.stem} on {device}: {seconds:.1f} s", file=sys.stderr, flush=True)
        return seconds


def page_rows(pages: list[Path], workers: int) -> list[str]:
    """CPU pass in parallel (one thread per page), GPU pass one page at a time, both at once."""
    with ThreadPoolExecutor(max(1, min(workers, len(pages)))) as pool:
        on_cpu = [pool.submit(execute_page, page, "cpu") for page in pages]
        on_gpu = [execute_page(page, "cuda") for page in pages]
        cpu = [future.result() for future in on_cpu]

    def seconds(s: float) -> str:
        return f"{s:.1f}" if np.isfinite(s) else "**failed**"

    rows = ["| page | CPU s | GPU s | speed-up |", "| --- | ---: | ---: | ---: |"]
    for page, c, g in zip(pages, cpu, on_gpu, strict=True):
        rows.append(
            f"| {page.stem} | {seconds(c)} | {seconds(g)} | "
            f"{f'{c / g:.1f}x' if np.isfinite(c / g) else '-'} |"
        )
    total_cpu, total_gpu = sum(cpu), sum(on_gpu)  # nan when a page failed
    rows.append(
        f"| all pages | {seconds(total_cpu)} | {seconds(total_gpu)} | "
        f"{f'{total_cpu / total_gpu:.1f}x' if np.isfinite(total_cpu / total_gpu) else '-'} |"
    )
    return rows


def synced(fn):
    def run():
        fn()
        torch.cuda.synchronize()

    return run


def torch_rows() -> list[str]:
    import torch.nn.functional as F
    import torchvision.ops as ops

    from convnets.backbone import pretrained_backbone

    rows = ["| torch operation | CPU ms | GPU ms | speed-up |", "| --- | ---: | ---: | ---: |"]
    rng = np.random.default_rng(0)
    for size, (xs, ws) in CONV_SIZES.items():
        x, w = torch.randn(xs), torch.randn(ws)
        xg, wg = x.cuda(), w.cuda()
        cpu, gpu = side_by_side(
            lambda x=x, w=w: F.conv2d(x, w, padding=1),
            synced(lambda x=xg, w=wg: F.conv2d(x, w, padding=1)),
        )
        rows.append(
            f"| conv2d {size} {xs} x {ws}, float32 | {cpu * 1e3:.2f} | {gpu * 1e3:.3f} "
            f"| {cpu / gpu:.0f}x |"
        )
    for n in (1000, 10000):
        boxes = torch.from_numpy(random_boxes(n, rng)).float()
        scores = torch.rand(n)
        bg, sg = boxes.cuda(), scores.cuda()
        cpu, gpu = side_by_side(
            lambda b=boxes, s=scores: ops.nms(b, s, 0.5),
            synced(lambda b=bg, s=sg: ops.nms(b, s, 0.5)),
        )
        rows.append(f"| nms {n} boxes | {cpu * 1e3:.2f} | {gpu * 1e3:.3f} | {cpu / gpu:.0f}x |")
    images = torch.rand(32, 3, 224, 224)
    with torch.no_grad():
        cpu_model = pretrained_backbone(verbose=False).eval()
        gpu_model = pretrained_backbone(verbose=False).eval().cuda()
        gpu_images = images.cuda()
        cpu, gpu = side_by_side(
            lambda: cpu_model(images), synced(lambda: gpu_model(gpu_images)), repeats=3
        )
    rows.append(
        f"| EfficientNet-Lite0 forward, 32 images 224 px | {cpu * 1e3:.0f} | {gpu * 1e3:.1f} | "
        f"{cpu / gpu:.0f}x |"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gpu", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--no-pages", action="store_true", help="only the torch operations (a minute or two)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench.gpu: no CUDA device here; run this on a GPU machine", file=sys.stderr)
        return 2
    import torchvision

    name = torch.cuda.get_device_name(0)
    cpu_name = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    cores = os.cpu_count() or 1
    lines = [
        f"### Measured on {name} (CUDA {torch.version.cuda}, cuDNN "
        f"{torch.backends.cudnn.version()})",
        "",
        "Written by `bash bench/gpu.sh` on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} with "
        f"Python {platform.python_version()}, torch {torch.__version__}, torchvision "
        f"{torchvision.__version__}"
        f" (the GPU machine's own; the course pins torch 2.14.1). CPU columns: the same machine's "
        f"{cpu_name}, "
        f"{cores} cores; load average {os.getloadavg()[0]:.1f} at the start.",
        "",
    ]

    def save(extra: list[str]) -> None:
        args.out.write_text("\n".join(lines + extra) + "\n")

    if not args.no_pages:
        started = time.perf_counter()
        lines += [
            "Every book page executed from its source (read by jupytext, run by nbclient in a "
            "fresh kernel) with `CONVNETS_DEVICE=cpu` "
            "and with `CONVNETS_DEVICE=cuda`. The CPU pass uses one CPU thread per page, as the "
            "book's "
            "build does (`convnets.page_setup`), and runs its pages in parallel on the spare "
            "cores; the "
            "GPU pass runs one page at a time. A page's seconds include starting its kernel, "
            "imports "
            "and, on the GPU, CUDA's start-up.",
            "",
        ]
        lines += page_rows(toc_pages(), workers=max(1, cores - 2))
        lines += ["", f"(Both passes took {time.perf_counter() - started:.0f} s of wall time.)", ""]
        save([])
    lines += [
        "Torch operations, median of interleaved repeats (the GPU side synchronised), all CPU "
        "threads:",
        "",
    ]
    lines += torch_rows()
    save([])
    print(f"bench.gpu: wrote {args.out}", file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
