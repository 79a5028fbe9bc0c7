// Causal attention over paged K/V with AVX2. Each (row, key) score is one fixed-order dot product and each
// output element one fixed-order sum over keys, so results are independent of tiling, chunking and batching.
#include "kernels.h"
#include "vexp.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define TILE HK_ATTN_TILE

static inline __m256 load8(const void *cache, int f16, long index) {
    if (f16) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)cache + index)));
    return _mm256_loadu_ps((const float *)cache + index);
}

static inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

void hk_attention(const float *q, long ldq, long rows, long start, const void *kCache, const void *vCache, int f16,
                  const int32_t *blockTable, long blockSize, long kvHeads, long headDim, long kvHead,
                  float scale, float *out, long ldo, float *scratch) {
    const long kvDim = kvHeads * headDim, off = kvHead * headDim;
    const long ctx = start + rows;
    for (long r0 = 0; r0 < rows; r0 += TILE) {
        const long nr = rows - r0 < TILE ? rows - r0 : TILE;
        const long keys = start + r0 + nr; // keys the last row of the tile sees
        // scores: (nr, keys) — one dot product per (row, key), accumulated in 8 lanes over headDim, then hsum.
        long j0 = 0;
        if (nr == 1) {
            // One row (decode): four keys at a time, four independent chains of the same arithmetic.
            const float *qr = q + r0 * ldq;
            for (; j0 + 4 <= keys; j0 += 4) {
                long base[4];
                for (int u = 0; u < 4; u++) {
                    const long j = j0 + u, slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
                    base[u] = slot * kvDim + off;
                }
                __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
                for (long d = 0; d < headDim; d += 8) {
                    const __m256 qv = _mm256_loadu_ps(qr + d);
                    for (int u = 0; u < 4; u++) acc[u] = _mm256_fmadd_ps(qv, load8(kCache, f16, base[u] + d), acc[u]);
                }
                for (int u = 0; u < 4; u++) scratch[j0 + u] = hsum(acc[u]) * scale;
            }
        }
        for (long j = j0; j < keys; j++) {
            const long slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
            const long base = slot * kvDim + off;
            __m256 acc[TILE];
            for (long r = 0; r < nr; r++) acc[r] = _mm256_setzero_ps();
            for (long d = 0; d < headDim; d += 8) {
                __m256 k = load8(kCache, f16, base + d);
                for (long r = 0; r < nr; r++) acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(q + (r0 + r) * ldq + d), k, acc[r]);
            }
            for (long r = 0; r < nr; r++) scratch[r * ctx + j] = hsum(acc[r]) * scale;
        }
        // softmax per row over its visible keys [0, start + r0 + r]
        float inv[TILE];
        for (long r = 0; r < nr; r++) {
            float *s = scratch + r * ctx;
            const long n = start + r0 + r + 1;
            float m = -INFINITY;
            for (long j = 0; j < n; j++) m = s[j] > m ? s[j] : m;
            float sum = 0;
            long j = 0;
            const __m256 mv = _mm256_set1_ps(m);
            for (; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, hk_exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), mv)));
            for (; j < n; j++) s[j] = hk_exp1(s[j] - m);
            for (j = 0; j < n; j++) sum += s[j]; // in key order, so the sum never depends on the tiling
            for (long j = n; j < keys; j++) s[j] = 0; // masked keys of earlier rows in the tile add exact zeros
            inv[r] = 1.0f / sum;
        }
        // out: (nr, headDim) = P · V, 8 columns at a time, keys in order.
        if (nr == 1) {
            // One row: 64 columns at a time, eight independent chains over the keys in the same order.
            for (long d0 = 0; d0 < headDim; d0 += 64) {
                const long nb = headDim - d0 < 64 ? (headDim - d0) / 8 : 8;
                __m256 acc[8];
                for (long b = 0; b < 8; b++) acc[b] = _mm256_setzero_ps();
                for (long j = 0; j < keys; j++) {
                    const long slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
                    const __m256 p = _mm256_set1_ps(scratch[j]);
                    const long base = slot * kvDim + off + d0;
                    for (long b = 0; b < nb; b++) acc[b] = _mm256_fmadd_ps(p, load8(vCache, f16, base + 8 * b), acc[b]);
                }
                for (long b = 0; b < nb; b++) _mm256_storeu_ps(out + r0 * ldo + d0 + 8 * b, _mm256_mul_ps(acc[b], _mm256_set1_ps(inv[0])));
            }
            continue;
        }
        for (long d = 0; d < headDim; d += 8) {
            __m256 acc[TILE];
            for (long r = 0; r < nr; r++) acc[r] = _mm256_setzero_ps();
            for (long j = 0; j < keys; j++) {
                const long slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
                __m256 v = load8(vCache, f16, slot * kvDim + off + d);
                for (long r = 0; r < nr; r++) acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(scratch[r * ctx + j]), v, acc[r]);
            }
            for (long r = 0; r < nr; r++) _mm256_storeu_ps(out + (r0 + r) * ldo + d, _mm256_mul_ps(acc[r], _mm256_set1_ps(inv[r])));
        }
    }
}
