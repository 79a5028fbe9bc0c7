// Numeric kernels for the transformer forward pass: the loops that are not matrix products.
// All buffers are row-major float32 unless a name says otherwise.
#ifndef HEARTH_KERNELS_H
#define HEARTH_KERNELS_H
#include <stdint.h>
#include <stddef.h>

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

/// Gathers one kv head's keys and values for positions [0, length) of a sequence into contiguous (length, headDim).
void hk_gather_kv(const float *kCache, const float *vCache, const int32_t *blockTable, long blockSize,
                  long length, long kvHeads, long headDim, long kvHead, float *kOut, float *vOut);
void hk_gather_kv_f16(const uint16_t *kCache, const uint16_t *vCache, const int32_t *blockTable, long blockSize,
                      long length, long kvHeads, long headDim, long kvHead, float *kOut, float *vOut);

/// Row-wise causal softmax of scores (rows, ld): row i sees columns [0, visible0 + i]; masked columns become 0.
void hk_causal_softmax(float *scores, long ld, long rows, long visible0, float scale);

/// Attention of `rows` query rows of one head straight from paged storage (for decode and short chunks).
/// q: (rows, headDim) stride ldq; row i attends positions [0, start + i]. out: (rows, headDim) stride ldo.
/// scratch: at least start + rows floats.
void hk_attend_paged(const float *q, long ldq, long rows, long start, const float *kCache, const float *vCache,
                     const int32_t *blockTable, long blockSize, long kvHeads, long headDim, long kvHead,
                     float scale, float *out, long ldo, float *scratch);
void hk_attend_paged_f16(const float *q, long ldq, long rows, long start, const uint16_t *kCache, const uint16_t *vCache,
                         const int32_t *blockTable, long blockSize, long kvHeads, long headDim, long kvHead,
                         float scale, float *out, long ldo, float *scratch);

/// Converts n halfs to floats and back.
void hk_f16_to_f32(const uint16_t *src, float *dst, long n);
void hk_f32_to_f16(const float *src, uint16_t *dst, long n);

#endif
