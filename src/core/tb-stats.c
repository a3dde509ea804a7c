/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "tb-stats.h"

/* ---- Random numbers ------------------------------------------------------------------- */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
tb_rng_init (TbRng   *rng,
             guint64  seed)
{
  g_return_if_fail (rng != NULL);

  /* splitmix64 is a bijection of its counter, so four consecutive outputs are never all
   * zero: the one state xoshiro cannot leave is unreachable. */
  for (guint i = 0; i < G_N_ELEMENTS (rng->s); i++)
    rng->s[i] = splitmix64 (&seed);
}

guint64
tb_rng_seed_from_string (const char *text)
{
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  g_return_val_if_fail (text != NULL, 0);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      hash ^= *p;
      hash *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return hash;
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
tb_rng_next (TbRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
tb_rng_double (TbRng *rng)
{
  return (double) (tb_rng_next (rng) >> 11) * 0x1.0p-53;
}

guint
tb_rng_below (TbRng *rng,
              guint  n)
{
  guint64 m;
  guint32 low;

  g_return_val_if_fail (rng != NULL, 0);
  g_return_val_if_fail (n > 0, 0);

  /* Lemire (2019): the high word of a 32×32-bit product is uniform in [0, n) once the
   * products whose low word falls below 2^32 mod n are rejected; those are rare, and the
   * modulo is only computed when a low word is small enough to be one. */
  m = (tb_rng_next (rng) >> 32) * (guint64) n;
  low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = (guint32) -n % n;

      while (low < threshold)
        {
          m = (tb_rng_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint) (m >> 32);
}

double
tb_rng_normal (TbRng *rng)
{
  double u, v, s;

  g_return_val_if_fail (rng != NULL, NAN);

  do
    {
      u = 2.0 * tb_rng_double (rng) - 1.0;
      v = 2.0 * tb_rng_double (rng) - 1.0;
      s = u * u + v * v;
    }
  while (s >= 1.0 || s == 0.0);

  return u * sqrt (-2.0 * log (s) / s);
}

/* ---- Descriptive statistics ----------------------------------------------------------- */

double
tb_stats_mean (const double *x,
               gsize         n)
{
  double sum = 0.0;

  g_return_val_if_fail (x != NULL || n == 0, NAN);

  if (n == 0)
    return NAN;
  for (gsize i = 0; i < n; i++)
    sum += x[i];
  return sum / (double) n;
}

double
tb_stats_sd (const double *x,
             gsize         n)
{
  double mean, ss = 0.0;

  g_return_val_if_fail (x != NULL || n == 0, NAN);

  if (n < 2)
    return NAN;

  /* Two passes: the one-pass Σx² − (Σx)²/n cancels badly for scores far from 0. */
  mean = tb_stats_mean (x, n);
  for (gsize i = 0; i < n; i++)
    ss += (x[i] - mean) * (x[i] - mean);
  return sqrt (ss / (double) (n - 1));
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* R's type 7 on values already sorted ascending; n ≥ 1, 0 ≤ q ≤ 1. */
static double
sorted_quantile (const double *sorted,
                 gsize         n,
                 double        q)
{
  double h = (double) (n - 1) * q;
  gsize lo = (gsize) floor (h);

  if (lo >= n - 1)
    return sorted[n - 1];
  return sorted[lo] + (h - (double) lo) * (sorted[lo + 1] - sorted[lo]);
}

double
tb_stats_quantile (const double *x,
                   gsize         n,
                   double        q)
{
  g_autofree double *sorted = NULL;

  g_return_val_if_fail (x != NULL || n == 0, NAN);

  if (n == 0 || !(q >= 0.0 && q <= 1.0))
    return NAN;
  for (gsize i = 0; i < n; i++)
    if (isnan (x[i]))
      return NAN;   /* NAN has no place in an order, and qsort would misplace it */

  sorted = g_memdup2 (x, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_doubles);
  return sorted_quantile (sorted, n, q);
}

double
tb_stats_mean_abs_diff (const double *x,
                        const double *y,
                        gsize         n)
{
  double sum = 0.0;

  g_return_val_if_fail ((x != NULL && y != NULL) || n == 0, NAN);

  if (n == 0)
    return NAN;
  for (gsize i = 0; i < n; i++)
    sum += fabs (x[i] - y[i]);
  return sum / (double) n;
}

/* ---- Intervals and the paired comparison ---------------------------------------------- */

/* Both bootstraps: `expanded` chooses Hesterberg's quantile levels over (1 ∓ level)/2. */
static gboolean
bootstrap_mean (const double *x,
                gsize         n,
                guint         resamples,
                double        level,
                guint64       seed,
                gboolean      expanded,
                double       *low,
                double       *high)
{
  g_autofree double *means = NULL;
  gboolean all_equal = TRUE;
  double tail = (1.0 - level) / 2.0;
  TbRng rng;

  g_return_val_if_fail (x != NULL || n == 0, FALSE);
  g_return_val_if_fail (resamples >= 1, FALSE);
  g_return_val_if_fail (level > 0.0 && level < 1.0, FALSE);
  g_return_val_if_fail (low != NULL && high != NULL, FALSE);

  if (n < 2)
    return FALSE;
  /* The resampling draws indices below a guint. */
  g_return_val_if_fail (n <= G_MAXUINT, FALSE);

  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (x[i]))
        return FALSE;
      if (x[i] != x[0])
        all_equal = FALSE;
    }
  /* Summing n copies of v and dividing by n need not give v back to the last bit; the
   * contract says [v, v], so say it without arithmetic. */
  if (all_equal)
    {
      *low = *high = x[0];
      return TRUE;
    }

  /* Hesterberg (2015): the bootstrap SD of the mean is s·√((n−1)/n)/√n, and the percentile
   * interval is about mean ± z·that; asking for the tail Φ(−√(n/(n−1))·t_{n−1}) instead
   * makes it about mean ± t_{n−1}·s/√n, the t interval. */
  if (expanded)
    {
      double t = tb_stats_t_quantile ((1.0 + level) / 2.0, (guint) (n - 1));

      tail = 0.5 * erfc (sqrt ((double) n / (double) (n - 1)) * t / G_SQRT2);
    }

  tb_rng_init (&rng, seed);
  means = g_new (double, resamples);
  for (guint r = 0; r < resamples; r++)
    {
      double sum = 0.0;

      for (gsize i = 0; i < n; i++)
        sum += x[tb_rng_below (&rng, (guint) n)];
      means[r] = sum / (double) n;
    }
  qsort (means, resamples, sizeof (double), compare_doubles);

  *low = sorted_quantile (means, resamples, tail);
  *high = sorted_quantile (means, resamples, 1.0 - tail);
  return TRUE;
}

gboolean
tb_stats_bootstrap_mean (const double *x,
                         gsize         n,
                         guint         resamples,
                         double        level,
                         guint64       seed,
                         double       *low,
                         double       *high)
{
  return bootstrap_mean (x, n, resamples, level, seed, FALSE, low, high);
}

gboolean
tb_stats_bootstrap_mean_expanded (const double *x,
                                  gsize         n,
                                  guint         resamples,
                                  double        level,
                                  guint64       seed,
                                  double       *low,
                                  double       *high)
{
  return bootstrap_mean (x, n, resamples, level, seed, TRUE, low, high);
}

/* Acklam's approximation of Φ⁻¹ on the lower half, 0 < p ≤ 0.5; relative error 1.15e-9. */
static double
normal_quantile_acklam (double p)
{
  static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
                              -2.759285104469687e+02, 1.383577518672690e+02,
                              -3.066479806614716e+01, 2.506628277459239e+00 };
  static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
                              -1.556989798598866e+02, 6.680131188771972e+01,
                              -1.328068155288572e+01 };
  static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
                              -2.400758277161838e+00, -2.549732539343734e+00,
                              4.374664141464968e+00, 2.938163982698783e+00 };
  static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
                              2.445134137142996e+00, 3.754408661907416e+00 };
  double q, r;

  if (p < 0.02425)
    {
      q = sqrt (-2.0 * log (p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
             ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }

  q = p - 0.5;
  r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

double
tb_stats_normal_quantile (double p)
{
  double x, e, u;

  if (isnan (p) || p < 0.0 || p > 1.0)
    return NAN;
  if (p == 0.0)
    return -INFINITY;
  if (p == 1.0)
    return INFINITY;

  /* Work on the lower tail, where p is held to full relative precision: for p > 0.5 the
   * subtraction 1 − p is exact (Sterbenz), and Φ⁻¹(p) = −Φ⁻¹(1 − p). */
  if (p > 0.5)
    return -tb_stats_normal_quantile (1.0 - p);

  /* One Halley step on f(x) = Φ(x) − p, with Φ from erfc (accurate in the lower tail),
   * takes Acklam's 1e-9 to about machine precision. Past x ≈ −37.5 (p in the subnormals)
   * e^{x²/2} overflows; there the approximation stands as it is. */
  x = normal_quantile_acklam (p);
  e = 0.5 * erfc (-x / G_SQRT2) - p;
  u = e * sqrt (2.0 * G_PI) * exp (x * x / 2.0);
  if (isfinite (u))
    x = x - u / (1.0 + x * u / 2.0);
  return x;
}

/* P(|T| ≤ t) for Student's t with `df` degrees of freedom, t ≥ 0: the finite series of
 * Abramowitz & Stegun 26.7.3–4 in θ = atan(t/√df), exact for integer df. */
static double
t_central_probability (double t,
                       guint  df)
{
  double theta = atan (t / sqrt ((double) df));
  double s = sin (theta), c = cos (theta), c2 = c * c;
  double term = 1.0, sum = 1.0;

  if (df % 2 == 0)
    {
      /* sin θ · [1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3…(df−3))/(2·4…(df−2))cos^(df−2)θ] */
      for (guint k = 1; 2 * k <= df - 2; k++)
        {
          term *= c2 * (2.0 * k - 1.0) / (2.0 * k);
          sum += term;
        }
      return s * sum;
    }

  if (df == 1)
    return 2.0 * theta / G_PI;
  /* (2/π)·(θ + sin θ cos θ · [1 + ⅔cos²θ + … + (2·4…(df−3))/(1·3…(df−2))cos^(df−3)θ]) */
  for (guint k = 1; 2 * k + 1 <= df - 2; k++)
    {
      term *= c2 * (2.0 * k) / (2.0 * k + 1.0);
      sum += term;
    }
  return 2.0 / G_PI * (theta + s * c * sum);
}

double
tb_stats_t_quantile (double p,
                     guint  df)
{
  double target, lo = 0.0, hi = 1.0;

  if (df == 0 || isnan (p) || p < 0.0 || p > 1.0)
    return NAN;
  if (p == 0.0)
    return -INFINITY;
  if (p == 1.0)
    return INFINITY;
  if (p < 0.5)
    return -tb_stats_t_quantile (1.0 - p, df);

  /* Bisection on the central probability 2p − 1, which rises with t: slow beside Newton,
   * but it cannot fail, and it costs less than one bootstrap resample of the same n. */
  target = 2.0 * p - 1.0;
  while (t_central_probability (hi, df) < target && hi < 1e300)
    hi *= 2.0;
  for (guint i = 0; i < 2000; i++)
    {
      double mid = lo + (hi - lo) / 2.0;

      if (mid <= lo || mid >= hi)
        break;
      if (t_central_probability (mid, df) < target)
        lo = mid;
      else
        hi = mid;
    }
  return lo + (hi - lo) / 2.0;
}

guint
tb_stats_inputs_to_separate (const double *diffs,
                             gsize         n)
{
  /* z₀.₉₇₅ + z₀.₈₀: two-sided 5% with 80% power. */
  const double z = tb_stats_normal_quantile (0.975) + tb_stats_normal_quantile (0.80);
  double mean, sd, needed;

  g_return_val_if_fail (diffs != NULL || n == 0, 0);

  if (n < 2)
    return 0;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (diffs[i]))
      return 0;

  mean = tb_stats_mean (diffs, n);
  sd = tb_stats_sd (diffs, n);
  if (mean == 0.0)
    return TB_STATS_INPUTS_NEVER;

  needed = ceil ((z * sd / fabs (mean)) * (z * sd / fabs (mean)));
  if (!(needed < (double) G_MAXUINT))
    return TB_STATS_INPUTS_NEVER;
  return MAX ((guint) needed, 2);
}

/* ---- Correlation and agreement -------------------------------------------------------- */

static int
compare_indexed (const void *a,
                 const void *b,
                 void       *data)
{
  const double *values = data;

  return compare_doubles (&values[*(const gsize *) a], &values[*(const gsize *) b]);
}

/* Ranks 1…n, tied values sharing the mean of the ranks they span. */
static void
average_ranks (const double *x,
               gsize         n,
               double       *ranks)
{
  g_autofree gsize *order = g_new (gsize, n);

  for (gsize i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n, sizeof (gsize), compare_indexed, (gpointer) x);

  for (gsize start = 0; start < n;)
    {
      gsize end = start + 1;
      double rank;

      while (end < n && x[order[end]] == x[order[start]])
        end++;
      /* Positions start…end−1 hold ranks start+1…end; their mean: */
      rank = ((double) start + 1.0 + (double) end) / 2.0;
      for (gsize i = start; i < end; i++)
        ranks[order[i]] = rank;
      start = end;
    }
}

double
tb_stats_spearman (const double *x,
                   const double *y,
                   gsize         n)
{
  g_autofree double *rx = NULL;
  g_autofree double *ry = NULL;
  double mean, sxy = 0.0, sxx = 0.0, syy = 0.0;

  g_return_val_if_fail ((x != NULL && y != NULL) || n == 0, NAN);

  if (n < 2)
    return NAN;
  g_return_val_if_fail (n <= G_MAXINT, NAN);   /* g_qsort_with_data counts in gint */
  for (gsize i = 0; i < n; i++)
    if (isnan (x[i]) || isnan (y[i]))
      return NAN;

  rx = g_new (double, n);
  ry = g_new (double, n);
  average_ranks (x, n, rx);
  average_ranks (y, n, ry);

  /* Both rank vectors have mean (n + 1) / 2, ties or not. */
  mean = ((double) n + 1.0) / 2.0;
  for (gsize i = 0; i < n; i++)
    {
      sxy += (rx[i] - mean) * (ry[i] - mean);
      sxx += (rx[i] - mean) * (rx[i] - mean);
      syy += (ry[i] - mean) * (ry[i] - mean);
    }
  if (sxx == 0.0 || syy == 0.0)
    return NAN;
  return CLAMP (sxy / sqrt (sxx * syy), -1.0, 1.0);
}

typedef enum {
  METRIC_NOMINAL,
  METRIC_INTERVAL,
} Metric;

static double
metric_delta2 (Metric metric,
               double c,
               double k)
{
  if (metric == METRIC_INTERVAL)
    return (c - k) * (c - k);
  return c == k ? 0.0 : 1.0;
}

/* Σ over unordered pairs of the pairable values of δ²: the expected disagreement times
 * n(n − 1)/2. Sorts `pooled`. */
static double
pooled_disagreement (Metric  metric,
                     double *pooled,
                     gsize   n)
{
  double sum = 0.0;

  if (metric == METRIC_INTERVAL)
    {
      /* Σ_{i<j} (v_i − v_j)² = n · Σ (v_i − v̄)² */
      double mean = tb_stats_mean (pooled, n), ss = 0.0;

      for (gsize i = 0; i < n; i++)
        ss += (pooled[i] - mean) * (pooled[i] - mean);
      return (double) n * ss;
    }

  /* Pairs of different values: (n² − Σ n_c²) / 2, with n_c the count of value c. */
  qsort (pooled, n, sizeof (double), compare_doubles);
  sum = (double) n * (double) n;
  for (gsize start = 0; start < n;)
    {
      gsize end = start + 1;

      while (end < n && pooled[end] == pooled[start])
        end++;
      sum -= (double) (end - start) * (double) (end - start);
      start = end;
    }
  return sum / 2.0;
}

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", in pair form:
 *
 *   α = 1 − D_o / D_e = 1 − (n − 1) · Σ_u [Σ_{i<j in u} δ²(v_i, v_j) / (m_u − 1)]
 *                              / Σ_{i<j over all n pairable values} δ²(v_i, v_j)
 *
 * with m_u the values of unit u and n = Σ m_u over the units with m_u ≥ 2. This is the
 * coincidence-matrix formula with the matrix summed out, so it takes any real values, not
 * only a few categories. Within a unit the pairs are summed directly (a jury is a few
 * judges) so that agreeing values give exactly 0. */
static double
krippendorff_alpha (Metric        metric,
                    const double *values,
                    gsize         units,
                    gsize         coders)
{
  g_autofree double *pooled = NULL;
  double observed = 0.0, expected;
  gsize n = 0;
  gboolean all_equal = TRUE;

  g_return_val_if_fail (values != NULL || units == 0 || coders == 0, NAN);
  g_return_val_if_fail (coders == 0 || units <= G_MAXSIZE / coders / sizeof (double), NAN);

  if (units == 0 || coders == 0)
    return NAN;

  pooled = g_new (double, units * coders);
  for (gsize u = 0; u < units; u++)
    {
      const double *row = values + u * coders;
      gsize m = 0, first = n;
      double within = 0.0;

      for (gsize c = 0; c < coders; c++)
        if (isfinite (row[c]))
          pooled[n + m++] = row[c];
      if (m < 2)
        continue;   /* not pairable: left out of observed and expected alike */

      for (gsize i = first; i < first + m; i++)
        {
          for (gsize j = i + 1; j < first + m; j++)
            within += metric_delta2 (metric, pooled[i], pooled[j]);
          if (pooled[i] != pooled[0])
            all_equal = FALSE;
        }
      observed += within / (double) (m - 1);
      n += m;
    }

  /* Fewer than two values, or no disagreement was possible (every value the same: decided
   * without arithmetic, as a computed mean could leave a rounding residue). */
  if (n < 2 || all_equal)
    return NAN;

  expected = pooled_disagreement (metric, pooled, n);
  if (!(expected > 0.0))
    return NAN;
  return 1.0 - (double) (n - 1) * observed / expected;
}

double
tb_stats_krippendorff_alpha_interval (const double *values,
                                      gsize         units,
                                      gsize         coders)
{
  return krippendorff_alpha (METRIC_INTERVAL, values, units, coders);
}

double
tb_stats_krippendorff_alpha_nominal (const double *values,
                                     gsize         units,
                                     gsize         coders)
{
  return krippendorff_alpha (METRIC_NOMINAL, values, units, coders);
}
