"""A steady GPU load for tracking checks: bf16 matrix products for SECONDS seconds.

    python3 gpu_load.py SECONDS

Writes its progress (0..1) to $MLCARBON_PROGRESS_FILE when `mlcarbon run` sets it, so the
tracker's prediction at completion can be compared with the measured total.
"""
import os
import sys
import time

import torch

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
progress_file = os.environ.get("MLCARBON_PROGRESS_FILE")
a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
start = time.monotonic()
products = 0
last_report = 0.0
while (elapsed := time.monotonic() - start) < seconds:
    for _ in range(20):
        c = a @ b
    torch.cuda.synchronize()
    products += 20
    if progress_file and elapsed - last_report >= 1.0:
        with open(progress_file, "w") as f:
            f.write(f"{min(elapsed / seconds, 1.0):.4f}\n")
        last_report = elapsed
flops = 2 * 8192**3 * products
print(f"gpu_load: {products} products in {elapsed:.1f} s, {flops / elapsed / 1e12:.0f} TFLOP/s")
