// The packed-panel product, written once over a 16-lane vector V; qgemm_avx2.c and qgemm_avx512.c include it
// after defining V, VI and the v_/vi_ primitives, MR_MAX and QGEMM_NAME.
//
// Loop order: rows in chunks of HK_ROW_CHUNK; per panel, the k range in tiles of HK_TILE; each tile is
// dequantized once to f32 (tile: (kt, 16), L1) and every row of the chunk runs its fma chain over it, its 16
// accumulators carried across tiles in acc: (rows, 16). Storing and reloading an accumulator does not round, so
// each output is the one chain over k = 0..K-1 that quant.h promises.
#include "quant_layout.h"
#include <string.h>
#include <immintrin.h>

#define AI __attribute__((always_inline))

/// Dequantizes one group's codes: w[kk] = fma(c, D, -M) for kk in 0..<G; w: (G, 16).
static inline AI void dq_codes(const uint8_t *codes, const int width, const long G, V D, V M, float *w) {
    if (width == 8) {
        for (long kk = 0; kk < G; kk++) v_store(w + 16 * kk, v_fmsub(v_cvt(vi_u8(codes + 16 * kk)), D, M));
        return;
    }
    const uint8_t *planes = codes + G * 8;
    for (long kk = 0; kk < G; kk += 2) {
        const VI b = vi_u8(codes + 8 * kk);
        VI c0 = vi_and15(b), c1 = vi_shr4(b);
        if (width >= 5) {
            c0 = vi_addbit(c0, planes + 2 * kk, 16);
            c1 = vi_addbit(c1, planes + 2 * (kk + 1), 16);
        }
        if (width >= 6) {
            c0 = vi_addbit(c0, planes + 2 * (G + kk), 32);
            c1 = vi_addbit(c1, planes + 2 * (G + kk + 1), 32);
        }
        v_store(w + 16 * kk, v_fmsub(v_cvt(c0), D, M));
        v_store(w + 16 * (kk + 1), v_fmsub(v_cvt(c1), D, M));
    }
}

/// The scale vectors of group gi (k = gi·G …) of a quantized panel; returns its codes.
static inline AI const uint8_t *group_params(const hk_qlayout L, const uint8_t *panel, long gi, V *D, V *M) {
    if (L.kind == HK_KIND_KQUANT) {
        const long per = 256 / L.group;
        const float *sb = (const float *)(panel + (gi / per) * L.sbBytes);
        const uint8_t *grp = (const uint8_t *)sb + 128 + (gi % per) * L.groupBytes;
        *D = v_mul(v_load(sb), v_i8(grp));
        *M = v_mul(v_load(sb + 16), v_i8(grp + 16));
        return grp + 32;
    }
    const uint8_t *grp = panel + gi * L.sbBytes;
    *D = v_f16(grp);
    *M = L.kind == HK_KIND_SYM ? v_mul(v_set1(L.bias), *D) : v_neg(v_f16(grp + 32));
    return grp + L.scaleBytes;
}

/// Row k of a float-type panel: (16).
static inline AI V float_row(const int type, const uint8_t *panel, long k) {
    return type == HK_F32 ? v_load((const float *)panel + 16 * k)
         : type == HK_F16 ? v_f16(panel + 32 * k) : v_bf16(panel + 32 * k);
}

/// Dequantizes k in [k0, k0 + kt) of one panel into w: (kt, 16); the same values as hk_qtile_scalar.
static inline AI void dq_tile(const int type, const hk_qlayout L, const uint8_t *panel, long k0, long kt, float *w) {
    if (L.kind == HK_KIND_FLOAT) {
        for (long kk = 0; kk < kt; kk++) v_store(w + 16 * kk, float_row(type, panel, k0 + kk));
        return;
    }
    for (long gi = k0 / L.group; gi < (k0 + kt) / L.group; gi++) {
        V D, M;
        const uint8_t *codes = group_params(L, panel, gi, &D, &M);
        dq_codes(codes, L.width, L.group, D, M, w + 16 * (gi * L.group - k0));
    }
}

/// For a few rows: MR rows × NP panels with the weights dequantized in registers, many independent chains in flight.
/// acc: (MR, NP·16), the finished sums.
static inline AI void fused(const int type, const hk_qlayout L, const uint8_t *panel, long pb, const long NP,
                            const float *x, long ldx, const long MR, long k, float *acc) {
    V c[FUSED_MR][FUSED_NP];
    for (long r = 0; r < MR; r++)
        for (long p = 0; p < NP; p++) c[r][p] = v_set1(0.0f);
    if (L.kind == HK_KIND_FLOAT) {
        for (long kk = 0; kk < k; kk++)
            for (long p = 0; p < NP; p++) {
                const V w = float_row(type, panel + p * pb, kk);
                for (long r = 0; r < MR; r++) c[r][p] = v_fma(v_set1(x[r * ldx + kk]), w, c[r][p]);
            }
    } else {
        const long G = L.group;
        for (long gi = 0; gi < k / G; gi++) {
            V D[FUSED_NP], M[FUSED_NP];
            const uint8_t *codes[FUSED_NP];
            for (long p = 0; p < NP; p++) {
                codes[p] = group_params(L, panel + p * pb, gi, &D[p], &M[p]);
                // The panels are short streams that the hardware prefetcher catches late: ask for two groups ahead.
                for (long b = 0; b < L.groupBytes; b += 64) _mm_prefetch((const char *)codes[p] + 2 * L.groupBytes + b, _MM_HINT_T0);
            }
            const float *xg = x + gi * G;
            if (L.width == 8) {
                for (long kk = 0; kk < G; kk++)
                    for (long p = 0; p < NP; p++) {
                        const V w = v_fmsub(v_cvt(vi_u8(codes[p] + 16 * kk)), D[p], M[p]);
                        for (long r = 0; r < MR; r++) c[r][p] = v_fma(v_set1(xg[r * ldx + kk]), w, c[r][p]);
                    }
                continue;
            }
            for (long kk = 0; kk < G; kk += 2)
                for (long p = 0; p < NP; p++) {
                    const uint8_t *planes = codes[p] + G * 8;
                    const VI b = vi_u8(codes[p] + 8 * kk);
                    VI c0 = vi_and15(b), c1 = vi_shr4(b);
                    if (L.width >= 5) {
                        c0 = vi_addbit(c0, planes + 2 * kk, 16);
                        c1 = vi_addbit(c1, planes + 2 * (kk + 1), 16);
                    }
                    if (L.width >= 6) {
                        c0 = vi_addbit(c0, planes + 2 * (G + kk), 32);
                        c1 = vi_addbit(c1, planes + 2 * (G + kk + 1), 32);
                    }
                    const V w0 = v_fmsub(v_cvt(c0), D[p], M[p]), w1 = v_fmsub(v_cvt(c1), D[p], M[p]);
                    for (long r = 0; r < MR; r++) {
                        c[r][p] = v_fma(v_set1(xg[r * ldx + kk]), w0, c[r][p]);
                        c[r][p] = v_fma(v_set1(xg[r * ldx + kk + 1]), w1, c[r][p]);
                    }
                }
        }
    }
    for (long r = 0; r < MR; r++)
        for (long p = 0; p < NP; p++) v_store(acc + r * NP * 16 + 16 * p, c[r][p]);
}

/// The few-rows path over panels [p0, p1): groups of FUSED_NP panels, then single panels.
static inline AI void few_rows(const int type, const hk_qlayout L, const uint8_t *packed, long pb, long k, long n,
                               long p0, long p1, const float *x, long ldx, const long MR, float *y, long ldy,
                               int accumulate, float *acc) {
    long p = p0;
    for (; p1 - p >= FUSED_NP; p += FUSED_NP) {
        fused(type, L, packed + p * pb, pb, FUSED_NP, x, ldx, MR, k, acc);
        for (long i = 0; i < FUSED_NP; i++) {
            const long col = 16 * (p + i);
            if (col >= n) break;
            hk_store_acc_ld(acc + 16 * i, FUSED_NP * 16, MR, y + col, ldy, n - col < 16 ? n - col : 16, accumulate);
        }
    }
    for (; p < p1; p++) {
        fused(type, L, packed + p * pb, pb, 1, x, ldx, MR, k, acc);
        hk_store_acc_ld(acc, 16, MR, y + 16 * p, ldy, n - 16 * p < 16 ? n - 16 * p : 16, accumulate);
    }
}

/// acc[r] = fma chain of x[r, 0..kt) against TP tiles w[p]: (kt, 16) (tile stride wstride), continuing from acc:
/// (MR, TP·16). xp: x packed (kt, MR), so every broadcast is at a fixed offset from one pointer.
static inline AI void mk(const float *xp, const long MR, const long TP, const float *w, long wstride, long kt, float *acc) {
    V c[MR_MAX][TILE_NP];
    for (long r = 0; r < MR; r++)
        for (long p = 0; p < TP; p++) c[r][p] = v_load(acc + r * TP * 16 + 16 * p);
    for (long kk = 0; kk < kt; kk++) {
        V b[TILE_NP];
        for (long p = 0; p < TP; p++) b[p] = v_load(w + p * wstride + 16 * kk);
        for (long r = 0; r < MR; r++) {
            const V a = v_set1(xp[kk * MR + r]);
            for (long p = 0; p < TP; p++) c[r][p] = v_fma(a, b[p], c[r][p]);
        }
    }
    for (long r = 0; r < MR; r++)
        for (long p = 0; p < TP; p++) v_store(acc + r * TP * 16 + 16 * p, c[r][p]);
}

/// Every row block of the chunk over the tiles [k0, k0 + kt) of TP panels. xp: the chunk packed by pack_rows.
static inline AI void rows_over_tile(const float *xp, long k, long mc, const long TP, const float *w, long k0, long kt,
                                     float *acc) {
    long r = 0;
    for (; mc - r >= MR_MAX; r += MR_MAX) mk(xp + r * k + k0 * MR_MAX, MR_MAX, TP, w, HK_TILE * 16, kt, acc + r * TP * 16);
    const long tail = mc - r;
    switch (tail) {
#define TAIL(n) case n: mk(xp + r * k + k0 * n, n, TP, w, HK_TILE * 16, kt, acc + r * TP * 16); break;
    TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5)
#if MR_MAX > 6
    TAIL(6) TAIL(7) TAIL(8) TAIL(9) TAIL(10) TAIL(11)
#endif
#undef TAIL
    default: break;
    }
}

/// Packs rows x[0..mc) into blocks of MR_MAX rows (and one tail block): block b at xp + b·MR_MAX·k holds
/// (k, rows of the block), k-major.
static inline void pack_rows(const float *x, long ldx, long mc, long k, float *xp) {
    for (long r0 = 0; r0 < mc; r0 += MR_MAX) {
        const long mr = mc - r0 < MR_MAX ? mc - r0 : MR_MAX;
        float *dst = xp + r0 * k;
        for (long r = 0; r < mr; r++)
            for (long kk = 0; kk < k; kk++) dst[kk * mr + r] = x[(r0 + r) * ldx + kk];
    }
}

/// TP panels starting at panel p over a packed row chunk; writes their finished columns.
static inline AI void panels_tiled(const int type, const hk_qlayout L, const uint8_t *packed, long pb, long k, long n,
                                   long p, const long TP, const float *xp, long mc, float *y, long ldy, int accumulate,
                                   float *w, float *acc) {
    memset(acc, 0, sizeof(float) * 16 * TP * mc);
    for (long k0 = 0; k0 < k; k0 += HK_TILE) {
        const long kt = k - k0 < HK_TILE ? k - k0 : HK_TILE;
        for (long i = 0; i < TP; i++) dq_tile(type, L, packed + (p + i) * pb, k0, kt, w + i * HK_TILE * 16);
        rows_over_tile(xp, k, mc, TP, w, k0, kt, acc);
    }
    for (long i = 0; i < TP; i++) {
        const long col = 16 * (p + i);
        if (col < n) hk_store_acc_ld(acc + 16 * i, TP * 16, mc, y + col, ldy, n - col < 16 ? n - col : 16, accumulate);
    }
}

static inline AI void qgemm_type(const int type, const void *packed, long k, long n, long p0, long p1, const float *x,
                                 long ldx, long rows, float *y, long ldy, int accumulate, float *scratch) {
    const hk_qlayout L = hk_qinfo(type);
    const long pb = hk_panel_bytes(L, k);
    float *w = scratch, *acc = w + HK_TILE * 16 * HK_TILE_NP_MAX, *xp = acc + HK_ROW_CHUNK * 16 * HK_TILE_NP_MAX;
    if (rows <= (hk_qfused_rows >= 0 && hk_qfused_rows < FUSED_MR ? hk_qfused_rows : FUSED_MR)) {
        switch (rows) {
#define FEW(R) case R: few_rows(type, L, (const uint8_t *)packed, pb, k, n, p0, p1, x, ldx, R, y, ldy, accumulate, acc); break;
        FEW(1) FEW(2)
#if FUSED_MR > 2
        FEW(3) FEW(4)
#endif
#undef FEW
        default: break;
        }
        return;
    }
    for (long r0 = 0; r0 < rows; r0 += HK_ROW_CHUNK) {
        const long mc = rows - r0 < HK_ROW_CHUNK ? rows - r0 : HK_ROW_CHUNK;
        pack_rows(x + r0 * ldx, ldx, mc, k, xp);
        long p = p0;
        for (; p1 - p >= TILE_NP; p += TILE_NP)
            panels_tiled(type, L, (const uint8_t *)packed, pb, k, n, p, TILE_NP, xp, mc, y + r0 * ldy, ldy, accumulate, w, acc);
        for (; p < p1; p++)
            panels_tiled(type, L, (const uint8_t *)packed, pb, k, n, p, 1, xp, mc, y + r0 * ldy, ldy, accumulate, w, acc);
    }
}

void QGEMM_NAME(int type, const void *packed, long k, long n, long p0, long p1, const float *x, long ldx, long rows,
                float *y, long ldy, int accumulate, float *scratch) {
    // One instantiation per type, so the tile's layout constants fold.
    switch (type) {
#define T(t) case t: qgemm_type(t, packed, k, n, p0, p1, x, ldx, rows, y, ldy, accumulate, scratch); break;
    T(HK_F32) T(HK_F16) T(HK_BF16) T(HK_Q4_0) T(HK_Q4_1) T(HK_Q5_0) T(HK_Q5_1) T(HK_Q8_0)
    T(HK_Q2_K) T(HK_Q3_K) T(HK_Q4_K) T(HK_Q5_K) T(HK_Q6_K)
#undef T
    default: break;
    }
}
