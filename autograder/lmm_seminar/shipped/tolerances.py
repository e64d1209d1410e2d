"""Every tolerance the hidden tests use, each stated once with its reason.

This module is shipped inside the autograder zip beside the tests, so it
imports nothing but the standard library.
"""

#: Closed-form answers (shape, min/max, Pearson r, OLS and per-subject least
#: squares). Every correct route (formula API, ``sm.OLS``, ``np.polyfit``,
#: ``scipy.stats.linregress``, the textbook formulas) agrees to about 1e-12,
#: so this only absorbs floating-point noise. Values must be computed, not
#: typed in: a number copied to four decimals is off by up to 5e-5 / 251 = 2e-7
#: and still passes, one rounded to two decimals (10.47 for 10.46729) does not.
CLOSED_FORM_RTOL = 1e-6

#: REML estimates. statsmodels' optimisers (bfgs, lbfgs, cg, powell,
#: nm) all converge to the same REML optimum within 5e-5 relative on the
#: variance components, while the maximum-likelihood fit is 6% off on the
#: group variance (1296.7 vs 1378.2). 1e-3 sits safely between the two.
REML_RTOL = 1e-3

#: Random intercepts (deviations from the fixed intercept), in ms. Relative
#: tolerances fail here because some deviations are close to zero (subject 371:
#: -3.29). Optimisers move them by under 0.001 ms; the ML fit shrinks them
#: differently by up to 0.3 ms and a wrong subject is off by many ms.
RANDOM_INTERCEPT_ATOL = 0.05

#: Slopes and intercepts read back from a drawn line. The line is drawn from
#: fitted values, so it reproduces them up to float noise; 1e-4 also lets a
#: student draw it from coefficients copied to 4+ significant figures.
LINE_RTOL = 1e-4

#: Numbers printed in an equation on a plot. Printed with at least one
#: decimal place, a value moves by at most 0.05 when rounded; the extra 0.001
#: keeps exact halves from failing on float representation.
TEXT_ATOL = 0.051

#: Data points read back from a scatter or a histogram. Plotting stores the
#: data as float64, so the values come back exactly; this absorbs unit
#: conversions (e.g. pandas plotting through float32) only.
DATA_RTOL = 1e-6

#: A histogram's bins, not a tolerance on numbers but on what counts as showing a
#: distribution. Any sensible binning fills several bins over about the range of
#: the data: matplotlib's default (10 bins), ``bins=20``, seaborn's automatic bins,
#: or an explicit range such as 150 to 500 ms (1.3 times the data's 272 ms). One
#: bar stretched far past the data (from -1e6 to 1e6) "counts" every value and
#: shows none of their spread. Three filled bins and a span of at most four times
#: the data's range separate the two with room on both sides.
MIN_FILLED_BINS = 3
HISTOGRAM_SPAN_FACTOR = 4.0

#: Log-likelihood based numbers: a likelihood-ratio statistic and AIC, from
#: maximum-likelihood fits. statsmodels' optimisers reach the same ML optimum
#: within about 1e-4 in the log-likelihood; the REML likelihoods a student may
#: compare by mistake are 0.7 off in the statistic (42.84 vs 42.14), and a wrong
#: model's AIC is tens away. 0.01 sits well between the two.
LIKELIHOOD_ATOL = 0.01

#: p-values of a likelihood-ratio test. A p-value moves by about half the change
#: in the statistic, relative (exp(-x/2)), so 0.01 in the statistic is 0.5% in
#: the p-value; the χ²₂ value and the χ²₁/χ²₂ mixture differ by 44%, one degree of
#: freedom more or less by far more. 1% relative keeps every correct route in.
PVALUE_RTOL = 0.01
