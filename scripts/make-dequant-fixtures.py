#!/usr/bin/env python3
"""Writes the golden fixtures for Tests/GGUFTests/DequantizeTests.swift.

For each ggml type the Swift dequantizer supports, writes
  Tests/GGUFTests/Fixtures/dequant/<NAME>.bin  raw ggml blocks, as they would sit in a GGUF file
  Tests/GGUFTests/Fixtures/dequant/<NAME>.f32  what gguf-py's numpy dequantizer makes of them (little-endian f32)

Run once (outputs are committed); it is deterministic for a fixed seed and gguf version:
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install 'gguf==0.19.0' && /tmp/venv/bin/python scripts/make-dequant-fixtures.py
"""

from __future__ import annotations

import pathlib

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGML_QUANT_SIZES
from gguf.quants import dequantize, quantize

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "GGUFTests" / "Fixtures" / "dequant"
rng = np.random.default_rng(20240611)

# Byte offsets of the f16 scale fields inside one block (ggml-common.h block_* structs).
SCALE_OFFSETS = {
    T.Q4_0: [0],  # d, qs[16]
    T.Q4_1: [0, 2],  # d, m, qs[16]
    T.Q5_0: [0],  # d, qh[4], qs[16]
    T.Q5_1: [0, 2],  # d, m, qh[4], qs[16]
    T.Q8_0: [0],  # d, qs[32]
    T.Q2_K: [80, 82],  # scales[16], qs[64], d, dmin
    T.Q3_K: [108],  # hmask[32], qs[64], scales[12], d
    T.Q4_K: [0, 2],  # d, dmin, scales[12], qs[128]
    T.Q5_K: [0, 2],  # d, dmin, scales[12], qh[32], qs[128]
    T.Q6_K: [208],  # ql[128], qh[64], scales[16], d
}


def sane_scales(n: int) -> np.ndarray:
    """Finite f16 scales of both signs spanning normal magnitudes, plus zero and a few subnormals."""
    mags = np.exp2(rng.uniform(-14, 2, n)).astype(np.float32)
    vals = (mags * rng.choice([-1.0, 1.0], n, p=[0.25, 0.75])).astype(np.float16)
    vals[0] = np.float16(0.0)
    if n > 2:
        vals[1] = np.uint16(0x0001).view(np.float16)  # smallest subnormal
        vals[2] = np.uint16(0x83FF).view(np.float16)  # largest negative subnormal
    return vals


def random_blocks(qtype: T, n_blocks: int) -> np.ndarray:
    """Uniformly random block bytes (every bit pattern of quants and packed sub-scales) with sane f16 scales."""
    _, type_size = GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for off in SCALE_OFFSETS[qtype]:
        blocks[:, off : off + 2] = sane_scales(n_blocks).reshape(n_blocks, 1).view(np.uint8)
    return blocks


def weights(n: int) -> np.ndarray:
    """Weight-like floats: mostly Gaussian with a few outliers, grouped so that blocks differ in scale."""
    x = rng.standard_normal(n).astype(np.float32) * np.float32(0.02)
    x[rng.integers(0, n, n // 64)] *= np.float32(20.0)
    return x


def float16_patterns() -> np.ndarray:
    """Specials (±0, ±inf, quiet and signalling NaNs with payloads, subnormals, extremes) then random bits."""
    special = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7DFF, 0xFFFF,
               0x0001, 0x8001, 0x03FF, 0x83FF, 0x0200, 0x0400, 0x8400, 0x7BFF, 0xFBFF, 0x3C00, 0xBC00, 0x3555]
    rest = rng.integers(0, 1 << 16, size=1024 - len(special), dtype=np.uint16)
    return np.concatenate([np.array(special, dtype=np.uint16), rest])


def bfloat16_patterns() -> np.ndarray:
    special = [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x7F81, 0x0001, 0x8001, 0x007F,
               0x0080, 0x7F7F, 0xFF7F, 0x3F80, 0xBF80]
    rest = rng.integers(0, 1 << 16, size=1024 - len(special), dtype=np.uint16)
    return np.concatenate([np.array(special, dtype=np.uint16), rest])


def float32_patterns() -> np.ndarray:
    special = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0x00000001, 0x807FFFFF,
               0x7F7FFFFF, 0x3F800000]
    rest = rng.integers(0, 1 << 32, size=256 - len(special), dtype=np.uint32)
    return np.concatenate([np.array(special, dtype=np.uint32), rest])


def write(name: str, raw: np.ndarray, qtype: T) -> None:
    raw = np.ascontiguousarray(raw).view(np.uint8).reshape(-1)
    out = dequantize(raw.copy(), qtype).astype("<f4", copy=False).reshape(-1)
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    assert raw.size % type_size == 0 and out.size == raw.size // type_size * block_size
    (OUT / f"{name}.bin").write_bytes(raw.tobytes())
    (OUT / f"{name}.f32").write_bytes(out.tobytes())
    print(f"{name}: {raw.size} bytes -> {out.size} floats")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write("F32", float32_patterns().astype("<u4"), T.F32)
    write("F16", float16_patterns().astype("<u2"), T.F16)
    write("BF16", bfloat16_patterns().astype("<u2"), T.BF16)

    # Legacy quants: random blocks, then blocks from gguf-py's own quantizer (realistic quant distributions).
    for qtype in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0):
        quantized = quantize(weights(16 * 32).reshape(4, -1), qtype).reshape(-1, GGML_QUANT_SIZES[qtype][1])
        write(qtype.name, np.concatenate([random_blocks(qtype, 32), quantized]), qtype)

    # K-quants: gguf-py has no quantizer for these, so random blocks only.
    for qtype in (T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K):
        write(qtype.name, random_blocks(qtype, 12), qtype)


if __name__ == "__main__":
    main()
