package w2s.elicit;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * Contrast-consistent search (Burns et al., "Discovering Latent Knowledge"): an unsupervised probe, linear
 * p(x) = σ(wᵀx + b) or the paper's MLP variant, on hidden states of contrast pairs, trained so that p(x⁺) ≈ 1 − p(x⁻) (consistency) while
 * avoiding the degenerate p = ½ everywhere (confidence):
 * <pre>  L = mean[(p(x⁺) − (1 − p(x⁻)))²] + mean[min(p(x⁺), p(x⁻))²]</pre>
 * Fitting follows the reference: x⁺ and x⁻ centred separately (optionally scaled), torch-initialised weights, full-batch
 * AdamW, several random restarts keeping the lowest loss. The reference normalises the test set with the test set's
 * own statistics; {@link Elicit} offers both that and reusing the training statistics ({@link Probe} always reuses
 * them, so a fitted probe can label any set, of any size, which a supervisor must).
 *
 * <p>The sign of a CCS direction is unidentified (flipping w satisfies the loss equally); callers fix it, see
 * {@link Probe#withSign}.
 */
public final class Ccs {
    private Ccs() {}

    /**
     * Fit settings, the reference's by default.
     *
     * @param varNormalize also divide each side by its per-dimension standard deviation
     * @param mlp          the paper's MLP probe (one hidden layer of {@value #MLP_HIDDEN} ReLU units) instead of the
     *                     linear one
     */
    public record Config(int epochs, double lr, double weightDecay, int restarts, boolean varNormalize, long seed,
                         boolean mlp) {
        public static final Config REFERENCE = new Config(1000, 1e-3, 0.01, 10, false, 0, false);

        public Config {
            if (epochs < 0) throw new IllegalArgumentException("--epochs must be at least 0, got " + epochs);
            if (restarts < 1) throw new IllegalArgumentException("--restarts must be at least 1, got " + restarts);
            if (!(lr > 0)) throw new IllegalArgumentException("--lr must be positive, got " + lr);
        }

        public Config(int epochs, double lr, double weightDecay, int restarts, boolean varNormalize, long seed) {
            this(epochs, lr, weightDecay, restarts, varNormalize, seed, false);
        }

        public Config withSeed(long s) {
            return new Config(epochs, lr, weightDecay, restarts, varNormalize, s, mlp);
        }

        public String probe() {
            return mlp ? "mlp" : "linear";
        }
    }

    /** Hidden units of the paper's MLP probe. */
    public static final int MLP_HIDDEN = 100;

    /** A fitted CCS probe on already normalised features: p(x) and the loss it reached. */
    public interface Fit {
        double p(double[] x);

        double loss();

        /** P(true) per pair, ½(p(x⁺) + 1 − p(x⁻)), unsigned. */
        default double[] predict(double[][] pos, double[][] neg) {
            double[] out = new double[pos.length];
            for (int i = 0; i < out.length; i++) out[i] = 0.5 * (p(pos[i]) + 1 - p(neg[i]));
            return out;
        }
    }

    /** The linear probe σ(wᵀx + b). */
    public record Linear(double[] w, double b, double loss) implements Fit {
        public double p(double[] x) {
            return sigmoid(dot(w, x) + b);
        }
    }

    /** The paper's MLP probe σ(w₂ᵀ relu(W₁x + b₁) + b₂). */
    public record Mlp(double[][] w1, double[] b1, double[] w2, double b2, double loss) implements Fit {
        public double p(double[] x) {
            double z = b2;
            for (int h = 0; h < w2.length; h++) z += w2[h] * Math.max(0, dot(w1[h], x) + b1[h]);
            return sigmoid(z);
        }
    }

    /**
     * Fits CCS on normalised pairs: the lowest-loss probe over the configured restarts (linear or MLP), unsigned.
     * Restarts are independent and seeded by index, so running them in parallel keeps results reproducible.
     */
    public static Fit fitNormalized(double[][] pos, double[][] neg, Config config) {
        if (pos.length != neg.length || pos.length == 0) {
            throw new IllegalArgumentException("need as many x⁺ as x⁻ rows, and some: " + pos.length + " vs " + neg.length);
        }
        return IntStream.range(0, config.restarts()).parallel()
                .mapToObj(r -> {
                    Random random = new Random(config.seed() * 1_000_003L + r);
                    return config.mlp() ? trainMlp(pos, neg, config, random) : (Fit) trainLinear(pos, neg, config, random);
                })
                .min(java.util.Comparator.comparingDouble(Fit::loss))
                .orElseThrow();
    }

    /** The random-direction baseline on normalised pairs: a torch-initialised linear probe, never trained. */
    public static Linear randomNormalized(double[][] pos, double[][] neg, long seed) {
        return trainLinear(pos, neg, new Config(0, 1e-3, 0, 1, false, seed), new Random(seed));
    }

    /** The CCS loss and its two terms. */
    public record LossValue(double total, double consistency, double confidence) {}

    public static LossValue loss(double[] pPos, double[] pNeg) {
        double consistency = 0;
        double confidence = 0;
        for (int i = 0; i < pPos.length; i++) {
            double c = pPos[i] - (1 - pNeg[i]);
            double m = Math.min(pPos[i], pNeg[i]);
            consistency += c * c;
            confidence += m * m;
        }
        consistency /= pPos.length;
        confidence /= pPos.length;
        return new LossValue(consistency + confidence, consistency, confidence);
    }

    /** Per-side centring (and scaling) fitted on training pairs; it removes what x⁺ and x⁻ differ by as texts. */
    public record Normalizer(double[] meanPos, double[] scalePos, double[] meanNeg, double[] scaleNeg) {
        public static Normalizer fit(float[][] xPos, float[][] xNeg, boolean varNormalize) {
            double[][] pos = moments(xPos, varNormalize);
            double[][] neg = moments(xNeg, varNormalize);
            return new Normalizer(pos[0], pos[1], neg[0], neg[1]);
        }

        private static double[][] moments(float[][] x, boolean varNormalize) {
            int d = x[0].length;
            double[] mean = new double[d];
            for (float[] row : x) for (int j = 0; j < d; j++) mean[j] += row[j];
            for (int j = 0; j < d; j++) mean[j] /= x.length;
            double[] scale = new double[d];
            java.util.Arrays.fill(scale, 1);
            if (varNormalize) {
                double[] sq = new double[d];
                for (float[] row : x) for (int j = 0; j < d; j++) sq[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
                // torch's std is the unbiased one; a constant dimension carries nothing and is zeroed.
                for (int j = 0; j < d; j++) {
                    double std = Math.sqrt(sq[j] / Math.max(1, x.length - 1));
                    scale[j] = std > 1e-8 ? 1 / std : 0;
                }
            }
            return new double[][] {mean, scale};
        }

        public double[][] positive(float[][] x) {
            return apply(x, meanPos, scalePos);
        }

        public double[][] negative(float[][] x) {
            return apply(x, meanNeg, scaleNeg);
        }

        private static double[][] apply(float[][] x, double[] mean, double[] scale) {
            double[][] out = new double[x.length][mean.length];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < mean.length; j++) out[i][j] = (x[i][j] - mean[j]) * scale[j];
            }
            return out;
        }
    }

    /**
     * A fitted direction with its normalisation.
     *
     * @param loss    the CCS loss it reached on its training pairs
     * @param flipped whether P(true) is read as 1 − ½(p(x⁺) + 1 − p(x⁻)) instead
     */
    public record Probe(double[] w, double b, Normalizer normalizer, double loss, boolean flipped) {
        /** P(statement true) per pair: ½(p(x⁺) + 1 − p(x⁻)), the reference's prediction, signed. */
        public double[] predict(float[][] xPos, float[][] xNeg) {
            double[][] pos = normalizer.positive(xPos);
            double[][] neg = normalizer.negative(xNeg);
            double[] out = new double[pos.length];
            for (int i = 0; i < out.length; i++) {
                double p = 0.5 * (sigmoid(dot(w, pos[i]) + b) + 1 - sigmoid(dot(w, neg[i]) + b));
                out[i] = flipped ? 1 - p : p;
            }
            return out;
        }

        public Probe withSign(boolean flip) {
            return new Probe(w, b, normalizer, loss, flip);
        }

        /**
         * Fixes the sign with labeled pairs: flipped when the unflipped probe is right on fewer than half of them.
         * Only these labels are ground truth the probe ever sees, and they decide one bit.
         */
        public Probe signedBy(float[][] xPos, float[][] xNeg, int[] labels) {
            double acc = accuracy(withSign(false).predict(xPos, xNeg), labels);
            return withSign(acc < 0.5);
        }
    }

    /** Fits CCS: the lowest-loss linear probe over the configured restarts, unsigned, with its normalisation. */
    public static Probe fit(float[][] xPos, float[][] xNeg, Config config) {
        if (xPos.length != xNeg.length || xPos.length == 0) {
            throw new IllegalArgumentException("need as many x⁺ as x⁻ rows, and some: " + xPos.length + " vs " + xNeg.length);
        }
        Normalizer norm = Normalizer.fit(xPos, xNeg, config.varNormalize());
        Linear best = (Linear) fitNormalized(norm.positive(xPos), norm.negative(xNeg),
                new Config(config.epochs(), config.lr(), config.weightDecay(), config.restarts(), config.varNormalize(),
                        config.seed(), false));
        return new Probe(best.w(), best.b(), norm, best.loss(), false);
    }

    /** The random-direction baseline: a torch-initialised probe, never trained, on the same normalised features. */
    public static Probe random(float[][] xPos, float[][] xNeg, boolean varNormalize, long seed) {
        Normalizer norm = Normalizer.fit(xPos, xNeg, varNormalize);
        Linear r = randomNormalized(norm.positive(xPos), norm.negative(xNeg), seed);
        return new Probe(r.w(), r.b(), norm, r.loss(), false);
    }

    private static Linear trainLinear(double[][] pos, double[][] neg, Config config, Random random) {
        int n = pos.length;
        int d = pos[0].length;
        // torch.nn.Linear's default initialisation: U(−1/√d, 1/√d) for weights and bias.
        double bound = 1 / Math.sqrt(d);
        double[] theta = new double[d + 1]; // [w, b]
        for (int j = 0; j <= d; j++) theta[j] = (2 * random.nextDouble() - 1) * bound;
        AdamW adam = new AdamW(d + 1, config.lr(), config.weightDecay());
        double[] grad = new double[d + 1];
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            gradient(theta, pos, neg, grad);
            adam.step(theta, grad);
        }
        double[] pPos = new double[n];
        double[] pNeg = new double[n];
        forward(theta, pos, pPos);
        forward(theta, neg, pNeg);
        return new Linear(java.util.Arrays.copyOf(theta, d), theta[d], loss(pPos, pNeg).total());
    }

    /**
     * The MLP probe, torch-initialised and trained like the linear one (full-batch AdamW on the CCS loss). Its
     * parameters are packed as [W₁ (H×d, row-major), b₁ (H), w₂ (H), b₂].
     */
    private static Mlp trainMlp(double[][] pos, double[][] neg, Config config, Random random) {
        int d = pos[0].length;
        int hidden = MLP_HIDDEN;
        int size = hidden * d + hidden + hidden + 1;
        double[] theta = new double[size];
        double b1 = 1 / Math.sqrt(d);
        double b2 = 1 / Math.sqrt(hidden);
        for (int j = 0; j < hidden * d + hidden; j++) theta[j] = (2 * random.nextDouble() - 1) * b1;
        for (int j = hidden * d + hidden; j < size; j++) theta[j] = (2 * random.nextDouble() - 1) * b2;
        AdamW adam = new AdamW(size, config.lr(), config.weightDecay());
        double[] grad = new double[size];
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            mlpGradient(theta, d, hidden, pos, neg, grad);
            adam.step(theta, grad);
        }
        Mlp mlp = unpack(theta, d, hidden, 0);
        double[] pPos = new double[pos.length];
        double[] pNeg = new double[neg.length];
        for (int i = 0; i < pos.length; i++) {
            pPos[i] = mlp.p(pos[i]);
            pNeg[i] = mlp.p(neg[i]);
        }
        return unpack(theta, d, hidden, loss(pPos, pNeg).total());
    }

    private static Mlp unpack(double[] theta, int d, int hidden, double loss) {
        double[][] w1 = new double[hidden][];
        for (int h = 0; h < hidden; h++) w1[h] = java.util.Arrays.copyOfRange(theta, h * d, (h + 1) * d);
        int o = hidden * d;
        return new Mlp(w1, java.util.Arrays.copyOfRange(theta, o, o + hidden),
                java.util.Arrays.copyOfRange(theta, o + hidden, o + 2 * hidden), theta[o + 2 * hidden], loss);
    }

    /** dL/dθ of the CCS loss for the packed MLP parameters θ, written into grad. */
    static void mlpGradient(double[] theta, int d, int hidden, double[][] pos, double[][] neg, double[] grad) {
        int n = pos.length;
        int o = hidden * d;
        java.util.Arrays.fill(grad, 0);
        for (int i = 0; i < n; i++) {
            double[][] xs = {pos[i], neg[i]};
            double[] p = new double[2];
            double[][] h = new double[2][hidden];
            for (int s = 0; s < 2; s++) {
                double z = theta[o + 2 * hidden];
                for (int k = 0; k < hidden; k++) {
                    double a = theta[o + k];
                    int base = k * d;
                    double[] x = xs[s];
                    for (int j = 0; j < d; j++) a += theta[base + j] * x[j];
                    h[s][k] = a;
                    z += theta[o + hidden + k] * Math.max(0, a);
                }
                p[s] = sigmoid(z);
            }
            double c = 2 * (p[0] + p[1] - 1);
            boolean posSmaller = p[0] <= p[1];
            double[] g = {(c + (posSmaller ? 2 * p[0] : 0)) / n * p[0] * (1 - p[0]),
                    (c + (posSmaller ? 0 : 2 * p[1])) / n * p[1] * (1 - p[1])};
            for (int s = 0; s < 2; s++) {
                grad[o + 2 * hidden] += g[s];
                double[] x = xs[s];
                for (int k = 0; k < hidden; k++) {
                    if (h[s][k] <= 0) continue;
                    grad[o + hidden + k] += g[s] * h[s][k];
                    double dh = g[s] * theta[o + hidden + k];
                    grad[o + k] += dh;
                    int base = k * d;
                    for (int j = 0; j < d; j++) grad[base + j] += dh * x[j];
                }
            }
        }
    }

    /** dL/d[w, b] of the CCS loss at theta = [w, b], written into grad. */
    static void gradient(double[] theta, double[][] pos, double[][] neg, double[] grad) {
        int n = pos.length;
        int d = theta.length - 1;
        double[] pPos = new double[n];
        double[] pNeg = new double[n];
        forward(theta, pos, pPos);
        forward(theta, neg, pNeg);
        java.util.Arrays.fill(grad, 0);
        for (int i = 0; i < n; i++) {
            double c = 2 * (pPos[i] + pNeg[i] - 1);
            // min() sends its gradient to the smaller argument (to x⁺ on a tie, as torch.min does for the first).
            boolean posSmaller = pPos[i] <= pNeg[i];
            double gPos = (c + (posSmaller ? 2 * pPos[i] : 0)) / n * pPos[i] * (1 - pPos[i]);
            double gNeg = (c + (posSmaller ? 0 : 2 * pNeg[i])) / n * pNeg[i] * (1 - pNeg[i]);
            for (int j = 0; j < d; j++) grad[j] += gPos * pos[i][j] + gNeg * neg[i][j];
            grad[d] += gPos + gNeg;
        }
    }

    static void forward(double[] theta, double[][] x, double[] p) {
        int d = theta.length - 1;
        for (int i = 0; i < x.length; i++) p[i] = sigmoid(dot(theta, x[i]) + theta[d]);
    }

    static double dot(double[] w, double[] x) {
        double s = 0;
        for (int j = 0; j < x.length; j++) s += w[j] * x[j];
        return s;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** Accuracy of P(label 1) thresholded at ½. */
    public static double accuracy(double[] pTrue, int[] labels) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) if ((pTrue[i] > 0.5 ? 1 : 0) == labels[i]) right++;
        return (double) right / labels.length;
    }

    /**
     * torch.optim.AdamW: decoupled weight decay (params shrink by lr·wd before the Adam step, on every parameter,
     * bias included, as the reference's single parameter group does). The project's {@link w2s.train.Adam} couples the
     * decay into the gradient like torch's Adam, so CCS keeps its own.
     */
    static final class AdamW {
        private final double[] m;
        private final double[] v;
        private final double lr;
        private final double wd;
        private int t;

        AdamW(int size, double lr, double wd) {
            this.m = new double[size];
            this.v = new double[size];
            this.lr = lr;
            this.wd = wd;
        }

        void step(double[] params, double[] grad) {
            t++;
            double c1 = 1 - Math.pow(0.9, t);
            double c2 = 1 - Math.pow(0.999, t);
            for (int i = 0; i < params.length; i++) {
                params[i] *= 1 - lr * wd;
                m[i] = 0.9 * m[i] + 0.1 * grad[i];
                v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
                params[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
            }
        }
    }
}
