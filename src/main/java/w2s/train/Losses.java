package w2s.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The registry of losses by name, with the reference implementation's defaults. */
public final class Losses {
    private static final Map<String, Factory> REGISTRY = new LinkedHashMap<>();

    /**
     * How a loss is made from its parameters. {@code legacy} losses (the four of the openai code and the paper) are
     * named bare when every parameter is at its default, so results from before parameters existed keep their names.
     */
    private record Factory(Map<String, String> defaults, boolean legacy, Function<Params, Loss> make) {}

    static {
        REGISTRY.put("xent", new Factory(Map.of(), true, p -> new Xent()));
        // The openai code's schedule: a ramp to 0.05 over the first 10% of steps, then a jump to 0.5.
        REGISTRY.put("logconf", new Factory(ordered("aux", "0.5", "warmup", "0.1"), true, p -> new LogConf(p.name(),
                p.fraction("aux"), p.positive("warmup"), LogConf.Warmup.OPENAI)));
        // The paper's description: a linear warm-up to 0.5 over the first 20% of steps.
        REGISTRY.put("logconf-linear", new Factory(ordered("aux", "0.5", "warmup", "0.2"), true, p -> new LogConf(
                p.name(), p.fraction("aux"), p.positive("warmup"), LogConf.Warmup.LINEAR)));
        REGISTRY.put("product", new Factory(ordered("alpha", "1", "beta", "1"), true,
                p -> new Product(p.number("alpha"), p.number("beta"))));
        // EleutherAI w2s (w2s/loss.py), with its defaults: LogConfidenceLossConfig (weight 0.5, 100 warm-up steps,
        // balance_batch off), ConfidenceWindowLossConfig (radius 0.15), the trainer's buffer of batch_size (32).
        REGISTRY.put("kl", new Factory(Map.of(), false, p -> new Kl()));
        REGISTRY.put("entropy", new Factory(ordered("aux", "0.5", "warmup", "100", "balance", "false"), false,
                p -> new Confidence(p.name(), p.fraction("aux"), p.steps("warmup"), p.bool("balance"), false, 1)));
        REGISTRY.put("window", new Factory(ordered("radius", "0.15"), false, p -> new Window(p.name(), p.radius())));
        REGISTRY.put("logconf-buffer", new Factory(ordered("aux", "0.5", "warmup", "100", "buffer", "32",
                "balance", "false"), false, p -> new Confidence(p.name(), p.fraction("aux"), p.steps("warmup"),
                p.bool("balance"), true, p.count("buffer"))));
    }

    private Losses() {}

    /** The loss names (each may take parameters: {@code name:key=value,key=value}; see {@link #parameters}). */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** A loss's parameters and their defaults, in the order its full name lists them. */
    public static Map<String, String> parameters(String name) {
        Factory f = REGISTRY.get(name);
        if (f == null) throw unknown(name);
        return f.defaults();
    }

    /**
     * A fresh loss from its name, optionally with parameters: {@code window:radius=0.1},
     * {@code logconf-buffer:warmup=40,balance=true}. Its {@link Loss#name()} names every parameter (the four original
     * losses are named bare at their defaults).
     */
    public static Loss get(String spec) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        Factory f = REGISTRY.get(name);
        if (f == null) throw unknown(name);
        Map<String, String> values = new LinkedHashMap<>(f.defaults());
        if (colon >= 0) {
            for (String pair : spec.substring(colon + 1).split(",", -1)) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair.strip() : pair.substring(0, eq).strip();
                if (!values.containsKey(key) || eq < 0) {
                    throw new IllegalArgumentException("loss " + name + ": " + (eq < 0 && values.containsKey(key)
                            ? "parameter '" + key + "' needs a value (" + key + "=...)"
                            : "unknown parameter '" + key + "'; valid parameters: " + (f.defaults().isEmpty() ? "none"
                            : String.join(", ", f.defaults().keySet()))));
                }
                values.put(key, normalized(pair.substring(eq + 1).strip()));
            }
        }
        boolean atDefaults = values.equals(f.defaults());
        StringBuilder full = new StringBuilder(name);
        if (!values.isEmpty() && !(f.legacy() && atDefaults)) {
            full.append(':');
            values.forEach((k, v) -> full.append(full.charAt(full.length() - 1) == ':' ? "" : ",").append(k).append('=')
                    .append(v));
        }
        return f.make().apply(new Params(name, full.toString(), values));
    }

    /** Numbers in one spelling (1.0 and 1 are the same parameter value, and name the same loss). */
    private static String normalized(String value) {
        try {
            double d = Double.parseDouble(value);
            return Double.isFinite(d) ? num(d) : value;
        } catch (NumberFormatException e) {
            return value;
        }
    }

    static String num(double d) {
        return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown loss '" + name + "'; valid losses: " + String.join(", ", names()));
    }

    private static Map<String, String> ordered(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Parsed parameter values, each checked with an error naming the loss, the parameter and what is valid. */
    private record Params(String loss, String name, Map<String, String> values) {
        private IllegalArgumentException bad(String key, String valid) {
            return new IllegalArgumentException("loss " + loss + ": parameter " + key + " must be " + valid + ", got '"
                    + values.get(key) + "'");
        }

        double number(String key) {
            try {
                double v = Double.parseDouble(values.get(key));
                if (Double.isFinite(v)) return v;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw bad(key, "a number");
        }

        double fraction(String key) {
            double v = number(key);
            if (v < 0 || v > 1) throw bad(key, "in [0, 1]");
            return v;
        }

        double positive(String key) {
            double v = number(key);
            if (!(v > 0)) throw bad(key, "positive");
            return v;
        }

        double radius() {
            double v = number("radius");
            if (!(v > 0 && v < 0.5)) throw bad("radius", "in (0, 0.5)");
            return v;
        }

        int steps(String key) {
            try {
                int v = Integer.parseInt(values.get(key));
                if (v >= 0) return v;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw bad(key, "a whole number of steps, 0 or more");
        }

        int count(String key) {
            int v = steps(key);
            if (v < 1) throw bad(key, "at least 1");
            return v;
        }

        boolean bool(String key) {
            String v = values.get(key);
            if (v.equals("true") || v.equals("false")) return Boolean.parseBoolean(v);
            throw bad(key, "true or false");
        }
    }

    /** Plain cross-entropy against the soft labels. */
    public record Xent() implements Loss {
        public String name() {
            return "xent";
        }

        public double[][] target(double[][] logits, double[][] labels, double progress) {
            return labels;
        }
    }

    /**
     * The auxiliary confidence loss: mix the student's own hardened predictions into the target. For two classes the
     * threshold is the quantile of the student's class-0 probability at the batch's mean weak class-1 probability, so
     * the hardened labels keep the weak labels' class balance within the batch; for K &gt; 2 classes (or a choice
     * item's candidates) the hardened label is the student's argmax, as the openai code's vision experiment does.
     */
    public record LogConf(String name, double auxCoef, double warmupFrac, Warmup warmup) implements Loss {
        public enum Warmup {
            /** c = aux · (1 if f > warmupFrac else f): the openai weak-to-strong code. */
            OPENAI,
            /** c = aux · min(1, f / warmupFrac): the paper's linear warm-up. */
            LINEAR
        }

        public double coefficient(double progress) {
            double ramp = switch (warmup) {
                case OPENAI -> progress > warmupFrac ? 1.0 : progress;
                case LINEAR -> Math.min(1.0, progress / warmupFrac);
            };
            return auxCoef * ramp;
        }

        public double[][] target(double[][] logits, double[][] labels, double progress) {
            int n = logits.length;
            double c = coefficient(progress);
            if (!twoWay(logits)) return mixed(logits, labels, c, argmaxHardened(logits));
            double[] p0 = new double[n];
            double meanWeak1 = 0;
            for (int i = 0; i < n; i++) {
                p0[i] = Loss.softmax(logits[i])[0];
                meanWeak1 += labels[i][1];
            }
            double threshold = quantile(p0, meanWeak1 / n);
            double[][] target = new double[n][2];
            for (int i = 0; i < n; i++) {
                double hard0 = p0[i] >= threshold ? 1 : 0;
                target[i][0] = (1 - c) * labels[i][0] + c * hard0;
                target[i][1] = (1 - c) * labels[i][1] + c * (1 - hard0);
            }
            return target;
        }
    }

    /**
     * KL divergence from the soft labels to the student, EleutherAI's {@code kl_divergence_loss}
     * ({@code F.kl_div(log_softmax(logits), target, reduction="batchmean")}): the cross-entropy minus the labels'
     * own entropy, so the same gradient as {@code xent} and a loss that is 0 when the student matches the labels.
     */
    public record Kl() implements Loss {
        public String name() {
            return "kl";
        }

        public double[][] target(double[][] logits, double[][] labels, double progress) {
            return labels;
        }

        @Override
        public Value evaluate(double[][] logits, double[][] labels, double progress) {
            Value ce = Loss.crossEntropy(logits, labels);
            double entropy = 0;
            for (double[] row : labels) for (double t : row) if (t > 0) entropy -= t * Math.log(t);
            return new Value(ce.loss() - entropy / labels.length, ce.gradient());
        }
    }

    /**
     * EleutherAI's {@code confidence_window_loss}: cross-entropy against the soft labels only on the rows where the
     * student's top probability is below 0.5 + radius; the others contribute nothing, and the sum is divided by the
     * whole batch's size. (EleutherAI's radius "midweak", the median weak-label confidence, is not offered.)
     */
    public record Window(String name, double radius) implements Loss {
        public Window {
            if (!(radius > 0 && radius < 0.5)) {
                throw new IllegalArgumentException("loss window: parameter radius must be in (0, 0.5), got " + radius);
            }
        }

        public boolean uncertain(double[] logits) {
            double[] p = Loss.softmax(logits);
            double max = 0;
            for (double v : p) max = Math.max(max, v);
            return max < 0.5 + radius;
        }

        /** The labels where the student is uncertain; its own detached prediction (no gradient) elsewhere. */
        public double[][] target(double[][] logits, double[][] labels, double progress) {
            double[][] target = new double[logits.length][];
            for (int i = 0; i < logits.length; i++) target[i] = uncertain(logits[i]) ? labels[i] : Loss.softmax(logits[i]);
            return target;
        }

        @Override
        public Value evaluate(double[][] logits, double[][] labels, double progress) {
            int n = logits.length;
            double total = 0;
            double[][] grad = new double[n][];
            for (int i = 0; i < n; i++) {
                grad[i] = new double[logits[i].length];
                if (!uncertain(logits[i])) continue;
                Value row = Loss.crossEntropy(new double[][] {logits[i]}, new double[][] {labels[i]});
                total += row.loss();
                for (int k = 0; k < grad[i].length; k++) grad[i][k] = row.gradient()[0][k] / n;
            }
            return new Value(total / n, grad);
        }
    }

    /**
     * EleutherAI's {@code log_confidence_loss}, which serves two of its losses: {@code logconf-buffer} (harden on) and
     * {@code entropy} (harden off: the student's own soft predictions are mixed in instead of hardened ones).
     *
     * <p>It differs from {@link LogConf} in three ways: the coefficient ramps linearly over a number of optimiser
     * steps, {@code c = aux · min(1, step / warmup)} (no ramp when warmup is 0); the threshold is the quantile over a
     * rolling buffer of the student's most recent class-0 probabilities (the last {@code buffer}, this batch's
     * included), because EleutherAI trains with minibatches of one; and with {@code balance} the weak labels are
     * re-centred in log-odds, {@code sigmoid(logit(y) − mean logit(y))} (with 1e-7 inside the logs), and the quantile
     * is taken at 0.5 instead of the batch's mean label — the re-centred labels are also the ones mixed into the
     * target. Without balance, a batch of one takes the quantile at 0.5.
     *
     * <p>The step and the buffer are state: the loss counts one optimiser step per call and starts afresh when called
     * with progress 0 (the first step of every training run), so an instance is never carried between models.
     * {@link #target(double[][], double[][], int, double[])} is the pure function underneath.
     */
    public static final class Confidence implements Loss {
        private final String name;
        private final double auxCoef;
        private final int warmupSteps;
        private final boolean balance;
        private final boolean harden;
        private final int bufferSize;
        private int step;
        private double[] buffer = new double[0];

        public Confidence(String name, double auxCoef, int warmupSteps, boolean balance, boolean harden,
                          int bufferSize) {
            if (bufferSize < 1) throw new IllegalArgumentException("buffer must hold at least 1 prediction");
            this.name = name;
            this.auxCoef = auxCoef;
            this.warmupSteps = warmupSteps;
            this.balance = balance;
            this.harden = harden;
            this.bufferSize = bufferSize;
        }

        public String name() {
            return name;
        }

        @Override
        public boolean multiClass() {
            return false;
        }

        /** The coefficient of the student's own predictions at an optimiser step (0-based). */
        public double coefficient(int step) {
            return warmupSteps > 0 ? auxCoef * Math.min(1.0, (double) step / warmupSteps) : auxCoef;
        }

        /** A target and the buffer of recent class-0 probabilities after it. */
        public record Result(double[][] target, double[] buffer) {}

        /**
         * The pure function: the target at a step, given the buffer of earlier class-0 probabilities (oldest first),
         * and the buffer with this batch's appended and trimmed to the last {@code bufferSize}.
         */
        public Result target(double[][] logits, double[][] labels, int step, double[] previous) {
            int n = logits.length;
            double[] y1 = new double[n];
            for (int i = 0; i < n; i++) y1[i] = labels[i][1];
            double prior;
            if (balance) {
                double[] logOdds = new double[n];
                double mean = 0;
                for (int i = 0; i < n; i++) {
                    logOdds[i] = Math.log(y1[i] + 1e-7) - Math.log(1 - y1[i] + 1e-7);
                    mean += logOdds[i] / n;
                }
                for (int i = 0; i < n; i++) y1[i] = 1 / (1 + Math.exp(-(logOdds[i] - mean)));
                prior = 0.5;
            } else {
                double mean = 0;
                for (double v : y1) mean += v / n;
                prior = n > 1 ? mean : 0.5;
            }
            double[][] p = new double[n][];
            for (int i = 0; i < n; i++) p[i] = Loss.softmax(logits[i]);
            int kept = Math.min(bufferSize, previous.length + n);
            double[] next = new double[kept];
            for (int j = 0; j < kept; j++) {
                int from = previous.length + n - kept + j; // index into previous ++ this batch
                next[j] = from < previous.length ? previous[from] : p[from - previous.length][0];
            }
            double threshold = quantile(next, prior);
            double c = coefficient(step);
            double[][] target = new double[n][2];
            for (int i = 0; i < n; i++) {
                double own0 = harden ? (p[i][0] >= threshold ? 1 : 0) : p[i][0];
                target[i][0] = (1 - c) * (1 - y1[i]) + c * own0;
                target[i][1] = (1 - c) * y1[i] + c * (1 - own0);
            }
            return new Result(target, next);
        }

        public double[][] target(double[][] logits, double[][] labels, double progress) {
            if (!twoWay(logits)) {
                // Its balance re-centres binary log-odds and its buffer holds class-0 probabilities: EleutherAI defines
                // these for two classes only, so a K-class or choice task is refused rather than guessed at.
                throw new IllegalArgumentException("loss " + name + " is defined for two classes only (EleutherAI's "
                        + "w2s); for K classes or choices use xent, logconf, logconf-linear, product, kl or window");
            }
            if (progress == 0) {
                step = 0;
                buffer = new double[0];
            }
            Result r = target(logits, labels, step++, buffer);
            buffer = r.buffer();
            return r.target();
        }
    }

    /** Target ∝ p_student^β · weak^α, normalized per row. */
    public record Product(double alpha, double beta) implements Loss {
        public String name() {
            return alpha == 1 && beta == 1 ? "product" : "product:alpha=" + num(alpha) + ",beta=" + num(beta);
        }

        public double[][] target(double[][] logits, double[][] labels, double progress) {
            double[][] target = new double[logits.length][];
            for (int i = 0; i < logits.length; i++) {
                double[] p = Loss.softmax(logits[i]);
                double[] t = new double[p.length];
                double sum = 0;
                for (int k = 0; k < p.length; k++) sum += t[k] = Math.pow(p[k], beta) * Math.pow(labels[i][k], alpha);
                for (int k = 0; k < p.length; k++) t[k] = sum > 0 ? t[k] / sum : 1.0 / p.length;
                target[i] = t;
            }
            return target;
        }
    }

    /**
     * Whether every row has two columns: the binary case, where the confidence losses harden with the quantile
     * threshold. With more columns (K classes, or a choice item's candidates) they harden by the argmax, as the
     * openai code's vision experiment and EleutherAI's multi-class losses do.
     */
    static boolean twoWay(double[][] logits) {
        for (double[] row : logits) if (row.length != 2) return false;
        return true;
    }

    /** One-hot rows at each row's largest logit (the first on ties), detached. */
    static double[][] argmaxHardened(double[][] logits) {
        double[][] hard = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int k = 1; k < logits[i].length; k++) if (logits[i][k] > logits[i][best]) best = k;
            hard[i] = new double[logits[i].length];
            hard[i][best] = 1;
        }
        return hard;
    }

    /** (1 − c)·labels + c·own, row by row. */
    static double[][] mixed(double[][] logits, double[][] labels, double c, double[][] own) {
        double[][] target = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            target[i] = new double[logits[i].length];
            for (int k = 0; k < target[i].length; k++) target[i][k] = (1 - c) * labels[i][k] + c * own[i][k];
        }
        return target;
    }

    /** The q-quantile with linear interpolation between order statistics, as numpy and torch compute it. */
    public static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = Math.max(0, Math.min(1, q)) * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
