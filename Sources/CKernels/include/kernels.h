// Numeric kernels for the transformer forward pass other than the quantized matrix products (quant.h): norms,
// RoPE, activations, the KV-cache stores and attention. All buffers are row-major float32 unless a name says otherwise.
#ifndef HEARTH_KERNELS_H
#define HEARTH_KERNELS_H
#include <stdint.h>
#include <stddef.h>

/// Query rows hk_attention scores together; its scratch holds HK_ATTN_TILE score rows.
#define HK_ATTN_TILE 4

/// out[t, :] = x[t, :] / rms(x[t, :]) * weight; x and out may alias. x: (rows, dim) with row stride ldx, out stride ldo.
void hk_rmsnorm(const float *x, long ldx, const float *weight, float *out, long ldo, long rows, long dim, float eps);

/// Rotates `heads` heads of `headDim` per row in place. cosSin: (rows, ropeDim/2, 2) for each row's position.
/// neox=0 rotates adjacent pairs (2i, 2i+1) (llama GGUF); neox=1 rotates (i, i+ropeDim/2) (qwen2).
void hk_rope(float *x, long ldx, long rows, long heads, long headDim, long ropeDim, const float *cosSin, int neox);

/// out[t, i] = silu(gateUp[t, i]) * gateUp[t, ffn + i]; gateUp: (rows, 2*ffn), out: (rows, ffn).
void hk_silu_mul(const float *gateUp, float *out, long rows, long ffn);

/// y[t, :] += b for every row (bias add). y: (rows, n) with row stride ldy.
void hk_add_bias(float *y, long ldy, const float *b, long rows, long n);

/// Stores rows of K and V into paged storage: storage layout (block, slot, kvHeads*headDim) per layer.
/// slots[t] is the flat slot index block*blockSize+slot for token t. k, v: (rows, kvDim) with row stride ld.
void hk_store_kv(const float *k, const float *v, long ld, long rows, long kvDim, const int32_t *slots,
                 float *kCache, float *vCache);
/// Same as hk_store_kv with f16 storage.
void hk_store_kv_f16(const float *k, const float *v, long ld, long rows, long kvDim, const int32_t *slots,
                     uint16_t *kCache, uint16_t *vCache);

/// Causal attention for `rows` query rows of one head, straight from paged K/V storage.
///
/// q: (rows, headDim) with row stride ldq; row i sits at position start + i and attends positions [0, start + i].
/// out: (rows, headDim) with row stride ldo. Storage: (slot, kvHeads, headDim) per layer, slot = block*blockSize + offset.
/// Every output row is computed by the same sequence of operations whatever `rows` and `start` are, so a
/// sequence's result never depends on how its tokens were chunked or batched (batch invariance).
/// headDim must be a multiple of 8. scratch: at least 4 * (start + rows) floats.
void hk_attention(const float *q, long ldq, long rows, long start, const void *kCache, const void *vCache, int f16,
                  const int32_t *blockTable, long blockSize, long kvHeads, long headDim, long kvHead,
                  float scale, float *out, long ldo, float *scratch);

/// Converts n floats to halfs (round to nearest even), for the f16 KV cache.
void hk_f32_to_f16(const float *src, uint16_t *dst, long n);

/// A spin-wait hint (pause) for the worker pool.
static inline void hk_cpu_relax(void) { __builtin_ia32_pause(); }

#endif
