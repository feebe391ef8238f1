package io.vmqos.analysis;

import io.vmqos.core.InvalidInputException;

/**
 * Ordinary least squares with an intercept: {@code y ≈ a + b₁·x₁ + … + b_k·x_k}, for a handful of predictors
 * (calibration uses two: packets/s and bytes/s). Pure and stateless; each call allocates only its small result.
 *
 * <p>Method: the predictors are centred and scaled to unit spread, the k×k normal equations
 * {@code (XᵀX)·β = Xᵀy} of the standardised design (a correlation matrix) are solved by Gaussian elimination with
 * partial pivoting, and the coefficients are scaled back; the intercept is {@code ȳ − Σ bⱼ·x̄ⱼ}. Standardising keeps
 * the solve well conditioned when predictors differ by orders of magnitude (pps ~10³, bytes/s ~10⁶).
 *
 * <p>A degenerate design — a predictor that does not vary, predictors that move together (collinear), or fewer
 * observations than unknowns — has no unique answer and is refused with an {@link InvalidInputException} naming
 * the predictor and what to change.
 */
public final class LinearFit {
    /** A pivot of the standardised normal matrix below this means the predictors are (near) collinear. */
    static final double COLLINEAR_PIVOT = 1e-9;

    private LinearFit() {}

    /**
     * The fitted line and how well it fits.
     *
     * @param intercept {@code a}
     * @param slopes {@code b₁..b_k}, in predictor order
     * @param r2 coefficient of determination {@code 1 − SSres/SStot}; 1 for an exact fit (also when y is constant
     *     and fitted exactly), may be negative for a constrained refit
     * @param residuals {@code yᵢ − ŷᵢ}, in observation order
     * @param maxAbsResidual {@code max |yᵢ − ŷᵢ|}
     * @param rmsResidual {@code sqrt(SSres / n)}
     */
    public record Result(double intercept, double[] slopes, double r2, double[] residuals, double maxAbsResidual,
                         double rmsResidual) {
        public double slope(int j) { return slopes[j]; }
    }

    /**
     * Fits {@code y} on the given predictor columns (each as long as {@code y}).
     *
     * @param names a name per predictor for error messages (e.g. "packets/s")
     * @throws InvalidInputException on mismatched lengths, non-finite values, too few observations or a
     *     degenerate design
     */
    public static Result fit(double[] y, String[] names, double[]... x) {
        int n = y.length, k = x.length;
        if (names.length != k) throw new IllegalArgumentException("need one name per predictor");
        if (n < k + 1) {
            throw new InvalidInputException("fit", n + " observation(s) cannot determine " + (k + 1) + " unknowns",
                    "measure at least " + (k + 1) + " points with different values of " + String.join(" and ", names));
        }
        for (int j = 0; j < k; j++) {
            if (x[j].length != n) throw new IllegalArgumentException(names[j] + " has " + x[j].length + " values, y has " + n);
        }
        double yMean = mean(y, "the measured value");
        double[] mean = new double[k], scale = new double[k];
        for (int j = 0; j < k; j++) {
            mean[j] = mean(x[j], names[j]);
            double ss = 0;
            for (int i = 0; i < n; i++) ss += sq(x[j][i] - mean[j]);
            scale[j] = Math.sqrt(ss);
            if (!(scale[j] > 0) || scale[j] <= 1e-12 * Math.max(1, Math.abs(mean[j])) * Math.sqrt(n)) {
                throw new InvalidInputException("fit", names[j] + " does not vary across the measurements (all " + x[j][0] + ")",
                        "measure at several different values of " + names[j]);
            }
        }
        // standardised normal equations: A = ZᵀZ (unit diagonal), r = Zᵀ(y − ȳ)
        double[][] a = new double[k][k + 1];
        for (int p = 0; p < k; p++) {
            for (int q = 0; q < k; q++) {
                double s = 0;
                for (int i = 0; i < n; i++) s += (x[p][i] - mean[p]) * (x[q][i] - mean[q]);
                a[p][q] = s / (scale[p] * scale[q]);
            }
            double s = 0;
            for (int i = 0; i < n; i++) s += (x[p][i] - mean[p]) * (y[i] - yMean);
            a[p][k] = s / scale[p];
        }
        double[] beta = solve(a, names);
        double[] slopes = new double[k];
        double intercept = yMean;
        for (int j = 0; j < k; j++) {
            slopes[j] = beta[j] / scale[j];
            intercept -= slopes[j] * mean[j];
        }
        return evaluate(y, intercept, slopes, x);
    }

    /**
     * Goodness of the given line on the data ({@code yᵢ − a − Σ bⱼ·xⱼᵢ}): residuals, R² and their summaries.
     * Also used for constrained fits whose coefficients were not found by {@link #fit}.
     */
    public static Result evaluate(double[] y, double intercept, double[] slopes, double[]... x) {
        int n = y.length;
        double yMean = 0;
        for (double v : y) yMean += v;
        yMean /= n;
        double[] res = new double[n];
        double ssRes = 0, ssTot = 0, maxAbs = 0;
        for (int i = 0; i < n; i++) {
            double fitted = intercept;
            for (int j = 0; j < slopes.length; j++) fitted += slopes[j] * x[j][i];
            res[i] = y[i] - fitted;
            ssRes += sq(res[i]);
            ssTot += sq(y[i] - yMean);
            maxAbs = Math.max(maxAbs, Math.abs(res[i]));
        }
        // constant y: an exact fit explains it fully; any miss is as bad as it gets
        double r2 = ssTot > 0 ? 1 - ssRes / ssTot : (ssRes <= 1e-18 * Math.max(1, yMean * yMean) * n ? 1 : 0);
        return new Result(intercept, slopes.clone(), r2, res, maxAbs, Math.sqrt(ssRes / n));
    }

    /** Gaussian elimination with partial pivoting on the augmented k×(k+1) matrix (modified in place). */
    private static double[] solve(double[][] a, String[] names) {
        int k = a.length;
        for (int c = 0; c < k; c++) {
            int piv = c;
            for (int r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
            if (Math.abs(a[piv][c]) < COLLINEAR_PIVOT) {
                throw new InvalidInputException("fit", String.join(" and ", names) + " move together across the measurements "
                        + "(collinear), so their effects cannot be told apart",
                        "vary them independently, e.g. measure every rate at two or more packet sizes");
            }
            double[] t = a[c]; a[c] = a[piv]; a[piv] = t;
            for (int r = c + 1; r < k; r++) {
                double f = a[r][c] / a[c][c];
                for (int q = c; q <= k; q++) a[r][q] -= f * a[c][q];
            }
        }
        double[] b = new double[k];
        for (int r = k - 1; r >= 0; r--) {
            double s = a[r][k];
            for (int q = r + 1; q < k; q++) s -= a[r][q] * b[q];
            b[r] = s / a[r][r];
        }
        return b;
    }

    private static double mean(double[] v, String name) {
        double s = 0;
        for (double d : v) {
            if (!Double.isFinite(d)) throw new InvalidInputException("fit", name + " has a non-finite value " + d, "measure again");
            s += d;
        }
        return s / v.length;
    }

    private static double sq(double v) { return v * v; }
}
