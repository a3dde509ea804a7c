/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The statistics of the verdict: a seeded random stream, means and intervals, the paired
 * comparison, rank correlation and inter-judge agreement. Plain functions on arrays of
 * doubles; nothing here allocates anything the caller must free, touches global state or
 * reads the clock, so the same input gives the same answer on every run and platform.
 *
 * Degenerate input is answered, never guessed at: a statistic that does not exist for the
 * data (the SD of one value, a correlation with a constant) is NAN, and each function says
 * below exactly when. Values are expected finite: a NAN among them gives a NAN answer
 * unless a function says otherwise. Arrays may be NULL only when their length is 0. */

/* ---- Random numbers ------------------------------------------------------------------- */

/* xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64. Integer arithmetic
 * only, so a seed gives the same stream of integers and of tb_rng_double on every platform;
 * the run id is the seed (tb_rng_seed_from_string) so that `show` prints the same intervals
 * every time. Copy the struct to fork a stream. */
typedef struct {
  guint64 s[4];
} TbRng;

/* Fills the state from `seed` through splitmix64; every seed, 0 included, is valid. */
void     tb_rng_init               (TbRng       *rng,
                                    guint64      seed);

/* FNV-1a (64-bit) of the bytes of `text` (UTF-8 as stored; "" gives the FNV offset basis
 * 0xcbf29ce484222325). */
guint64  tb_rng_seed_from_string   (const char  *text);

/* The next 64 random bits. */
guint64  tb_rng_next               (TbRng       *rng);

/* Uniform in [0, 1): the top 53 bits of tb_rng_next scaled by 2^-53 (never 1.0). */
double   tb_rng_double             (TbRng       *rng);

/* Uniform in [0, n), without modulo bias (Lemire's multiply-and-reject on the top 32 bits
 * of a draw). 0 when n is 0 (a programming error, reported by g_return_val_if_fail). */
guint    tb_rng_below              (TbRng       *rng,
                                    guint        n);

/* A standard normal deviate (Marsaglia's polar method; the second deviate of each pair is
 * dropped so the state stays the four words above). It calls log() and sqrt(): sqrt is
 * exact everywhere, log may differ in the last bit between C libraries, so normals are
 * reproducible on one platform and equal to within rounding across platforms. */
double   tb_rng_normal             (TbRng       *rng);

/* ---- Descriptive statistics ----------------------------------------------------------- */

/* The arithmetic mean. NAN when n is 0. */
double   tb_stats_mean             (const double *x,
                                    gsize         n);

/* The sample standard deviation (divisor n − 1). NAN when n < 2; 0 when all values are
 * equal. */
double   tb_stats_sd               (const double *x,
                                    gsize         n);

/* The q-quantile by linear interpolation between order statistics (R's quantile(type = 7),
 * also numpy's default): h = (n − 1)·q, x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎) on the sorted
 * values. `x` need not be sorted and is not modified (a sorted copy is made). q = 0 is the
 * minimum, q = 1 the maximum, a single value is every quantile. NAN when n is 0, when q is
 * outside [0, 1] or NAN, or when a value is NAN. Used for latency p50 and p95. */
double   tb_stats_quantile         (const double *x,
                                    gsize         n,
                                    double        q);

/* The mean absolute difference Σ|x_i − y_i| / n (judge–human MAE). NAN when n is 0. */
double   tb_stats_mean_abs_diff    (const double *x,
                                    const double *y,
                                    gsize         n);

/* ---- Intervals and the paired comparison ---------------------------------------------- */

/* The percentile bootstrap interval of the mean: `resamples` times, draw n values of `x`
 * with replacement (a TbRng seeded with `seed`) and take their mean; the interval is the
 * (1 − level)/2 and (1 + level)/2 quantiles (type 7, as tb_stats_quantile) of those means.
 * A paired comparison is this call on the per-input differences a_i − b_i: the two are
 * "different" when the interval excludes 0.
 *
 * The verdict uses resamples ≥ 2000 and level 0.95. Returns TRUE and sets *low ≤ *high.
 * When every value is equal the interval is exactly [v, v] (no resampling is done).
 * Returns FALSE, leaving *low and *high untouched, when n < 2 (one sample has no interval)
 * or a value is not finite. `resamples` ≥ 1 and 0 < level < 1, or g_return_val_if_fail.
 *
 * Known behaviour, measured in tests/test-stats.c: for normal data the percentile interval
 * is too narrow at small n (its half-width is about z·s·√((n−1)/n)/√n where the exact one
 * is t_{n−1}·s/√n), so a nominal 95% covers about 93.5% at n = 30, 90% at n = 10 and 84%
 * at n = 5. tb_stats_bootstrap_mean_expanded corrects this. */
gboolean tb_stats_bootstrap_mean   (const double *x,
                                    gsize         n,
                                    guint         resamples,
                                    double        level,
                                    guint64       seed,
                                    double       *low,
                                    double       *high);

/* The same resampling (the same seed gives the same resampled means) with Hesterberg's
 * small-sample expansion ("What teachers should know about the bootstrap", The American
 * Statistician 69(4), 2015): the quantiles taken are Φ(−√(n/(n−1))·t) and its mirror, with
 * t = t_{n−1} the Student quantile of (1 + level)/2, instead of (1 ∓ level)/2. For
 * symmetric data that is about the t interval mean ± t·s/√n: for normal data a 95% interval
 * covers 95% at n = 30, 94% at n = 10 and 93% at n = 5 (the resampled means have shorter
 * tails than t there); for large n the two functions agree. At n = 2 and 3 the quantiles asked
 * for lie beyond the smallest and largest resampled means, which are then the interval.
 * Degenerate input is answered as by tb_stats_bootstrap_mean. */
gboolean tb_stats_bootstrap_mean_expanded (const double *x,
                                           gsize         n,
                                           guint         resamples,
                                           double        level,
                                           guint64       seed,
                                           double       *low,
                                           double       *high);

/* The standard normal quantile Φ⁻¹(p): Acklam's rational approximation refined by one
 * Halley step on erfc(), so the error is below 1e-11 for p in [1e-300, 1) (checked against
 * erfc in the tests); for subnormal p, where the step would overflow, Acklam's own relative
 * error of 1.2e-9. −INFINITY at 0, +INFINITY at 1, NAN outside [0, 1] or for NAN. */
double   tb_stats_normal_quantile  (double        p);

/* Student's t quantile with `df` degrees of freedom, to about 1e-12 relative: bisection on
 * the exact finite series of the t distribution for integer df (Abramowitz & Stegun
 * 26.7.3–4), O(df) a step. −INFINITY at 0, +INFINITY at 1, NAN for df = 0, NAN p or p
 * outside [0, 1]. */
double   tb_stats_t_quantile       (double        p,
                                    guint         df);

/* What tb_stats_inputs_to_separate answers when the observed mean difference is 0 (or so
 * small that the answer would not fit a guint): no number of inputs separates the two. */
#define TB_STATS_INPUTS_NEVER G_MAXUINT

/* For two models tied on the paired differences d_i = a_i − b_i: how many paired inputs in
 * all would make the observed mean difference significant at the two-sided 5% level with
 * 80% power, n = ⌈((z₀.₉₇₅ + z₀.₈₀) · sd(d) / |mean(d)|)²⌉ (normal approximation, so it is
 * an estimate, a little low for small answers). Never less than 2 (a difference needs two
 * inputs to have a spread): when sd(d) = 0 and mean(d) ≠ 0 the answer is 2.
 * TB_STATS_INPUTS_NEVER when mean(d) is 0 or the answer exceeds G_MAXUINT − 1.
 * 0 — "cannot estimate" — when n < 2 or a difference is not finite. */
guint    tb_stats_inputs_to_separate (const double *diffs,
                                      gsize         n);

/* ---- Correlation and agreement -------------------------------------------------------- */

/* Spearman's ρ: Pearson's correlation of the ranks, tied values sharing their average rank
 * (so it is exact with ties, unlike 1 − 6Σd²/(n(n²−1))). In [−1, 1]. NAN when n < 2, when
 * either variable has no variance (all values equal) or when a value is NAN. */
double   tb_stats_spearman         (const double *x,
                                    const double *y,
                                    gsize         n);

/* Krippendorff's α on a reliability matrix of `units` rows × `coders` columns in row-major
 * order (values[u * coders + c]) — for a jury: one row per output, one column per judge.
 * A NAN (any non-finite value) is a missing value. Units with fewer than two values are not
 * pairable and are left out, as in Krippendorff (2011). α = 1 − D_o / D_e, with the
 * observed disagreement D_o within units and the expected D_e over all pairable values.
 *
 * The interval metric, δ²(c, k) = (c − k)², is what the jury's agreement reports; the
 * nominal metric, δ = 0 when c = k else 1, is there for categories (and for checking against
 * the literature). α = 1 is perfect agreement, 0 agreement at chance, below 0 systematic
 * disagreement.
 *
 * NAN when fewer than two pairable values exist, and when D_e = 0: every pairable value is
 * the same, so no disagreement was possible and agreement cannot be told from chance
 * (Krippendorff leaves α undefined there; a jury that gives everything the same score has
 * not shown it can tell outputs apart). */
double   tb_stats_krippendorff_alpha_interval (const double *values,
                                               gsize         units,
                                               gsize         coders);

double   tb_stats_krippendorff_alpha_nominal  (const double *values,
                                               gsize         units,
                                               gsize         coders);

G_END_DECLS
