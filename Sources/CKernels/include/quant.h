// Quantized weight matrices in 16-row panels, and the row-invariant product over them.
//
// A GGUF matrix W: (n, k) is repacked once at load into panels of 16 output rows. Within a panel, every weight is
// a small unsigned code c with a per-group scale D and offset M, and its f32 value is w = fma(c, D, -M): one
// rounding, the same in the scalar reference, the AVX2 and the AVX-512 kernels. A group is 16 or 32 consecutive k
// of one row; D and M come from the block's f16 scales exactly as ggml defines them:
//
//   Q4_0, Q5_0, Q8_0   D = d,          M = C·d (C = 8, 16, 128: the code bias)   c = q + C
//   Q4_1, Q5_1         D = d,          M = -m                                     c = q
//   Q2_K, Q4_K, Q5_K   D = d·sc,       M = dmin·mn  (sc, mn: the group's 4/6-bit scale and min)
//   Q3_K               D = d·sc,       M = (4d)·sc  (sc signed, c = q + 4)
//   Q6_K               D = d·sc,       M = (32d)·sc (sc int8,  c = q + 32)
//   F32, F16, BF16     w itself, stored per panel as (k, 16)
//
// Panel layout (bytes, one panel after another, `hk_qpanel_bytes` each), per super-block of S k values:
//   K-quants (S = 256): f32 dA[16], f32 mA[16] (D = dA·sc, M = mA·mn), then per group: int8 sc[16], int8 mn[16], codes.
//   legacy   (S = 32):  one group: f16 d[16] (and f16 m[16] for Q4_1/Q5_1), then its codes.
// Codes of a group of G k values, 16 columns: lo[G/2][16] bytes, low nibble = code of k = 2i, high = k = 2i+1;
// for 5- and 6-bit codes one or two bit planes follow, plane[p][G] u16 (bit j = bit 4+p of column j's code);
// 8-bit codes are bytes[G][16]. Rows past n are zero (their outputs are never written).
//
// Every output element is acc = 0; acc = fma(x[k], w[k], acc) for k = 0..K-1 in order, whatever the number of
// rows, the tile or the thread: so a row's result never depends on its batch, nor on the instruction set.
#ifndef HEARTH_QUANT_H
#define HEARTH_QUANT_H
#include <stdint.h>

/// ggml type ids handled here.
enum {
    HK_F32 = 0, HK_F16 = 1, HK_Q4_0 = 2, HK_Q4_1 = 3, HK_Q5_0 = 6, HK_Q5_1 = 7, HK_Q8_0 = 8,
    HK_Q2_K = 10, HK_Q3_K = 11, HK_Q4_K = 12, HK_Q5_K = 13, HK_Q6_K = 14, HK_BF16 = 30,
};

/// Whether `type` can be repacked; k must then be a multiple of hk_qblock(type).
int hk_qsupported(int type);
/// Elements of one source block (256 for K-quants, 32 for legacy, 1 for float types).
long hk_qblock(int type);
/// Rows of one packed panel: matrices are packed and multiplied HK_PANEL_ROWS output rows at a time.
#define HK_PANEL_ROWS 16

/// Bytes of one packed panel of HK_PANEL_ROWS rows × k.
long hk_qpanel_bytes(int type, long k);

/// Repacks rows [row0, row0 + rows) of a GGUF matrix, src: (n, k) in `type` blocks, into panels row0/16 … of dst.
/// row0 is a multiple of 16; rows past n are zero-filled. Returns 0, or -1 when a scale is not finite.
int hk_qpack(int type, const void *src, long n, long k, long row0, long rows, void *dst);

/// Dequantizes row `row` of a packed matrix into out: (k), with the kernels' exact formula (embedding lookup).
void hk_qrow(int type, const void *packed, long k, long row, float *out);

/// Dequantizes the k range [k0, k0 + kt) of one panel into w: (kt, 16) f32 with the scalar formula: the reference
/// the SIMD tiles equal bit for bit. k0 and kt are multiples of the type's super-block (or kt reaches k).
void hk_qtile_scalar(int type, const void *panel, long k, long k0, long kt, float *w);

/// Which kernels run: 0 scalar-tile reference driver, 1 AVX2/FMA, 2 AVX-512. hk_qisa_best() is what this CPU has.
int hk_qisa_best(void);
/// Most rows that take the fused few-rows path (-1: the kernel's own maximum, 4 with AVX-512, 2 with AVX2; 0: always
/// the tiled path). Both paths give the same bits; this exists to measure the crossover (HEARTH_FUSED_ROWS).
extern int hk_qfused_rows;
void hk_qset_fused_rows(int rows);

/// Scratch floats one call of hk_qgemm needs for rows of length k (any row count: rows pass in chunks of 64).
long hk_qscratch_floats(long k);

/// y[r, col] (+)= Σ_k x[r, k] · W[col, k] for the columns of panels [p0, p1) of a packed matrix W: (n, k).
/// x: (rows, k) with row stride ldx; y: (rows, n) with stride ldy. scratch: hk_qscratch_floats(k) floats,
/// 64-byte aligned, one per concurrent caller.
void hk_qgemm(int isa, int type, const void *packed, long k, long n, long p0, long p1,
              const float *x, long ldx, long rows, float *y, long ldy, int accumulate, float *scratch);

#endif
