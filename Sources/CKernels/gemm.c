// Row-invariant matrix product for the decode rows: y = x · Wᵀ over weights packed in 16-column panels.
//
// Every output element is one FMA chain over k = 0..K-1 in order, whatever the number of rows, the row
// block it falls in, or the column range a thread takes; so a row's result never depends on its batch.
#include "kernels.h"
#include <immintrin.h>
#include <string.h>

#define PANEL 16

void hk_pack_panels(const float *w, long n, long k, float *packed) {
    const long panels = (n + PANEL - 1) / PANEL;
    for (long p = 0; p < panels; p++) {
        float *dst = packed + p * k * PANEL;
        for (long j = 0; j < PANEL; j++) {
            const long row = p * PANEL + j;
            if (row < n) {
                const float *src = w + row * k;
                for (long kk = 0; kk < k; kk++) dst[kk * PANEL + j] = src[kk];
            } else {
                for (long kk = 0; kk < k; kk++) dst[kk * PANEL + j] = 0;
            }
        }
    }
}

// One block of MR rows × 16 columns; MR is a compile-time constant at every call so the accumulators stay in registers.
static inline __attribute__((always_inline)) void block(const float *x, long ldx, const long MR, const float *panel, long k,
                                                        float *y, long ldy, long cols, int accumulate, const float *next) {
    __m256 c[6][2];
    for (long r = 0; r < MR; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        // The first row block of a panel also pulls the next panel toward the cache, overlapping DRAM with FMAs.
        if (next) _mm_prefetch((const char *)(next + kk * PANEL), _MM_HINT_T1);
        const __m256 b0 = _mm256_loadu_ps(panel + kk * PANEL), b1 = _mm256_loadu_ps(panel + kk * PANEL + 8);
        for (long r = 0; r < MR; r++) {
            const __m256 a = _mm256_broadcast_ss(x + r * ldx + kk);
            c[r][0] = _mm256_fmadd_ps(a, b0, c[r][0]);
            c[r][1] = _mm256_fmadd_ps(a, b1, c[r][1]);
        }
    }
    for (long r = 0; r < MR; r++) {
        float *o = y + r * ldy;
        if (cols == PANEL) {
            if (accumulate) {
                c[r][0] = _mm256_add_ps(_mm256_loadu_ps(o), c[r][0]);
                c[r][1] = _mm256_add_ps(_mm256_loadu_ps(o + 8), c[r][1]);
            }
            _mm256_storeu_ps(o, c[r][0]);
            _mm256_storeu_ps(o + 8, c[r][1]);
        } else {
            float tmp[PANEL];
            _mm256_storeu_ps(tmp, c[r][0]);
            _mm256_storeu_ps(tmp + 8, c[r][1]);
            for (long j = 0; j < cols; j++) o[j] = accumulate ? o[j] + tmp[j] : tmp[j];
        }
    }
}

static void rows_over_panels(const float *x, long ldx, long m, const float *packed, long k, long n, long p0, long p1,
                             float *y, long ldy, int accumulate) {
    for (long p = p0; p < p1; p++) {
        const float *panel = packed + p * k * PANEL;
        const float *next = p + 1 < p1 ? panel + k * PANEL : 0;
        const long col = p * PANEL, cols = n - col < PANEL ? n - col : PANEL;
        long r = 0;
        // Blocks of 6 rows; 7 or 8 left become 4 + rest so no block is very thin.
        while (m - r > 8 || m - r == 6) { block(x + r * ldx, ldx, 6, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); r += 6; }
        if (m - r >= 7) { block(x + r * ldx, ldx, 4, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); r += 4; }
        switch (m - r) {
        case 1: block(x + r * ldx, ldx, 1, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); break;
        case 2: block(x + r * ldx, ldx, 2, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); break;
        case 3: block(x + r * ldx, ldx, 3, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); break;
        case 4: block(x + r * ldx, ldx, 4, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); break;
        case 5: block(x + r * ldx, ldx, 5, panel, k, y + r * ldy + col, ldy, cols, accumulate, r == 0 ? next : 0); break;
        default: break;
        }
    }
}

void hk_gemm_packed(const float *x, long ldx, long m, const float *packed, long k, long n, long panelBegin, long panelEnd,
                    float *y, long ldy, int accumulate) {
    // Rows in chunks that stay in L2 while every panel of the range passes over them.
    const long chunk = 96;
    for (long r0 = 0; r0 < m; r0 += chunk) {
        const long mc = m - r0 < chunk ? m - r0 : chunk;
        rows_over_panels(x + r0 * ldx, ldx, mc, packed, k, n, panelBegin, panelEnd, y + r0 * ldy, ldy, accumulate);
    }
}
