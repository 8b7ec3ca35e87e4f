package w2s.elicit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import w2s.encode.FeatureCache;
import w2s.encode.FeatureSpec;
import w2s.metrics.Metrics;

/**
 * Latent-knowledge probes on one layer of one model, compared on a held-out test set, as "Discovering Latent
 * Knowledge" and EleutherAI's elk do it: contrast pairs from one or more prompt templates (x⁺ and x⁻ differ only in
 * the answer's label word), the hidden state of each prompt's last token, x⁺ and x⁻ centred separately per template;
 * then CCS and VINC (unsupervised), a supervised logistic regression on x⁻ − x⁺ (the reference's baseline with its
 * class balancing, the ceiling a linear probe can reach) and a random direction (the floor). Each method fits one
 * direction on all templates' pairs; its prediction for an example is the average over templates of the per-template
 * P(true) (prompt ensembling), and each template's own accuracy is reported beside the ensemble's.
 */
public final class Elicit {
    public static final List<String> METHODS = List.of("ccs", "vinc", "logreg", "random");
    public static final String ENSEMBLE = "ensemble";

    private Elicit() {}

    /** Which statistics centre (and scale) the test pairs. */
    public enum Norm {
        /** The test set's own, per template and side: the DLK reference's choice (it needs a set, not one example). */
        TEST,
        /** The training set's: what a fitted probe labelling new examples one by one must use. */
        TRAIN;

        public static Norm parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--normalize: unknown value '" + s + "'; valid: test (each set by "
                        + "its own statistics, as the reference does), train (test pairs by the training statistics)");
            }
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to probe and how.
     *
     * @param templates  the prompt templates; one direction is fitted on all of them, predictions are averaged
     * @param signPoints 0: the sign of CCS, VINC and random is chosen by max(acc, 1 − acc) of the ensemble on the test
     *                   set itself (the reference's reporting; it reads test labels, one bit); K &gt; 0: by the first
     *                   K training examples
     * @param normalize  which statistics normalise the test pairs
     * @param balanced   logistic regression weighs both classes equally (scikit-learn's class_weight="balanced")
     */
    public record Settings(String encoder, String pooling, int maxTokens, List<ContrastTemplate> templates,
                           Ccs.Config ccs, int signPoints, Norm normalize, boolean balanced) {
        public Settings {
            if (signPoints < 0) throw new IllegalArgumentException("--sign-points must be at least 0, got " + signPoints);
            if (templates.isEmpty()) throw new IllegalArgumentException("--template: at least one template is needed");
            templates = List.copyOf(templates);
        }

        /** One template, the paper's normalisation and class balancing. */
        public Settings(String encoder, String pooling, int maxTokens, ContrastTemplate template, Ccs.Config ccs,
                        int signPoints) {
            this(encoder, pooling, maxTokens, List.of(template), ccs, signPoints, Norm.TEST, true);
        }

        FeatureSpec spec(int layer) {
            return new FeatureSpec(encoder, Integer.toString(layer), pooling, maxTokens);
        }
    }

    /**
     * One method on one layer and one template (or {@value #ENSEMBLE}: averaged over templates), on the test set.
     *
     * @param sign    how the direction's sign was fixed: "test max(acc,1-acc)", "K train labels" or "supervised"
     * @param ccsLoss the CCS loss on the training pairs (CCS and random only)
     */
    public record Row(int layer, String method, String template, double accuracy, double auroc, double ece,
                      double brier, String sign, Double ccsLoss) {}

    /** Hidden states of x⁺ and x⁻ for some examples, under one template. */
    public record Pairs(float[][] positive, float[][] negative) {
        Pairs head(int k) {
            return new Pairs(Arrays.copyOf(positive, k), Arrays.copyOf(negative, k));
        }

        int size() {
            return positive.length;
        }
    }

    /**
     * The features of fitted prompts at several layers, from one pass of the model over every template's x⁺ and
     * x⁻: element [l][t] holds layer {@code layers[l]}, template t.
     */
    public static List<List<Pairs>> features(FeatureCache cache, Settings settings, int[] layers,
                                             PromptFitter.Fitted prompts, boolean showProgress) {
        List<String> texts = new ArrayList<>();
        for (int t = 0; t < prompts.templates().size(); t++) {
            texts.addAll(prompts.positive().get(t));
            texts.addAll(prompts.negative().get(t));
        }
        List<float[][]> x = cache.features(settings.spec(layers[0]), layers, texts, showProgress);
        int n = prompts.examples().size();
        List<List<Pairs>> out = new ArrayList<>();
        for (float[][] layer : x) {
            List<Pairs> perTemplate = new ArrayList<>();
            for (int t = 0; t < prompts.templates().size(); t++) {
                int base = 2 * n * t;
                perTemplate.add(new Pairs(Arrays.copyOfRange(layer, base, base + n),
                        Arrays.copyOfRange(layer, base + n, base + 2 * n)));
            }
            out.add(perTemplate);
        }
        return out;
    }

    /** Per-template normalisers. */
    static List<Ccs.Normalizer> normalizers(List<Pairs> pairs, boolean varNormalize) {
        return pairs.stream().map(p -> Ccs.Normalizer.fit(p.positive(), p.negative(), varNormalize)).toList();
    }

    /** Scores normalised pairs: P(x⁺ is the true member) per pair, before any sign flip. */
    @FunctionalInterface
    public interface PairScorer {
        double[] predict(double[][] pos, double[][] neg);
    }

    /**
     * A method fitted on all templates' training pairs.
     *
     * @param trainNorms the training set's per-template normalisers
     * @param loss       CCS loss on the training pairs (CCS and random), else null
     * @param flipped    whether P(true) is read as 1 − the scorer's
     */
    public record Reporter(String method, List<Ccs.Normalizer> trainNorms, PairScorer scorer, Double loss,
                           boolean flipped) {
        /** P(true) per template [t][example], signed, with the given per-template normalisers. */
        public double[][] perTemplate(List<Pairs> pairs, List<Ccs.Normalizer> norms) {
            double[][] out = new double[pairs.size()][];
            for (int t = 0; t < pairs.size(); t++) {
                Ccs.Normalizer n = norms.get(t);
                double[] p = scorer.predict(n.positive(pairs.get(t).positive()), n.negative(pairs.get(t).negative()));
                if (flipped) for (int i = 0; i < p.length; i++) p[i] = 1 - p[i];
                out[t] = p;
            }
            return out;
        }

        public Reporter withSign(boolean flip) {
            return new Reporter(method, trainNorms, scorer, loss, flip);
        }

        /** Flipped when the unflipped ensemble is right on fewer than half of the labeled examples. */
        public Reporter signedBy(List<Pairs> pairs, List<Ccs.Normalizer> norms, int[] labels) {
            double acc = Ccs.accuracy(ensemble(withSign(false).perTemplate(pairs, norms)), labels);
            return withSign(acc < 0.5);
        }
    }

    /** The prompt ensemble: the mean over templates of P(true), per example. */
    public static double[] ensemble(double[][] perTemplate) {
        double[] out = new double[perTemplate[0].length];
        for (double[] p : perTemplate) for (int i = 0; i < out.length; i++) out[i] += p[i] / perTemplate.length;
        return out;
    }

    /** Fits one method on the training pairs of every template (labels are read by logreg only). */
    public static Reporter fit(String method, List<Pairs> train, int[] trainLabels, Settings settings) {
        List<Ccs.Normalizer> norms = normalizers(train, settings.ccs().varNormalize());
        List<double[][]> pos = new ArrayList<>();
        List<double[][]> neg = new ArrayList<>();
        for (int t = 0; t < train.size(); t++) {
            pos.add(norms.get(t).positive(train.get(t).positive()));
            neg.add(norms.get(t).negative(train.get(t).negative()));
        }
        double[][] allPos = concat(pos);
        double[][] allNeg = concat(neg);
        return switch (method) {
            case "ccs" -> {
                Ccs.Fit fit = Ccs.fitNormalized(allPos, allNeg, settings.ccs());
                yield new Reporter(method, norms, fit::predict, fit.loss(), false);
            }
            case "random" -> {
                Ccs.Linear fit = Ccs.randomNormalized(allPos, allNeg, settings.ccs().seed());
                yield new Reporter(method, norms, fit::predict, fit.loss(), false);
            }
            case "vinc" -> {
                Vinc.Fit fit = Vinc.fit(pos, neg, Vinc.VAR_WEIGHT, Vinc.NEG_COV_WEIGHT);
                yield new Reporter(method, norms, fit::predict, null, false);
            }
            case "logreg" -> {
                double[][] x = difference(allPos, allNeg);
                double[] y = new double[x.length];
                for (int i = 0; i < y.length; i++) y[i] = trainLabels[i % trainLabels.length];
                LogisticRegression lr = LogisticRegression.fit(x, y, LogisticRegression.DEFAULT_L2,
                        settings.balanced() ? LogisticRegression.balancedWeights(y) : null);
                yield new Reporter(method, norms, (p, q) -> lr.predict(difference(p, q)), null, false);
            }
            default -> throw new IllegalArgumentException("--method: unknown method '" + method + "'; valid methods: "
                    + String.join(", ", METHODS) + ", all");
        };
    }

    private static double[][] concat(List<double[][]> parts) {
        List<double[]> out = new ArrayList<>();
        for (double[][] p : parts) out.addAll(Arrays.asList(p));
        return out.toArray(double[][]::new);
    }

    /** x⁻ − x⁺ per pair: the reference's input for the supervised baseline. */
    private static double[][] difference(double[][] pos, double[][] neg) {
        double[][] out = new double[pos.length][pos[0].length];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out[i].length; j++) out[i][j] = neg[i][j] - pos[i][j];
        }
        return out;
    }

    /** One template: see {@link #evaluate(int, List, int[], List, int[], Settings, List)}. */
    public static List<Row> evaluate(int layer, Pairs train, int[] trainLabels, Pairs test, int[] testLabels,
                                     Settings settings, List<String> methods) {
        return evaluate(layer, List.of(train), trainLabels, List.of(test), testLabels, settings, methods);
    }

    /**
     * Every requested method, fitted on the training pairs and measured on the test pairs: a row per template and,
     * with several templates, one for their ensemble (listed first).
     */
    public static List<Row> evaluate(int layer, List<Pairs> train, int[] trainLabels, List<Pairs> test,
                                     int[] testLabels, Settings settings, List<String> methods) {
        List<ContrastTemplate> templates = settings.templates();
        if (train.size() != templates.size() || test.size() != templates.size()) {
            throw new IllegalArgumentException("pairs for " + train.size() + "/" + test.size() + " templates, settings"
                    + " name " + templates.size());
        }
        List<Ccs.Normalizer> testNorms = settings.normalize() == Norm.TEST
                ? normalizers(test, settings.ccs().varNormalize()) : null;
        List<Row> rows = new ArrayList<>();
        for (String method : methods) {
            Reporter r = fit(method, train, trainLabels, settings);
            List<Ccs.Normalizer> norms = testNorms != null ? testNorms : r.trainNorms();
            String sign;
            if (method.equals("logreg")) sign = "supervised";
            else if (settings.signPoints() == 0) {
                r = r.signedBy(test, norms, testLabels);
                sign = "test max(acc,1-acc)";
            } else {
                int k = Math.min(settings.signPoints(), trainLabels.length);
                List<Pairs> head = train.stream().map(p -> p.head(k)).toList();
                r = r.signedBy(head, r.trainNorms(), Arrays.copyOf(trainLabels, k));
                sign = k + " train labels";
            }
            double[][] per = r.perTemplate(test, norms);
            if (templates.size() > 1) rows.add(row(layer, method, ENSEMBLE, ensemble(per), testLabels, sign, r.loss()));
            for (int t = 0; t < templates.size(); t++) {
                rows.add(row(layer, method, templates.get(t).name(), per[t], testLabels, sign, r.loss()));
            }
        }
        return rows;
    }

    static Row row(int layer, String method, String template, double[] pTrue, int[] labels, String sign,
                   Double loss) {
        double[][] probs = Metrics.twoWay(pTrue);
        return new Row(layer, method, template, Metrics.accuracy(probs, labels), Metrics.auroc(probs, labels),
                Metrics.ece(probs, labels, 10), Metrics.brier(probs, labels), sign, loss);
    }
}
