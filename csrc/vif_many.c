/* Integer VIF of one reference plane against several distorted planes of the same geometry.
 *
 * The reference's share is computed once: its decimated planes (scales 1 to 3) and, at every
 * scale, its filtered mean and second moment at every location. Each distorted plane then
 * adds its own decimated planes, its mean, second moment and cross moment with the reference,
 * the variances and the per-location statistic. Every value is the integer vn_vif computes
 * (the same taps, shifts and rounding, moment by moment), so each distorted plane's scores
 * equal vn_vif's on that pair.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"
#include "vif_internal.h"

static const int NTAPS[4] = { 17, 9, 5, 3 };

/* One scale's plane: uint8 (is8) or uint16 samples, stride in samples. */
typedef struct {
    const void *p;
    int is8;
    int64_t stride;
} vn_plane;

static void rows_of(const vn_plane *pl, int y, int nt, int h, const void **rows)
{
    const int r = nt / 2;
    for (int k = 0; k < nt; k++) {
        const int64_t row = vn_mirror(y + k - r, h);
        rows[k] = pl->is8 ? (const void *)((const uint8_t *)pl->p + row * pl->stride)
                          : (const void *)((const uint16_t *)pl->p + row * pl->stride);
    }
}

/* Vertical mean (into v) and second moment of a and b (into vp) of row y, padded. */
static void vert(const vn_vif_share_kernels *sk, int s, const vn_plane *a, const vn_plane *b, int w,
                 int h, int y, int q1, int q2, int mean, uint32_t *v, uint32_t *vp)
{
    const int nt = NTAPS[s], r = nt / 2;
    const void *ra[17], *rb[17];
    rows_of(a, y, nt, h, ra);
    rows_of(b, y, nt, h, rb);
    if (a->is8) {
        if (mean)
            sk->vsum8((const uint8_t *const *)rb, w, q1, v + r);
        sk->vprod8((const uint8_t *const *)ra, (const uint8_t *const *)rb, w, vp + r);
    } else {
        if (mean)
            sk->vsum16[s]((const uint16_t *const *)rb, w, q1, v + r);
        sk->vprod16[s]((const uint16_t *const *)ra, (const uint16_t *const *)rb, w, q2, vp + r);
    }
    if (mean)
        vn_vif_pad_u32(v, w, r);
    vn_vif_pad_u32(vp, w, r);
}

int vn_vif_many(const void *ref, const void *const *dis, int n_dis, int width, int height,
                ptrdiff_t stride, int bitdepth, const double *gain_limits, int n_limits, int simd,
                double *scores, int64_t *capped, int64_t *locations)
{
    if (!dis || n_dis < 1 || !vn_vif_plane_ok(ref, width, height, stride, bitdepth) ||
        !vn_vif_args_ok(gain_limits, n_limits, scores, capped, locations))
        return VN_EINVAL;
    for (int i = 0; i < n_dis; i++)
        if (!vn_vif_plane_ok(dis[i], width, height, stride, bitdepth))
            return VN_EINVAL;
    const vn_kernels *ks;
    const int rc = vn_select(simd, &ks);
    if (rc != VN_OK)
        return rc;
    const vn_vif_kernels *kn = ks->vif;
    const vn_vif_share_kernels *sk = ks->vif_share;
    const int is8 = bitdepth == 8;
    if (is8 && kn->mom8_sig) {
        /* This level filters both 8-bit planes' five moments and their variances in one fused
         * pass a row; sharing the reference's two moments instead goes through plane-sized
         * buffers and costs more than it saves (docs/many-encodes.md), so each distorted plane
         * is scored on its own, as vn_vif scores it. */
        for (int i = 0; i < n_dis; i++) {
            const int rc1 = vn_vif(ref, dis[i], width, height, stride, stride, bitdepth,
                                   gain_limits, n_limits, simd, scores + (size_t)i * 4 * n_limits,
                                   capped + (size_t)i * 4 * n_limits, locations);
            if (rc1 != VN_OK)
                return rc1;
        }
        return VN_OK;
    }
    const int64_t st = stride / (is8 ? 1 : 2);

    int ws[4], hs[4];
    size_t n[4], n_all = 0, n_dec = 0;
    for (int s = 0; s < 4; s++) {
        ws[s] = s ? ws[s - 1] / 2 : width;
        hs[s] = s ? hs[s - 1] / 2 : height;
        n[s] = (size_t)ws[s] * (size_t)hs[s];
        n_all += n[s];
        if (s)
            n_dec += n[s];
    }
    const size_t rowlen = (size_t)width + 16;
    uint32_t *moments = malloc(sizeof(uint32_t) * 2 * n_all); /* reference mean, square */
    uint16_t *planes = malloc(sizeof(uint16_t) * 2 * n_dec);  /* reference, distorted */
    struct vn_vif_work wk;
    if (!moments || !planes || vn_vif_work_alloc(&wk, rowlen) != VN_OK) {
        free(moments);
        free(planes);
        return VN_ENOMEM;
    }
    uint32_t *mu[4], *sq[4];
    uint16_t *rpl[4] = { NULL }, *dpl[4] = { NULL };
    size_t at = 0, atp = 0;
    for (int s = 0; s < 4; s++) {
        mu[s] = moments + at;
        sq[s] = moments + at + n[s];
        at += 2 * n[s];
        if (s) {
            rpl[s] = planes + atp;
            dpl[s] = planes + n_dec + atp;
            atp += n[s];
        }
    }

    /* the reference's share: its pyramid, and its mean and second moment at every scale */
    for (int s = 0; s < 4; s++) {
        const int w = ws[s], h = hs[s];
        if (s)
            vn_vif_decimate(kn, s, s == 1 ? ref : (const void *)rpl[s - 1], s == 1 ? is8 : 0,
                            ws[s - 1], hs[s - 1], s == 1 ? st : ws[s - 1], s == 1 ? bitdepth : 16,
                            rpl[s], &wk);
        const vn_plane a = { s ? (const void *)rpl[s] : ref, s ? 0 : is8, s ? w : st };
        const int q1 = s ? 16 : bitdepth, q2 = s ? 16 : 2 * (bitdepth - 8);
        for (int y = 0; y < h; y++) {
            vert(sk, s, &a, &a, w, h, y, q1, q2, 1, wk.v[0], wk.v[2]);
            sk->hsum[s](wk.v[0], w, mu[s] + (size_t)y * w);
            sk->hprod[s](wk.v[2], w, sq[s] + (size_t)y * w);
        }
        locations[s] = (int64_t)w * h;
    }

    /* each distorted plane's share */
    for (int i = 0; i < n_dis; i++) {
        double *sc = scores + (size_t)i * 4 * n_limits;
        int64_t *cp = capped + (size_t)i * 4 * n_limits;
        for (int s = 0; s < 4; s++) {
            const int w = ws[s], h = hs[s];
            if (s)
                vn_vif_decimate(kn, s, s == 1 ? dis[i] : (const void *)dpl[s - 1], s == 1 ? is8 : 0,
                                ws[s - 1], hs[s - 1], s == 1 ? st : ws[s - 1],
                                s == 1 ? bitdepth : 16, dpl[s], &wk);
            const vn_plane a = { s ? (const void *)rpl[s] : ref, s ? 0 : is8, s ? w : st };
            const vn_plane b = { s ? (const void *)dpl[s] : dis[i], s ? 0 : is8, s ? w : st };
            const int q1 = s ? 16 : bitdepth, q2 = s ? 16 : 2 * (bitdepth - 8);
            vn_vif_acc acc;
            memset(&acc, 0, sizeof acc);
            const int nt = NTAPS[s], r = nt / 2;
            for (int y = 0; y < h; y++) {
                const void *ra[17], *rb[17];
                rows_of(&a, y, nt, h, ra);
                rows_of(&b, y, nt, h, rb);
                if (a.is8)
                    sk->vdis8((const uint8_t *const *)ra, (const uint8_t *const *)rb, w, q1, q2,
                              wk.v[1] + r, wk.v[3] + r, wk.v[4] + r);
                else
                    sk->vdis16[s]((const uint16_t *const *)ra, (const uint16_t *const *)rb, w, q1,
                                  q2, wk.v[1] + r, wk.v[3] + r, wk.v[4] + r);
                vn_vif_pad_u32(wk.v[1], w, r);
                vn_vif_pad_u32(wk.v[3], w, r);
                vn_vif_pad_u32(wk.v[4], w, r);
                sk->hdis[s](wk.v[1], wk.v[3], wk.v[4], w, wk.m[1], wk.m[3], wk.m[4]);
                const size_t o = (size_t)y * w;
                kn->sigmas(mu[s] + o, wk.m[1], sq[s] + o, wk.m[3], wk.m[4], w, wk.s[0], wk.s[1],
                           wk.s[2]);
                kn->stat(wk.s[0], wk.s[1], wk.s[2], w, gain_limits, n_limits, &acc);
            }
            vn_vif_finish_scale(&acc, s, n_limits, sc, cp);
        }
    }
    free(moments);
    free(planes);
    vn_vif_work_free(&wk);
    return VN_OK;
}
