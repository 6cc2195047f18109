#!/usr/bin/env python3
"""Build mlcarbon's hardware reference tables from the read-only reference copies (shared/reference).

Usage: python3 hw_build.py [REFERENCE_DIR] [OUT_DIR]
  REFERENCE_DIR  default: $MLCARBON_REFERENCE, else ../../../../shared/reference relative to this file
  OUT_DIR        default: $MLCARBON_BUILD_OUT, else out/ next to this file
Writes into OUT_DIR (only these files): hardware.csv, cpus.csv, _constants_hardware.csv,
_sources_hardware.csv (merge.py turns the _*.csv fragments into data/sources.csv and data/constants.csv).
The hardware part of data/SOURCES.md is written by hand. Standard library only.
"""
import csv
import glob
import io
import os
import re
import statistics
import sys
import unicodedata
from collections import defaultdict, Counter

HERE = os.path.dirname(os.path.abspath(__file__))
REF = (sys.argv[1] if len(sys.argv) > 1 else
       os.environ.get("MLCARBON_REFERENCE", os.path.join(HERE, "..", "..", "..", "..", "shared", "reference")))
OUT = (sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MLCARBON_BUILD_OUT", os.path.join(HERE, "out")))

# --------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------
SOURCES = [
    # id, title, publisher, url, license, year, notes
    ("mlco2-impact", "Machine Learning Emissions Calculator data: data/gpus.csv", "mlco2 (Lacoste, Luccioni, Schmidt, Dandres)",
     "https://github.com/mlco2/impact", "MIT", 2026,
     "snapshot commit d0d3ee5a71ea222ac344a94900642ed2ce649af4 (2026-03-09); each upstream row names its own origin (TechPowerUp, NVIDIA, Intel ARK, AMD, Patterson et al. 2021)"),
    ("patterson-2021", "Carbon Emissions and Large Neural Network Training", "Patterson et al. (Google, UC Berkeley)",
     "https://arxiv.org/abs/2104.10350", "facts", 2021,
     "mean measured system power per TPU v2 / v3 chip during training (system_power_w), as carried in mlco2 gpus.csv"),
    ("codecarbon-cpu-power", "CodeCarbon CPU power table (codecarbon/data/hardware/cpu_power.csv) and CPU dataset builder scrapes", "CodeCarbon (Mila, BCG Gamma, Comet, Haverford College; Code Carbon NGO)",
     "https://github.com/mlco2/codecarbon", "MIT", 2026,
     "cpu_power.csv from PyPI wheel codecarbon 3.3.2 (built 2026-10-23); cores and launch dates from cpu_dataset_builder/*.csv at git commit b05965e43b690cdc53787c7577adbe6e2caf4ed9 (Intel ARK and AMD scrapes)"),
    ("green-algorithms-v3", "Green Algorithms calculator data v3.0 (TDP_cpu.csv, TDP_gpu.csv, referenceValues.csv)", "Lannelongue, Grealey & Inouye (Green Algorithms)",
     "https://github.com/GreenAlgorithms/green-algorithms-tool", "CC-BY-4.0", 2025,
     "snapshot commit 30df2feead1c7f5db87a3d86ca1239470a0cd415 (2025-02-05); cite Lannelongue et al., Advanced Science 2021"),
    ("karyakin-salem-2017", "An analysis of memory power consumption in database systems (DaMoN 2017)", "Karyakin & Salem",
     "https://doi.org/10.1145/3076113.3076117", "facts", 2017,
     "primary source named by Green Algorithms for 0.3725 W/GB"),
    ("ccf-app", "Cloud Carbon Footprint estimation constants (MEMORY_COEFFICIENT)", "Thoughtworks (Cloud Carbon Footprint)",
     "https://github.com/cloud-carbon-footprint/cloud-carbon-footprint", "Apache-2.0", 2024,
     "commit b7a049c7d25c0022919ab9010199dd9e77aa4577; 0.000392 kWh per GB-hour used as the high end of the RAM range"),
    ("zeus-nsdi23", "Zeus NSDI'23 GPU power traces (summary_power_{a40,p100,rtx6000,v100}.csv)", "ML.ENERGY / You, Chung, Chowdhury (NSDI 2023)",
     "https://github.com/ml-energy/zeus", "Apache-2.0", 2023,
     "commit 75a8b9398034eb9baf74ca0a830c2c31bcce52cd, examples/research_reproducibility/zeus_nsdi23/trace/"),
    # vendor documents (facts)
    ("nvidia-v100-datasheet", "NVIDIA Tesla V100 / V100S datasheet and V100 PCIe product brief PB-08744-001", "NVIDIA",
     "https://images.nvidia.com/content/tesla/pdf/Tesla-V100-PCIe-Product-Brief.pdf", "facts", 2017,
     "V100 SXM2 300 W, V100 PCIe 250 W, V100S PCIe 250 W; URL is the PCIe product brief"),
    ("nvidia-a100-datasheet", "NVIDIA A100 Tensor Core GPU datasheet (1758950-r4)", "NVIDIA",
     "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf", "facts", 2021,
     "A100 PCIe 40GB 250 W, PCIe 80GB 300 W, SXM4 400 W; dense = half of the sparsity figures"),
    ("nvidia-h100-datasheet", "NVIDIA H100 Tensor Core GPU datasheet", "NVIDIA",
     "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet", "facts", 2023,
     "H100 SXM 700 W, H100 NVL 350-400 W; headline tensor figures are with sparsity"),
    ("nvidia-h100-pcie-brief", "NVIDIA H100 PCIe GPU product brief PB-11133-001", "NVIDIA", "", "facts", 2022,
     "'maximum TDP level of 350 W'"),
    ("nvidia-h200-datasheet", "NVIDIA H200 Tensor Core GPU datasheet", "NVIDIA", "https://www.nvidia.com/en-us/data-center/h200/", "facts", 2024,
     "H200 SXM up to 700 W, H200 NVL up to 600 W"),
    ("nvidia-b200-datasheet", "NVIDIA Blackwell / HGX B200 datasheet", "NVIDIA", "", "facts", 2025,
     "B200 in HGX configured at 1000 W"),
    ("nvidia-l4-brief", "NVIDIA L4 product brief PB-11316-001", "NVIDIA",
     "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/l4/PB-11316-001_v01.pdf", "facts", 2023, ""),
    ("nvidia-l40s-datasheet", "NVIDIA L40S datasheet", "NVIDIA", "https://resources.nvidia.com/en-us-l40s/l40s-datasheet-28413", "facts", 2023, ""),
    ("nvidia-l40-datasheet", "NVIDIA L40 datasheet", "NVIDIA", "", "facts", 2022, ""),
    ("nvidia-t4-datasheet", "NVIDIA T4 Tensor Core GPU datasheet (951643)", "NVIDIA",
     "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf", "facts", 2019, ""),
    ("nvidia-a10-datasheet", "NVIDIA A10 Tensor Core GPU datasheet", "NVIDIA", "", "facts", 2021, ""),
    ("nvidia-a40-brief", "NVIDIA A40 GPU accelerator product brief PB-09976-001 / A40 datasheet", "NVIDIA", "", "facts", 2021, ""),
    ("nvidia-a30-datasheet", "NVIDIA A30 Tensor Core GPU datasheet", "NVIDIA", "", "facts", 2021, ""),
    ("nvidia-a2-datasheet", "NVIDIA A2 Tensor Core GPU datasheet", "NVIDIA", "", "facts", 2021, "40-60 W configurable"),
    ("nvidia-rtx-a-datasheets", "NVIDIA RTX A4000 / A5000 / A6000 datasheets", "NVIDIA",
     "https://nvdam.widen.net/s/wrqrqt75vh/nvidia-rtx-a5000-datasheet", "facts", 2021,
     "tensor figures are with sparsity; URL is the A5000 datasheet"),
    ("nvidia-rtx-6000-ada-datasheet", "NVIDIA RTX 6000 Ada Generation datasheet", "NVIDIA", "", "facts", 2022, ""),
    ("nvidia-ampere-ga102-whitepaper", "NVIDIA Ampere GA102 GPU architecture whitepaper", "NVIDIA", "", "facts", 2020,
     "GeForce tensor FP16 figures given with FP16 and with FP32 accumulate"),
    ("nvidia-ada-whitepaper", "NVIDIA Ada GPU architecture whitepaper v2.1", "NVIDIA",
     "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/l4/nvidia-ada-gpu-architecture-whitepaper-v2.1.pdf", "facts", 2023, ""),
    ("nvidia-blackwell-gb202-whitepaper", "NVIDIA RTX Blackwell (GB202) GPU architecture whitepaper", "NVIDIA", "", "facts", 2025, ""),
    ("nvidia-turing-whitepaper", "NVIDIA Turing GPU architecture whitepaper", "NVIDIA", "", "facts", 2018,
     "GeForce RTX 2080/2080 Ti tensor FP16 with FP32 accumulate run at half the FP16-accumulate rate"),
    ("nvidia-p100-datasheet", "NVIDIA Tesla P100 datasheet (PCIe and NVLink)", "NVIDIA",
     "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-p100/pdf/nvidia-tesla-p100-PCIe-datasheet.pdf", "facts", 2016, ""),
    ("nvidia-jetson-datasheets", "NVIDIA Jetson AGX Orin and Jetson Nano module datasheets", "NVIDIA", "", "facts", 2022,
     "AGX Orin 64GB up to 60 W module power; Jetson Nano 5 W / 10 W modes, 472 GFLOPS FP16"),
    ("amd-mi250-datasheet", "AMD Instinct MI250 / MI250X datasheets", "AMD", "", "facts", 2021, ""),
    ("amd-mi300x-datasheet", "AMD Instinct MI300X datasheet", "AMD", "", "facts", 2023, ""),
    ("amd-mi325x-datasheet", "AMD Instinct MI325X datasheet", "AMD", "", "facts", 2024, ""),
    ("intel-gaudi2-whitepaper", "Intel Habana Gaudi2 whitepaper (HL-225H)", "Intel Habana", "", "facts", 2022, ""),
    ("intel-gaudi-hotchips-2024", "Intel Gaudi 3 AI Accelerator: Architected for Gen AI Training and Inference (Hot Chips 2024)",
     "Intel (R. Kaplan)", "https://hc2024.hotchips.org/", "facts", 2024,
     "product table: TDP (OAM) Gaudi 400 W, Gaudi 2 600 W, Gaudi 3 900 W air / 1200 W liquid; peak BF16 60 / 432 / 1835 TFLOPS; read in a stored copy of the slides"),
    ("jouppi-2020", "A domain-specific supercomputer for training deep neural networks", "Jouppi et al. (Google), Communications of the ACM 63(7)",
     "https://doi.org/10.1145/3360307", "facts", 2020, "TPU v3 TDP 450 W per chip, as compiled in the references' curated accelerators table"),
    ("gh200-module-power", "NVIDIA Grace Hopper guide (module thermal design power up to 1000 W)", "artificial-intelligence-wiki.com (secondary)",
     "https://artificial-intelligence-wiki.com/ai-development/ai-hardware-infrastructure/nvidia-grace-hopper-guide", "facts", 2025,
     "secondary page; NVIDIA's GH200 datasheet gives the configurable module power (not in stored text here)"),
    ("intel-gaudi3-whitepaper", "Intel Gaudi 3 AI accelerator whitepaper (HL-325L)", "Intel", "", "facts", 2024, ""),
    ("google-cloud-tpu-v4", "Cloud TPU v4 documentation; Jouppi et al. ISCA 2023 (arXiv:2304.01433)", "Google",
     "https://cloud.google.com/tpu/docs/v4", "facts", 2023, "192 W max per chip; mean 170 W in Jouppi et al. 2023"),
    ("google-cloud-tpu-v5e", "Cloud TPU v5e documentation (per-chip specifications)", "Google",
     "https://cloud.google.com/tpu/docs/v5e", "facts", 2023,
     "197 BF16 TFLOPS and 16 GB HBM per chip, as compiled in the references' curated accelerators table; no power figure published"),
    ("google-cloud-tpu-v5p", "Cloud TPU v5p documentation (per-chip specifications)", "Google",
     "https://cloud.google.com/tpu/docs/v5p", "facts", 2023,
     "459 BF16 TFLOPS and 95 GB HBM per chip, as compiled in the references' curated accelerators table; no power figure published"),
    ("google-cloud-tpu-v6e", "Cloud TPU v6e (Trillium) documentation (per-chip specifications)", "Google",
     "https://cloud.google.com/tpu/docs/v6e", "facts", 2024,
     "918 BF16 TFLOPS and 32 GB HBM per chip, as compiled in the references' curated accelerators table; no power figure published"),
]

# --------------------------------------------------------------------------------------
# Hardware rows
# --------------------------------------------------------------------------------------
HW_COLS = ["id", "name", "aliases", "vendor", "kind", "power_w", "power_kind", "system_power_w", "memory_gb",
           "fp32_tflops", "fp16_tflops_dense", "bf16_tflops_dense", "release_year", "family_default", "source", "year",
           "notes"]


def hw(id, name, aliases, vendor, kind, power_w, power_kind, memory_gb, fp32, fp16, bf16, release_year, source,
       year=None, notes="", mlco2=None, system_power_w=None, family_default=False):
    """mlco2: the verbatim `name` of mlco2 gpus.csv that maps to this row (must be an alias)."""
    # family_default: the "most common data-centre variant" a family name (`A100`) resolves to, the SXM form of
    # the 8-GPU servers (HGX/DGX) cloud GPU instances use; the lookup's note states the assumption when used.
    al = []
    if mlco2:
        al.append(mlco2)
    al += aliases
    return dict(id=id, name=name, aliases=al, vendor=vendor, kind=kind, power_w=power_w, power_kind=power_kind,
                system_power_w=system_power_w, family_default="yes" if family_default else "",
                memory_gb=memory_gb, fp32_tflops=fp32, fp16_tflops_dense=fp16, bf16_tflops_dense=bf16,
                release_year=release_year, source=source, year=year if year is not None else release_year,
                notes=notes, mlco2=mlco2)


N = None
HW = [
    # ---------------- NVIDIA Hopper / Blackwell ----------------
    hw("nvidia-h100-sxm5-80gb", "H100 SXM5 80GB", ["NVIDIA H100 80GB HBM3", "H100 SXM5 80GB", "H100 SXM5", "H100-SXM5-80GB"],
       "NVIDIA", "gpu", 700, "tdp", 80, 67, 989.4, 989.4, 2022, "nvidia-h100-datasheet",
       notes="mlco2 lists TFLOPS32 989 / TFLOPS16 1979: 989 is dense FP16 tensor and 1979 the sparse FP16 tensor figure; FP32 non-tensor is 67",
       mlco2="H100 SXM", family_default=True),
    hw("nvidia-h100-pcie-80gb", "H100 PCIe 80GB", ["NVIDIA H100 PCIe", "H100 PCIe", "H100 PCIe 80GB"],
       "NVIDIA", "gpu", 350, "tdp", 80, 51, 756, 756, 2022, "nvidia-h100-pcie-brief",
       notes="dense = half of the sparsity figures"),
    hw("nvidia-h100-nvl-94gb", "H100 NVL 94GB", ["NVIDIA H100 NVL", "H100 NVL 94GB"],
       "NVIDIA", "gpu", 400, "tdp", 94, 60, 835.5, 835.5, 2023, "nvidia-h100-datasheet",
       notes="per GPU of the NVL pair; configurable 350-400 W; mlco2 lists 835/1671 as TFLOPS32/16 (dense and sparse FP16 tensor)",
       mlco2="H100 NVL"),
    hw("nvidia-h200-sxm-141gb", "H200 SXM 141GB", ["NVIDIA H200", "H200 SXM", "H200 SXM 141GB"],
       "NVIDIA", "gpu", 700, "tdp", 141, 67, 989.4, 989.4, 2024, "nvidia-h200-datasheet",
       notes="up to 700 W; same compute as H100 SXM with 141 GB HBM3e", family_default=True),
    hw("nvidia-h200-nvl-141gb", "H200 NVL 141GB", ["NVIDIA H200 NVL", "H200 NVL"],
       "NVIDIA", "gpu", 600, "tdp", 141, 60, 835.5, 835.5, 2024, "nvidia-h200-datasheet",
       notes="up to 600 W"),
    hw("nvidia-gb200", "GB200 (per B200 GPU)", ["NVIDIA GB200", "GB200", "GB200 NVL72"],
       "NVIDIA", "gpu", 1200, "tdp", 192, 90, 2500, 2500, 2025, "nvidia-b200-datasheet",
       notes="one Blackwell GPU of a GB200 superchip (two GPUs and one Grace CPU per superchip), configured at 1200 W with 2500 BF16 dense and 90 FP32 (NVIDIA Blackwell datasheet as compiled in the references' curated B200 row); the Grace CPU is not included; 192 GB HBM3e per GPU as listed by secondary pages"),
    hw("nvidia-gh200", "GH200 Grace Hopper Superchip", ["NVIDIA GH200", "GH200", "Grace Hopper"],
       "NVIDIA", "gpu", 1000, "tdp", 96, N, N, N, 2023, "gh200-module-power",
       notes="up to 1000 W for the whole module: Grace CPU, Hopper GPU and their memory (configurable lower); the GPU's share is not published, so count the host CPU inside this figure, not again; 96 GB HBM3 on the GPU side (a 144 GB HBM3e version exists); tensor throughput not in stored text"),
    hw("nvidia-b200", "B200", ["NVIDIA B200", "B200", "HGX B200", "B200 SXM"],
       "NVIDIA", "gpu", 1000, "tdp", 180, 80, 2250, 2250, 2025, "nvidia-b200-datasheet",
       notes="HGX B200 configuration (1000 W); 180 GB usable of 192 GB HBM3e; GB200 parts run at 1200 W with 2500 BF16 dense"),
    # ---------------- NVIDIA Ampere data centre ----------------
    hw("nvidia-a100-sxm4-80gb", "A100 SXM4 80GB", ["NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB", "A100 SXM4 80GB"],
       "NVIDIA", "gpu", 400, "tdp", 80, 19.5, 312, 312, 2020, "nvidia-a100-datasheet",
       notes="some HGX configurations allow up to 500 W", mlco2="A100 SXM4 80 GB", family_default=True),
    hw("nvidia-a100-sxm4-40gb", "A100 SXM4 40GB", ["NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB", "A100 SXM4 40GB"],
       "NVIDIA", "gpu", 400, "tdp", 40, 19.5, 312, 312, 2020, "nvidia-a100-datasheet"),
    hw("nvidia-a100-pcie-40gb", "A100 PCIe 40GB", ["NVIDIA A100-PCIE-40GB", "A100-PCIE-40GB", "A100 PCIe 40GB", "NVIDIA A100 40GB PCIe"],
       "NVIDIA", "gpu", 250, "tdp", 40, 19.5, 312, 312, 2020, "nvidia-a100-datasheet",
       notes="mlco2 row 'A100 PCIe 40/80GB' (250 W, 40 GB) mapped here; the 80GB PCIe card is 300 W (separate row)",
       mlco2="A100 PCIe 40/80GB"),
    hw("nvidia-a100-pcie-80gb", "A100 PCIe 80GB", ["NVIDIA A100 80GB PCIe", "A100-PCIE-80GB", "A100 PCIe 80GB"],
       "NVIDIA", "gpu", 300, "tdp", 80, 19.5, 312, 312, 2021, "nvidia-a100-datasheet",
       notes="Green Algorithms TDP_gpu.csv also 300 W"),
    hw("nvidia-a10g", "A10G", ["NVIDIA A10G"],
       "NVIDIA", "gpu", 150, "tdp", 24, 31.52, N, N, 2021, "mlco2-impact",
       notes="AWS-only variant of the A10 (G5 instances); NVIDIA publishes no tensor figures for it. 150 W as in mlco2 gpus.csv and TechPowerUp (the references' curated table, the only cited figure); AWS g5 instances may allow a power limit up to 300 W, but no cited source for that is in the references, so 150 W stays (give --watts 300 for such a machine)", mlco2="A10G"),
    hw("nvidia-a10", "A10", ["NVIDIA A10", "A10 PCIe"],
       "NVIDIA", "gpu", 150, "tdp", 24, 31.2, 125, 125, 2021, "nvidia-a10-datasheet",
       notes="not re-checked against the datasheet text here"),
    hw("nvidia-a40", "A40", ["NVIDIA A40", "A40 PCIe"],
       "NVIDIA", "gpu", 300, "tdp", 48, 37.4, 149.7, 149.7, 2020, "nvidia-a40-brief",
       notes="300 W max power; also the maximum power limit in the Zeus A40 traces"),
    hw("nvidia-a30", "A30", ["NVIDIA A30", "A30 PCIe"],
       "NVIDIA", "gpu", 165, "tdp", 24, 10.3, 165, 165, 2021, "nvidia-a30-datasheet",
       notes="not re-checked against the datasheet text here"),
    hw("nvidia-a2", "A2", ["NVIDIA A2", "A2 PCIe"],
       "NVIDIA", "gpu", 60, "tdp", 16, 4.5, 18, 18, 2021, "nvidia-a2-datasheet",
       notes="configurable 40-60 W; not re-checked against the datasheet text here"),
    # ---------------- NVIDIA Ada / Turing data centre ----------------
    hw("nvidia-l4", "L4", ["NVIDIA L4"],
       "NVIDIA", "gpu", 72, "tdp", 24, 30.3, 121, 121, 2023, "nvidia-l4-brief",
       notes="mlco2 lists FP32 31.33 and TFLOPS16 31.33 (non-tensor); product brief FP32 30.3, tensor FP16 121 dense",
       mlco2="L4"),
    hw("nvidia-l40", "L40", ["NVIDIA L40"],
       "NVIDIA", "gpu", 300, "tdp", 48, 90.5, 181.05, 181.05, 2022, "nvidia-l40-datasheet",
       notes="300 W max power; tensor figures not re-checked here"),
    hw("nvidia-l40s", "L40S", ["NVIDIA L40S"],
       "NVIDIA", "gpu", 350, "tdp", 48, 91.6, 362.05, 362.05, 2023, "nvidia-l40s-datasheet",
       notes="mlco2 lists TFLOPS32 183 (that is dense TF32 tensor); FP32 non-tensor is 91.6", mlco2="L40S"),
    hw("nvidia-t4", "T4", ["Tesla T4", "NVIDIA Tesla T4", "NVIDIA T4"],
       "NVIDIA", "gpu", 70, "tdp", 16, 8.1, 65, N, 2018, "nvidia-t4-datasheet",
       notes="FP16 mixed-precision tensor; no BF16 on Turing", mlco2="T4"),
    # ---------------- NVIDIA Volta ----------------
    hw("nvidia-tesla-v100-pcie-16gb", "Tesla V100 PCIe 16GB", ["V100 PCIe 16GB", "Tesla V100 PCIe 16GB", "NVIDIA V100 PCIe 16GB"],
       "NVIDIA", "gpu", 250, "tdp", 16, 14, 112, N, 2017, "nvidia-v100-datasheet",
       notes="mlco2 lists 300 W; datasheet 250 W (TechPowerUp also says 300 W). mlco2 TFLOPS16 28.26 is non-tensor FP16",
       mlco2="Tesla V100-PCIE-16GB"),
    hw("nvidia-tesla-v100-pcie-32gb", "Tesla V100 PCIe 32GB", ["Tesla V100-PCIE-32GB", "V100 PCIe 32GB", "Tesla V100 PCIe 32GB"],
       "NVIDIA", "gpu", 250, "tdp", 32, 14, 112, N, 2018, "nvidia-v100-datasheet"),
    hw("nvidia-tesla-v100-sxm2-16gb", "Tesla V100 SXM2 16GB", ["V100 SXM2 16GB", "Tesla V100 SXM2 16GB"],
       "NVIDIA", "gpu", 300, "tdp", 16, 15.7, 125, N, 2017, "nvidia-v100-datasheet",
       notes="mlco2 lists 250 W; datasheet 300 W (NVLink/SXM2). mlco2 TFLOPS16 32.71 is non-tensor FP16",
       mlco2="Tesla V100-SXM2-16GB", family_default=True),
    hw("nvidia-tesla-v100-sxm2-32gb", "Tesla V100 SXM2 32GB", ["V100 SXM2 32GB", "Tesla V100 SXM2 32GB"],
       "NVIDIA", "gpu", 300, "tdp", 32, 15.7, 125, N, 2018, "nvidia-v100-datasheet",
       notes="mlco2 lists 300 W (agrees) with FP32 15 / TFLOPS16 30 (non-tensor); datasheet FP32 15.7, tensor 125",
       mlco2="Tesla V100-SXM2-32GB"),
    hw("nvidia-tesla-v100s-pcie-32gb", "Tesla V100S PCIe 32GB", ["Tesla V100S-PCIE-32GB", "NVIDIA Tesla V100S", "V100S", "V100S PCIe 32GB"],
       "NVIDIA", "gpu", 250, "tdp", 32, 16.4, 130, N, 2019, "nvidia-v100-datasheet",
       notes="Green Algorithms TDP_gpu.csv also 250 W; TFLOPS not re-checked here"),
    hw("nvidia-titan-v", "Titan V", ["NVIDIA TITAN V"],
       "NVIDIA", "gpu", 250, "board_power", 12, 14.9, 110, N, 2017, "mlco2-impact",
       notes="fp16 = NVIDIA's 110 deep-learning (tensor) TFLOPS; mlco2 TFLOPS16 29.8 is non-tensor FP16",
       mlco2="Titan V"),
    # ---------------- NVIDIA Pascal / Maxwell / Kepler data centre ----------------
    hw("nvidia-tesla-p100-pcie-16gb", "Tesla P100 PCIe 16GB", ["Tesla P100-PCIE-16GB", "P100 PCIe 16GB"],
       "NVIDIA", "gpu", 250, "tdp", 16, 9.526, 19.05, N, 2016, "mlco2-impact",
       notes="no tensor cores; fp16 is native half precision (2x FP32 rate); mlco2 'Tesla P100' (250 W, 16 GB) mapped here; datasheet rounds to 9.3 / 18.7",
       mlco2="Tesla P100"),
    hw("nvidia-tesla-p100-pcie-12gb", "Tesla P100 PCIe 12GB", ["Tesla P100-PCIE-12GB", "P100 PCIe 12GB"],
       "NVIDIA", "gpu", 250, "tdp", 12, 9.3, 18.7, N, 2016, "nvidia-p100-datasheet",
       notes="no tensor cores; fp16 is native half precision"),
    hw("nvidia-tesla-p100-sxm2-16gb", "Tesla P100 SXM2 16GB", ["Tesla P100-SXM2-16GB", "P100 SXM2 16GB"],
       "NVIDIA", "gpu", 300, "tdp", 16, 10.6, 21.2, N, 2016, "nvidia-p100-datasheet",
       notes="NVLink (SXM2) module; no tensor cores; fp16 is native half precision"),
    hw("nvidia-tesla-p40", "Tesla P40", ["P40", "NVIDIA Tesla P40"],
       "NVIDIA", "gpu", 250, "tdp", 24, N, N, N, 2016, "mlco2-impact",
       notes="FP32 about 12 TFLOPS per NVIDIA datasheet (not filled: not re-checked); FP16 runs at 1/64 rate on GP102",
       mlco2="Tesla P40"),
    hw("nvidia-tesla-p4", "Tesla P4", ["NVIDIA Tesla P4"],
       "NVIDIA", "gpu", 75, "tdp", 8, 5.5, N, N, 2016, "green-algorithms-v3",
       notes="75 W per Green Algorithms TDP_gpu.csv (a 50 W setting also exists); FP32 5.5 from NVIDIA P4 datasheet, not re-checked here"),
    hw("nvidia-tesla-k80", "Tesla K80 (board, 2x GK210)", ["NVIDIA Tesla K80", "K80"],
       "NVIDIA", "gpu", 300, "tdp", 24, 8.73, N, N, 2014, "mlco2-impact",
       notes="300 W, 24 GB and 8.73 TFLOPS (boost) are per board of two GK210 GPUs; nvidia-smi and cloud instance specs count each GK210 as one 'Tesla K80' (about 150 W, 12 GB); mlco2's 4.113 TFLOPS and 12 GB are per GK210; 8.73 from the NVIDIA K80 datasheet, not re-checked here",
       mlco2="Tesla K80"),
    hw("nvidia-tesla-k40c", "Tesla K40c", [],
       "NVIDIA", "gpu", 245, "tdp", 12, 5.046, N, N, 2013, "mlco2-impact",
       notes="NVIDIA's K40 datasheet gives 235 W; 245 W is the TechPowerUp figure carried by mlco2", mlco2="Tesla K40c"),
    hw("nvidia-tesla-m40-24gb", "Tesla M40 24GB", ["M40 24GB"],
       "NVIDIA", "gpu", 250, "tdp", 24, 6.844, N, N, 2015, "mlco2-impact",
       notes="mlco2 lists memory 12 GB for this 24 GB card; set to 24", mlco2="Tesla M40 24GB"),
    # ---------------- NVIDIA workstation / consumer ----------------
    hw("nvidia-titan-rtx", "Titan RTX", ["NVIDIA TITAN RTX"],
       "NVIDIA", "gpu", 280, "board_power", 24, 16.31, 130.5, N, 2018, "mlco2-impact",
       notes="fp16 tensor 130.5 (full-rate FP32 accumulate) per NVIDIA Turing specs; mlco2 TFLOPS16 32.63 is non-tensor FP16",
       mlco2="Titan RTX"),
    hw("nvidia-titan-xp", "Titan Xp", ["NVIDIA TITAN Xp"],
       "NVIDIA", "gpu", 250, "board_power", 12, 12.15, N, N, 2017, "mlco2-impact",
       notes="mlco2 TFLOPS16 0.1898 is GP102's 1/64-rate native FP16; left empty", mlco2="Titan Xp"),
    hw("nvidia-titan-x-pascal", "TITAN X (Pascal)", ["NVIDIA TITAN X (Pascal)", "NVIDIA TITAN X Pascal"],
       "NVIDIA", "gpu", 250, "board_power", 12, 10.97, N, N, 2016, "mlco2-impact",
       notes="mlco2 TFLOPS16 0.17 is GP102's 1/64-rate native FP16; left empty", mlco2="TITAN X Pascal"),
    hw("nvidia-geforce-gtx-titan-x", "GeForce GTX TITAN X (Maxwell)", ["GeForce GTX TITAN X", "NVIDIA GeForce GTX TITAN X", "NVIDIA GTX TITAN X"],
       "NVIDIA", "gpu", 250, "board_power", 12, 6.691, N, N, 2015, "mlco2-impact", mlco2="GTX TITAN X"),
    hw("nvidia-geforce-gtx-1080-ti", "GeForce GTX 1080 Ti", ["NVIDIA GeForce GTX 1080 Ti", "GeForce GTX 1080 Ti", "NVIDIA GTX 1080 Ti"],
       "NVIDIA", "gpu", 250, "board_power", 11, 11.34, N, N, 2017, "mlco2-impact",
       notes="mlco2 TFLOPS16 0.17 is the 1/64-rate native FP16 of GP102 (no tensor cores); left empty", mlco2="GTX 1080 Ti"),
    hw("nvidia-geforce-gtx-1080", "GeForce GTX 1080", ["NVIDIA GeForce GTX 1080", "GeForce GTX 1080", "NVIDIA GTX 1080"],
       "NVIDIA", "gpu", 180, "board_power", 8, 8, N, N, 2016, "mlco2-impact",
       notes="mlco2 TFLOPS16 0.13 is the 1/64-rate native FP16 of GP104; left empty", mlco2="GTX 1080"),
    hw("nvidia-geforce-gtx-1660-gigabyte-oc", "GeForce GTX 1660 (Gigabyte OC)", ["NVIDIA GeForce GTX 1660", "GeForce GTX 1660", "GTX 1660"],
       "NVIDIA", "gpu", 120, "board_power", 6, 5.153, 10.31, N, 2019, "mlco2-impact",
       notes="figures are for Gigabyte's factory-overclocked board; reference GTX 1660 is also 120 W; no tensor cores (fp16 is native 2x rate)",
       mlco2="GIGABYTE GTX 1660 OC"),
    hw("nvidia-geforce-gtx-750", "GeForce GTX 750", ["NVIDIA GeForce GTX 750", "GeForce GTX 750"],
       "NVIDIA", "gpu", 55, "board_power", 1, 1.111, N, N, 2014, "mlco2-impact",
       notes="mlco2 lists 250 W, 1111 TFLOPS and 24 GB; the GeForce GTX 750 is 55 W, 1.111 TFLOPS FP32 (1111 GFLOPS at boost) and 1 GB (2 GB boards exist), per the TechPowerUp page mlco2 cites",
       mlco2="GTX 750"),
    hw("nvidia-geforce-rtx-2080-ti", "GeForce RTX 2080 Ti", ["NVIDIA GeForce RTX 2080 Ti", "GeForce RTX 2080 Ti", "NVIDIA RTX 2080 Ti"],
       "NVIDIA", "gpu", 250, "board_power", 11, 13.45, 53.8, N, 2018, "mlco2-impact",
       notes="fp16 = tensor FP16 with FP32 accumulate (107.6 with FP16 accumulate) per the Turing whitepaper; mlco2 TFLOPS16 26.9 is non-tensor FP16",
       mlco2="RTX 2080 Ti"),
    hw("nvidia-geforce-rtx-2080", "GeForce RTX 2080", ["NVIDIA GeForce RTX 2080", "GeForce RTX 2080", "NVIDIA RTX 2080"],
       "NVIDIA", "gpu", 215, "board_power", 8, 10, 40.3, N, 2018, "mlco2-impact",
       notes="fp16 = tensor FP16 with FP32 accumulate (80.5 with FP16 accumulate) per the Turing whitepaper; mlco2 TFLOPS16 20 is non-tensor FP16",
       mlco2="RTX 2080"),
    hw("nvidia-geforce-rtx-3080", "GeForce RTX 3080", ["NVIDIA GeForce RTX 3080", "GeForce RTX 3080"],
       "NVIDIA", "gpu", 320, "board_power", 10, 29.77, 59.5, N, 2020, "mlco2-impact",
       notes="fp16 = tensor FP16 with FP32 accumulate (119 with FP16 accumulate) per the GA102 whitepaper; mlco2 TFLOPS16 29.77 is non-tensor FP16; 10 GB model",
       mlco2="RTX 3080"),
    hw("nvidia-geforce-rtx-3080-ti", "GeForce RTX 3080 Ti", ["NVIDIA GeForce RTX 3080 Ti", "GeForce RTX 3080 Ti"],
       "NVIDIA", "gpu", 350, "board_power", 12, 34.1, 68.2, N, 2021, "mlco2-impact",
       notes="fp16 = tensor FP16 with FP32 accumulate, computed as 320 tensor cores x 1.665 GHz x 128 FLOP/clk (half the FP16-accumulate rate of 136.4); mlco2 TFLOPS16 34.10 is non-tensor FP16",
       mlco2="RTX 3080 TI"),
    hw("nvidia-geforce-rtx-3090", "GeForce RTX 3090", ["NVIDIA GeForce RTX 3090", "GeForce RTX 3090"],
       "NVIDIA", "gpu", 350, "board_power", 24, 35.6, 71, 71, 2020, "nvidia-ampere-ga102-whitepaper",
       notes="tensor FP16/BF16 with FP32 accumulate (142 with FP16 accumulate); mlco2 TFLOPS16 35.58 is non-tensor FP16",
       mlco2="RTX 3090"),
    hw("nvidia-geforce-rtx-4090", "GeForce RTX 4090", ["NVIDIA GeForce RTX 4090", "GeForce RTX 4090"],
       "NVIDIA", "gpu", 450, "board_power", 24, 82.6, 165.2, 165.2, 2022, "nvidia-ada-whitepaper",
       notes="tensor FP16/BF16 with FP32 accumulate (330.3 with FP16 accumulate); mlco2 TFLOPS16 82.6 is non-tensor FP16",
       mlco2="RTX 4090"),
    hw("nvidia-geforce-rtx-5090", "GeForce RTX 5090", ["NVIDIA GeForce RTX 5090", "GeForce RTX 5090", "RTX 5090"],
       "NVIDIA", "gpu", 575, "board_power", 32, 104.8, 209.5, 209.5, 2025, "nvidia-blackwell-gb202-whitepaper",
       notes="tensor figures with FP32 accumulate, not re-checked here"),
    hw("nvidia-quadro-k6000", "Quadro K6000", ["NVIDIA Quadro K6000"],
       "NVIDIA", "gpu", 225, "board_power", 12, 5.196, N, N, 2013, "mlco2-impact", mlco2="Quadro K6000"),
    hw("nvidia-quadro-p6000", "Quadro P6000", ["NVIDIA Quadro P6000"],
       "NVIDIA", "gpu", 250, "board_power", 24, 12.63, N, N, 2016, "mlco2-impact",
       notes="mlco2 TFLOPS16 197.4 is GP102's native FP16 in GFLOPS (about 0.197 TFLOPS, 1/64 rate); left empty",
       mlco2="Quadro P6000"),
    hw("nvidia-quadro-rtx-6000", "Quadro RTX 6000", ["NVIDIA Quadro RTX 6000"],
       "NVIDIA", "gpu", 260, "board_power", 24, 16.3, 130.5, N, 2018, "zeus-nsdi23",
       notes="260 W = maximum power limit in the Zeus traces; NVIDIA quotes 295 W total board power including the VirtualLink port; TFLOPS from NVIDIA specs, not re-checked here"),
    hw("nvidia-quadro-rtx-8000", "Quadro RTX 8000", ["NVIDIA Quadro RTX 8000"],
       "NVIDIA", "gpu", 260, "board_power", 48, 16.31, 130.5, N, 2018, "mlco2-impact",
       notes="fp16 = tensor 130.5 per NVIDIA specs; mlco2 TFLOPS16 32.62 is non-tensor FP16; NVIDIA quotes 295 W total board power including VirtualLink",
       mlco2="RTX 8000"),
    hw("nvidia-rtx-a4000", "RTX A4000", ["NVIDIA RTX A4000"],
       "NVIDIA", "gpu", 140, "board_power", 16, 19.2, 76.7, N, 2021, "nvidia-rtx-a-datasheets",
       notes="datasheet tensor 153.4 TFLOPS is with sparsity; dense 76.7"),
    hw("nvidia-rtx-a5000", "RTX A5000", ["NVIDIA RTX A5000"],
       "NVIDIA", "gpu", 230, "board_power", 24, 27.8, 111.1, N, 2021, "mlco2-impact",
       notes="fp16 = datasheet tensor 222.2 TFLOPS (sparse) / 2; mlco2 TFLOPS16 27.80 is non-tensor FP16", mlco2="RTX A5000"),
    hw("nvidia-rtx-a6000", "RTX A6000", ["NVIDIA RTX A6000"],
       "NVIDIA", "gpu", 300, "board_power", 48, 38.71, 154.8, N, 2020, "mlco2-impact",
       notes="fp16 = datasheet tensor 309.7 TFLOPS (sparse) / 2; mlco2 TFLOPS16 38.71 is non-tensor FP16", mlco2="RTX A6000"),
    hw("nvidia-rtx-6000-ada", "RTX 6000 Ada Generation", ["NVIDIA RTX 6000 Ada Generation", "RTX 6000 Ada"],
       "NVIDIA", "gpu", 300, "board_power", 48, 91.1, N, N, 2022, "nvidia-rtx-6000-ada-datasheet",
       notes="tensor FP16 dense not filled: the datasheet headline is FP8 with sparsity"),
    # ---------------- NVIDIA Jetson ----------------
    hw("nvidia-jetson-agx-xavier", "Jetson AGX Xavier", ["NVIDIA Jetson AGX Xavier", "Jetson AGX Xavier"],
       "NVIDIA", "gpu", 30, "tdp", N, N, N, N, 2018, "mlco2-impact",
       notes="30 W = highest standard power mode of the module; mlco2 TFLOPS32 16 / TFLOPS16 32 are not FP32/FP16 rates of the 512-core GPU (NVIDIA quotes 32 TOPS INT8); left empty; modules have 16, 32 or 64 GB",
       mlco2="AGX Xavier"),
    hw("nvidia-jetson-agx-orin-64gb", "Jetson AGX Orin 64GB", ["Jetson AGX Orin", "NVIDIA Jetson AGX Orin", "Jetson AGX Orin 64GB"],
       "NVIDIA", "gpu", 60, "tdp", 64, N, N, N, 2022, "nvidia-jetson-datasheets",
       notes="module power configurable 15-60 W; whole SoC (CPU+GPU+DLA)"),
    hw("nvidia-jetson-nano", "Jetson Nano", ["NVIDIA Jetson Nano"],
       "NVIDIA", "gpu", 10, "tdp", 4, 0.236, 0.472, N, 2019, "nvidia-jetson-datasheets",
       notes="10 W mode (5 W mode also); 472 GFLOPS FP16 per NVIDIA, FP32 half of that; whole module"),
    # ---------------- AMD ----------------
    hw("amd-radeon-rx-480", "Radeon RX 480", ["AMD Radeon RX 480", "Radeon RX 480"],
       "AMD", "gpu", 150, "board_power", 8, 5.8, 5.8, N, 2016, "mlco2-impact",
       notes="Polaris runs FP16 at the FP32 rate; 4 GB boards also exist", mlco2="AMD RX480"),
    hw("amd-instinct-mi250", "Instinct MI250", ["AMD Instinct MI250", "MI250"],
       "AMD", "gpu", 500, "board_power", 128, 45.3, 362.1, 362.1, 2021, "amd-mi250-datasheet",
       notes="FP32 matrix 90.5"),
    hw("amd-instinct-mi250x", "Instinct MI250X", ["AMD Instinct MI250X", "MI250X"],
       "AMD", "gpu", 560, "board_power", 128, 47.9, 383, 383, 2021, "amd-mi250-datasheet",
       notes="500 W air-cooled, 560 W peak (liquid); not re-checked here"),
    hw("amd-instinct-mi300x", "Instinct MI300X", ["AMD Instinct MI300X", "MI300X"],
       "AMD", "gpu", 750, "board_power", 192, 81.7, 1307.4, 1307.4, 2023, "amd-mi300x-datasheet",
       notes="FP32 matrix 163.4; sparse = 2x"),
    hw("amd-instinct-mi325x", "Instinct MI325X", ["AMD Instinct MI325X", "MI325X"],
       "AMD", "gpu", 1000, "board_power", 256, 81.7, 1307.4, 1307.4, 2024, "amd-mi325x-datasheet",
       notes="same compute as MI300X; 256 GB HBM3E per AMD (TechPowerUp says 288)"),
    # ---------------- Intel Gaudi ----------------
    hw("intel-gaudi-2", "Gaudi 2 (HL-225H)", ["Intel Gaudi 2", "Gaudi 2", "Gaudi2", "HL-225H"],
       "Intel", "accelerator", 600, "tdp", 96, N, N, 432, 2022, "intel-gaudi2-whitepaper",
       notes="BF16 peak 432 TFLOPS from Intel's Hot Chips 2024 Gaudi 3 talk (intel-gaudi-hotchips-2024: Gaudi 60, Gaudi 2 432, Gaudi 3 1835 TFLOPS BF16; TDP 600 W)"),
    hw("intel-gaudi-3", "Gaudi 3 (HL-325L)", ["Intel Gaudi 3", "Gaudi 3", "Gaudi3", "HL-325L"],
       "Intel", "accelerator", 900, "tdp", 128, N, 1835, 1835, 2024, "intel-gaudi3-whitepaper",
       notes="OAM module; the HL-338 PCIe card is 600 W; vector BF16 28.7"),
    # ---------------- Google TPU ----------------
    # TPUs on one chip basis: the rated power of one chip (TDP, or Google's documented maximum where no TDP
    # is published), as for GPUs; the mean system power per chip (host, network and cooling share included)
    # that Patterson et al. 2021 measured is a separate, labelled column.
    hw("google-tpu-v2", "TPU v2 (chip)", ["TPU v2", "TPUv2", "Google TPU v2"],
       "Google", "tpu", 280, "tdp", 16, N, N, 45, 2017, "green-algorithms-v3", year=2021,
       notes="280 W TDP per chip (Green Algorithms TDP_gpu.csv, citing Patterson et al. 2021; Jouppi et al. 2020); system_power_w 221 W = mean measured system power per chip during training (Patterson et al. 2021, the figure mlco2 uses), not the chip's; mlco2's 64 GB is per 4-chip board and its TFLOPS32 22 is not a published FP32 rate",
       mlco2="TPUv2 Chip", system_power_w=221),
    hw("google-tpu-v3", "TPU v3 (chip)", ["TPU v3", "TPUv3", "Google TPU v3"],
       "Google", "tpu", 450, "tdp", 32, N, N, 123, 2018, "jouppi-2020", year=2020,
       notes="450 W TDP per chip (Jouppi et al. 2020, as compiled in the references' curated accelerators table); mean chip power 220 W (Jouppi et al. 2023, the Green Algorithms value); system_power_w 283 W = mean measured system power per chip during training (Patterson et al. 2021, the figure mlco2 uses); mlco2's 128 GB is per 4-chip board and 45/90 TFLOPS differ from the 123 BF16 per chip",
       mlco2="TPUv3 Chip", system_power_w=283),
    hw("google-tpu-v4", "TPU v4 (chip)", ["TPUv4", "Google TPU v4"],
       "Google", "tpu", 192, "tdp", 32, N, N, 275, 2021, "google-cloud-tpu-v4", year=2023,
       notes="192 W = Google's documented maximum per chip, the rated power on the same chip basis as v2/v3 (Google publishes no TDP); mean 170 W (Jouppi et al. 2023, the Green Algorithms value)"),
    # Google publishes no per-chip power for v5e/v5p/v6e (the references' curated table marks it a gap): the rows
    # carry throughput and memory only, and an estimate asks for the power (--watts W).
    hw("google-tpu-v5e", "TPU v5e (chip)", ["TPU v5e", "TPUv5e", "Google TPU v5e"],
       "Google", "tpu", N, N, 16, N, N, 197, 2023, "google-cloud-tpu-v5e",
       notes="Google publishes no power figure for TPU v5e (the references' curated accelerators table marks it a gap): no power here, give --watts W; INT8 394 TOPS per chip"),
    hw("google-tpu-v5p", "TPU v5p (chip)", ["TPU v5p", "TPUv5p", "Google TPU v5p"],
       "Google", "tpu", N, N, 95, N, N, 459, 2023, "google-cloud-tpu-v5p",
       notes="Google publishes no power figure for TPU v5p (the references' curated accelerators table marks it a gap): no power here, give --watts W; INT8 918 TOPS per chip"),
    hw("google-tpu-v6e", "TPU v6e Trillium (chip)", ["TPU v6e", "TPUv6e", "Google TPU v6e", "Trillium", "TPU Trillium", "Google Trillium"],
       "Google", "tpu", N, N, 32, N, N, 918, 2024, "google-cloud-tpu-v6e",
       notes="Google publishes no power figure for TPU v6e (Trillium) (the references' curated accelerators table marks it a gap): no power here, give --watts W; INT8 1836 TOPS per chip"),
    # ---------------- CPUs of the calculator's list ----------------
    hw("intel-xeon-e5-2699-v3", "Xeon E5-2699 v3", ["Intel Xeon E5-2699 v3", "Xeon E5-2699 v3", "Intel(R) Xeon(R) CPU E5-2699 v3 @ 2.30GHz"],
       "Intel", "cpu", 145, "tdp", N, N, N, N, 2014, "mlco2-impact",
       notes="mlco2 name has no version; its ARK link is the v3 (the v4 is also 145 W); mlco2's 0.7 TFLOPS not carried",
       mlco2="Intel Xeon E5-2699"),
    hw("intel-xeon-e5-2630-v4", "Xeon E5-2630 v4", ["Intel Xeon E5-2630 v4", "Xeon E5-2630 v4", "Intel(R) Xeon(R) CPU E5-2630 v4 @ 2.20GHz"],
       "Intel", "cpu", 85, "tdp", N, N, N, N, 2016, "mlco2-impact", mlco2="Intel Xeon E5-2630v4"),
    hw("intel-xeon-e5-2650-v4", "Xeon E5-2650 v4", ["Intel Xeon E5-2650 v4", "Xeon E5-2650 v4", "Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz"],
       "Intel", "cpu", 105, "tdp", N, N, N, N, 2016, "mlco2-impact",
       notes="mlco2 name has no version but links the v4 ARK page (105 W); the original E5-2650 is 95 W",
       mlco2="Intel Xeon E5-2650"),
    hw("intel-xeon-gold-5220", "Xeon Gold 5220", ["Xeon Gold 5220", "Intel(R) Xeon(R) Gold 5220 CPU @ 2.20GHz"],
       "Intel", "cpu", 125, "tdp", N, N, N, N, 2019, "mlco2-impact", mlco2="Intel Xeon Gold 5220"),
    hw("intel-xeon-gold-6148", "Xeon Gold 6148", ["Xeon Gold 6148", "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz"],
       "Intel", "cpu", 150, "tdp", N, N, N, N, 2017, "mlco2-impact", mlco2="Intel Xeon Gold 6148"),
    hw("amd-epyc-7763", "EPYC 7763", ["EPYC 7763", "AMD EPYC 7763 64-Core Processor"],
       "AMD", "cpu", 280, "tdp", N, N, N, N, 2021, "mlco2-impact", mlco2="AMD EPYC 7763"),
    hw("amd-epyc-7282", "EPYC 7282", ["EPYC 7282", "AMD EPYC 7282 16-Core Processor"],
       "AMD", "cpu", 120, "tdp", N, N, N, N, 2019, "mlco2-impact", mlco2="AMD EPYC 7282"),
    hw("amd-epyc-7702", "EPYC 7702", ["EPYC 7702", "AMD EPYC 7702 64-Core Processor"],
       "AMD", "cpu", 200, "tdp", N, N, N, N, 2019, "mlco2-impact", mlco2="AMD EPYC 7702"),
]


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        s = ("%.4f" % v).rstrip("0").rstrip(".")
        return s
    return str(v)


def dedupe_ci(seq):
    seen, out = set(), []
    for s in seq:
        k = s.strip().lower()
        if k and k not in seen:
            seen.add(k)
            out.append(s.strip())
    return out


def build_hardware(errors):
    # mlco2 coverage
    with open(f"{REF}/mlco2-impact/gpus.csv", encoding="utf-8") as f:
        mlco2_names = [r[0] for r in csv.reader(f)][1:]
    assert len(mlco2_names) == 48, len(mlco2_names)
    mapped = Counter(r["mlco2"] for r in HW if r["mlco2"])
    for n in mlco2_names:
        if mapped[n] != 1:
            errors.append(f"mlco2 name {n!r} mapped {mapped[n]} times")
    for n in mapped:
        if n not in mlco2_names:
            errors.append(f"mapped mlco2 name {n!r} not in gpus.csv")

    rows = []
    ids = set()
    alias_owner = {}
    for r in HW:
        if r["id"] in ids:
            errors.append(f"duplicate id {r['id']}")
        ids.add(r["id"])
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["id"]):
            errors.append(f"bad id {r['id']}")
        al = dedupe_ci(r["aliases"])
        # aliases equal to own name are kept only if they are the mlco2 verbatim name
        al = [a for a in al if a.lower() != r["name"].lower() or a == r["mlco2"]]
        for key in [r["name"]] + al:
            k = key.lower()
            if k in alias_owner and alias_owner[k] != r["id"]:
                errors.append(f"alias/name {key!r} on {r['id']} and {alias_owner[k]}")
            alias_owner[k] = r["id"]
        if r["mlco2"] and r["mlco2"] not in al:
            errors.append(f"mlco2 name missing from aliases of {r['id']}")
        if r["power_w"] is None and r["power_kind"] is None:
            # No published power: only for a device whose note says so.
            if "publishes no power figure" not in r["notes"]:
                errors.append(f"no power on {r['id']} without a note saying why")
        else:
            if not (isinstance(r["power_w"], (int, float)) and r["power_w"] > 0):
                errors.append(f"power_w not > 0 on {r['id']}")
            if r["power_kind"] not in ("tdp", "board_power", "measured_mean"):
                errors.append(f"power_kind on {r['id']}")
        if r["kind"] not in ("gpu", "tpu", "accelerator", "cpu"):
            errors.append(f"kind on {r['id']}")
        if not r["source"] or not r["year"]:
            errors.append(f"missing source/year on {r['id']}")
        for a in al:
            if "|" in a:
                errors.append(f"pipe in alias {a!r}")
        out = {c: fmt(r[c]) for c in HW_COLS if c != "aliases"}
        out["aliases"] = "|".join(al)
        rows.append(out)
    return rows


# --------------------------------------------------------------------------------------
# CPUs
# --------------------------------------------------------------------------------------
def clean_name(s):
    """Repair invisible characters only: NBSP -> space, drop zero-width space, collapse runs of spaces."""
    s = s.replace("\u00a0", " ").replace("\u200b", "")
    s = re.sub(r"\s+", " ", s).strip()
    return s


def norm_key(s):
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("®", "").replace("™", "").replace("(R)", "").replace("(TM)", "")
    s = re.sub(r"\s+Processor\s*$", "", s.strip())
    s = re.sub(r"\s+", " ", s).strip().lower()
    return s


def year_from_launch(s):
    s = (s or "").strip()
    m = re.fullmatch(r"(?:Q[1-4]|\d{2})'(\d{2})", s)
    if m:
        return 2000 + int(m.group(1))
    m = re.fullmatch(r"\d{1,2}/\d{1,2}/(\d{4})", s)
    if m:
        return int(m.group(1))
    return None


def build_cpus(errors, report):
    path = f"{REF}/codecarbon/data/hardware/cpu_power.csv"
    with open(path, encoding="utf-8") as f:
        raw = list(csv.reader(f))
    assert raw[0] == ["Name", "TDP"], raw[0]
    raw = raw[1:]
    report["cc_rows"] = len(raw)
    dropped_tdp, dropped_zero, renamed, dup_dropped = [], [], [], []
    cc = []  # (name, tdp)
    seen = {}
    for name, tdp in raw:
        t = tdp.strip()
        if not re.fullmatch(r"\d+(\.\d+)?", t):
            dropped_tdp.append((name, tdp))
            continue
        tv = float(t)
        if tv <= 0:
            dropped_zero.append((name, tdp))
            continue
        cn = clean_name(name)
        if cn != name:
            renamed.append((name, cn))
        k = cn.lower()
        if k in seen:
            prev = seen[k]
            dup_dropped.append((name, tdp, prev))
            # keep the first occurrence (file order); conflicting later copies are reported
            continue
        seen[k] = (cn, tv)
        cc.append([cn, tv])
    report.update(dropped_tdp=dropped_tdp, dropped_zero=dropped_zero, renamed=renamed, dup_dropped=dup_dropped)

    # cores / launch year from CodeCarbon builder scrapes (MIT)
    bdir = f"{REF}/codecarbon/data/hardware/cpu_dataset_builder"
    builder = defaultdict(set)  # key -> {(cores, year)}
    with open(f"{bdir}/intel_cpu_ark_dataset.csv", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            c = r["total_cores"].strip()
            builder[norm_key(r["cpu_name"])].add((int(c) if c.isdigit() else None, year_from_launch(r["launch_date"])))
    for fn in ("amd_cpu_desktop_dataset.csv", "amd_cpu_server_dataset.csv"):
        with open(f"{bdir}/{fn}", encoding="utf-8-sig") as f:
            for r in csv.DictReader(f):
                c = r["# of CPU Cores"].strip()
                builder[norm_key(r["Name"])].add((int(c) if c.isdigit() else None, year_from_launch(r.get("Launch Date", ""))))

    # Green Algorithms TDP_cpu.csv (CC-BY-4.0): two header rows
    with open(f"{REF}/green-algorithms/TDP_cpu.csv", encoding="utf-8") as f:
        rr = list(csv.reader(f))
    ga = []
    for r in rr[2:]:
        if not r or not r[0].strip() or r[0].strip() == "Any":
            continue
        ga.append((r[0].strip(), float(r[1]), int(r[2]) if r[2].strip() else None))

    index = {n.lower(): i for i, (n, _) in enumerate(cc)}
    cores = [None] * len(cc)
    years = [None] * len(cc)
    srcs = ["codecarbon-cpu-power"] * len(cc)
    conflicts = []
    n_builder = 0
    for i, (n, t) in enumerate(cc):
        cands = builder.get(norm_key(n))
        if cands:
            cs = {c for c, _ in cands if c}
            ys = {y for _, y in cands if y}
            if len(cs) == 1:
                cores[i] = cs.pop()
                n_builder += 1
            elif len(cs) > 1:
                conflicts.append(("builder-multi", n, sorted(cs)))
            if len(ys) == 1:
                years[i] = ys.pop()
    report["cores_from_builder"] = n_builder

    def ga_match(gname):
        g = gname.strip()
        cands = [g]
        if g.startswith("AMD ") and not g.startswith("AMD EPYC") and not g.startswith("AMD Ryzen"):
            cands.append("AMD EPYC " + g[4:])
        cands += ["Intel " + g, "AMD " + g]
        for c in cands:
            if c.lower() in index:
                return index[c.lower()]
        return None

    ga_added, ga_cores, ga_tdp_diff, ga_skipped = [], 0, [], []
    for gname, gtdp, gcores in ga:
        i = ga_match(gname)
        if i is not None:
            if gcores:
                if cores[i] is None:
                    cores[i] = gcores
                    ga_cores += 1
                elif cores[i] != gcores:
                    conflicts.append(("ga-vs-builder", cc[i][0], cores[i], gcores))
            if abs(cc[i][1] - gtdp) > 1e-9:
                ga_tdp_diff.append((gname, gtdp, cc[i][0], cc[i][1]))
        else:
            if gname.lower().startswith("rasberry"):
                ga_skipped.append(gname)
                continue
            cc.append([gname, gtdp])
            cores.append(gcores)
            years.append(None)
            srcs.append("green-algorithms-v3")
            index[gname.lower()] = len(cc) - 1
            ga_added.append(gname)
    report.update(ga_added=ga_added, ga_cores=ga_cores, ga_tdp_diff=ga_tdp_diff, conflicts=conflicts, ga_skipped=ga_skipped)

    rows = []
    names = set()
    for (n, t), c, y, s in zip(cc, cores, years, srcs):
        if n.lower() in names:
            errors.append(f"dup cpu {n}")
        names.add(n.lower())
        if not t > 0:
            errors.append(f"tdp {n}")
        if y is None:
            y = 2026 if s == "codecarbon-cpu-power" else 2025
        rows.append({"name": n, "tdp_w": fmt(t), "cores": "" if c is None else str(c), "source": s, "year": str(y)})
    return rows


# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------
def build_constants(report):
    per_gpu = {}
    allr = []
    for fn in sorted(glob.glob(f"{REF}/ml-energy/zeus-nsdi23/summary_power_*.csv")):
        gpu = re.search(r"summary_power_(\w+)\.csv", fn).group(1)
        with open(fn, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        mx = max(float(r["power_limit"]) for r in rows)
        sel = [r for r in rows if float(r["power_limit"]) == mx]
        rat = [float(r["average_power"]) / mx for r in sel]
        wl = Counter((r["dataset"], r["network"]) for r in sel)
        per_gpu[gpu] = dict(max_pl=mx, n=len(sel), workloads=len(wl), median=statistics.median(rat),
                            min=min(rat), max=max(rat),
                            per_workload={f"{d}/{n}": statistics.median([float(r["average_power"]) / mx for r in sel if (r["dataset"], r["network"]) == (d, n)]) for d, n in wl})
        allr += rat
    med, lo, hi = statistics.median(allr), min(allr), max(allr)
    report["zeus"] = dict(per_gpu=per_gpu, n=len(allr), median=med, min=lo, max=hi)
    names = {"a40": "A40", "p100": "P100", "rtx6000": "Quadro RTX 6000", "v100": "V100"}
    parts = "; ".join(f"{names[g]} max limit {d['max_pl']:.0f} W: {d['n']} rows, median {d['median']:.3f} (min {d['min']:.3f}, max {d['max']:.3f})"
                      for g, d in per_gpu.items())
    note = (f"Zeus NSDI'23 traces: for each GPU, rows at its highest power_limit in the trace (the maximum, which is the default limit of these cards), ratio = average_power / power_limit "
            f"for every dataset/network/batch_size/optimizer row; {len(allr)} rows over 6 workloads and 4 GPUs; value = median, low/high = min/max. "
            f"{parts}. Lowest ratios are movielens-1m/ncf (small model, GPU mostly idle), highest bert and resnet50. GPU-only power (NVML).")
    return [
        {"id": "ram_w_per_gb", "value": "0.3725", "unit": "W/GB", "low": "0.3725", "high": "0.392",
         "source": "green-algorithms-v3", "year": "2017",
         "notes": "Green Algorithms memoryPower from Karyakin & Salem 2017; high = Cloud Carbon Footprint 0.000392 kWh per GB-hour (0.392 W/GB); CodeCarbon < v3 used 3 W per 8 GB (0.375 W/GB) inside this range"},
        {"id": "gpu_draw_ratio_training", "value": f"{med:.4f}", "unit": "ratio", "low": f"{lo:.4f}", "high": f"{hi:.4f}",
         "source": "zeus-nsdi23", "year": "2023", "notes": note},
        cpu_w_per_vcpu(),
    ]


def cpu_w_per_vcpu():
    """A CPU whose model is unknown (a VM's generic name): Cloud Carbon Footprint's average power
    per vCPU at full load, AWS's MAX_WATTS_AVG, high = Azure's."""
    consts = {(r["provider"], r["constant"]): r["value"]
              for r in csv.DictReader(open(f"{REF}/cloud-carbon-footprint/ccf-app-constants.csv", encoding="utf-8"))}
    aws, azure = consts[("aws", "MAX_WATTS_AVG")], consts[("azure", "MAX_WATTS_AVG")]
    return {"id": "cpu_w_per_vcpu", "value": aws, "unit": "W per vCPU", "low": aws, "high": azure,
            "source": "ccf-app", "year": "2024",
            "notes": f"Cloud Carbon Footprint MAX_WATTS_AVG per vCPU (AWS {aws}, Azure {azure}; MIN_WATTS_AVG AWS "
                     f"{consts[('aws', 'MIN_WATTS_AVG')]}): the power of one vCPU at full load averaged over the provider's "
                     "fleet. Used, defaulted, for a CPU the CPU table does not know (a VM's generic "
                     "model name) as logical CPUs x this x utilization; no idle floor"}


def write_csv(path, cols, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writeheader()
    for r in rows:
        w.writerow(r)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def main():
    errors, report = [], {}
    hw_rows = build_hardware(errors)
    cpu_rows = build_cpus(errors, report)
    const_rows = build_constants(report)
    src_ids = {s[0] for s in SOURCES}
    if len(src_ids) != len(SOURCES):
        errors.append("duplicate source id")
    used = set()
    for rows in (hw_rows, cpu_rows, const_rows):
        for r in rows:
            used.add(r["source"])
            if r["source"] not in src_ids:
                errors.append(f"unknown source {r['source']}")
            if not r.get("year"):
                errors.append(f"missing year {r}")
    unused = src_ids - used
    # every defined source is used in a source column or cited in a row's notes (Turing whitepaper, Karyakin & Salem, CCF)
    sources = list(SOURCES)
    report["unused_sources"] = sorted(unused - {"karyakin-salem-2017", "ccf-app"})
    if errors:
        print("ERRORS:")
        for e in errors:
            print("  ", e)
        sys.exit(1)

    os.makedirs(OUT, exist_ok=True)
    write_csv(f"{OUT}/hardware.csv", HW_COLS, hw_rows)
    write_csv(f"{OUT}/cpus.csv", ["name", "tdp_w", "cores", "source", "year"], cpu_rows)
    write_csv(f"{OUT}/_constants_hardware.csv", ["id", "value", "unit", "low", "high", "source", "year", "notes"], const_rows)
    write_csv(f"{OUT}/_sources_hardware.csv", ["id", "title", "publisher", "url", "license", "year", "notes"],
              [dict(zip(["id", "title", "publisher", "url", "license", "year", "notes"], s)) for s in sources])

    print(f"hardware rows: {len(hw_rows)}  kinds: {Counter(r['kind'] for r in hw_rows)}")
    print(f"cpu rows: {len(cpu_rows)} (codecarbon input {report['cc_rows']}); with cores: {sum(1 for r in cpu_rows if r['cores'])}")
    print(f"  dropped unparseable TDP: {report['dropped_tdp']}")
    print(f"  dropped zero TDP: {report['dropped_zero']}")
    print(f"  renamed (whitespace repair): {len(report['renamed'])}: {report['renamed']}")
    print(f"  duplicate names dropped: {report['dup_dropped']}")
    print(f"  cores from builder: {report['cores_from_builder']}, from GA: {report['ga_cores']}")
    print(f"  GA rows added: {len(report['ga_added'])}: {report['ga_added']}")
    print(f"  GA skipped: {report['ga_skipped']}")
    print(f"  GA TDP differs from CodeCarbon (CodeCarbon kept): {report['ga_tdp_diff']}")
    print(f"  core conflicts: {report['conflicts']}")
    print(f"sources: {len(sources)}; unused defined: {report['unused_sources']}")
    z = report["zeus"]
    print(f"zeus: n={z['n']} median={z['median']:.4f} min={z['min']:.4f} max={z['max']:.4f}")
    for g, d in z["per_gpu"].items():
        print(f"  {g}: maxPL {d['max_pl']} n={d['n']} median={d['median']:.4f} min={d['min']:.4f} max={d['max']:.4f}")
        for w, m in d["per_workload"].items():
            print(f"     {w}: {m:.3f}")


if __name__ == "__main__":
    main()
