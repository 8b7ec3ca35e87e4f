package w2s.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

import w2s.base.Json;

/**
 * The built-in example of a feature-matrix task, made here from a seed: the vision experiment's shape (a pretrained
 * weak classifier's soft predictions, two models' frozen feature vectors, K classes) in miniature, with synthetic
 * data. It is not ImageNet, AlexNet or DINO, and its numbers say nothing about them: each class is a random centre in
 * each model's feature space, the "strong" features (64-d) separate the classes better than the "weak" ones (16-d),
 * and the "pretrained" weak classifier is a noisy softmax around the true class. It shows which files a feature task
 * takes and that they run. {@link Shape#IMAGENET} makes the same kind of data at the reference's ImageNet size, to
 * measure a run of that size (bench/vision-run.sh).
 */
public final class FeatureExample {
    /**
     * How much data and how separable: classes, training and test items, the two models' vector widths, each model's
     * class separation (a class centre's scale per dimension, against noise of 1), and the weak classifier's logits:
     * standard normal, the true class's raised by a margin, all times a sharpness.
     */
    public record Shape(String name, int classes, int train, int test, int weakDim, int strongDim,
                        double weakSeparation, double strongSeparation, double weakMargin, double weakSharpness) {
        /** The built-in example: small enough for a test, 0.65 weak accuracy. */
        public static final Shape SMALL = new Shape("small", 10, 2000, 500, 16, 64, 0.35, 0.5, 1.8, 1);
        /**
         * The reference's ImageNet split: 1,000 classes, 40,000 training and 10,000 test items, 2,048-d strong vectors
         * (DINO ResNet-50's width). The weak classifier is about as accurate as AlexNet's 56.6% (999 other logits,
         * whose maximum is about 3.2, against a margin of 3.4) and about calibrated (sharpness 3.3: ECE 0.07 in a
         * numpy simulation, against 0.53 at 1). A strong separation of 0.16 puts a probe trained on 20,000 items
         * near DINO ResNet-50's 64.5% (PyTorch's linear probe, 10 epochs: 0.58 at 0.15, 0.97 at 0.2).
         */
        public static final Shape IMAGENET = new Shape("imagenet", 1000, 40_000, 10_000, 256, 2048, 0.3, 0.16, 3.4,
                3.3);

        public static Shape named(String name) {
            for (Shape s : new Shape[] {SMALL, IMAGENET}) if (s.name.equals(name)) return s;
            throw new IllegalArgumentException("unknown shape '" + name + "': small or imagenet");
        }
    }

    private FeatureExample() {}

    /** Writes labels.jsonl, test.jsonl, weak.npy, strong.npy and weak_predictions.jsonl into dir. */
    public static void write(Path dir, long seed, Shape shape) {
        int classes = shape.classes(), n = shape.train() + shape.test();
        Random r = new Random(seed);
        int[] label = new int[n];
        for (int i = 0; i < n; i++) label[i] = r.nextInt(classes);
        try {
            Files.createDirectories(dir);
            FeatureFiles.writeNpy(dir.resolve("weak.npy"),
                    vectors(label, classes, shape.weakDim(), shape.weakSeparation(), r));
            FeatureFiles.writeNpy(dir.resolve("strong.npy"),
                    vectors(label, classes, shape.strongDim(), shape.strongSeparation(), r));
            StringBuilder train = new StringBuilder();
            StringBuilder test = new StringBuilder();
            // Streamed: at the ImageNet shape the predictions are 50,000 lines of 1,000 numbers. Each file is written
            // whole or not at all, test.jsonl last, so a folder with test.jsonl holds the whole task.
            Json.writeAtomically(dir.resolve("weak_predictions.jsonl"), stream -> {
                java.io.Writer predictions = new java.io.BufferedWriter(
                        new java.io.OutputStreamWriter(stream, java.nio.charset.StandardCharsets.UTF_8), 1 << 16);
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    String id = String.format(Locale.ROOT, "x%05d", i);
                    (i < shape.train() ? train : test).append("{\"id\":\"").append(id).append("\",\"label\":")
                            .append(label[i]).append("}\n");
                    double[] z = new double[classes];
                    for (int k = 0; k < classes; k++) {
                        z[k] = shape.weakSharpness() * (r.nextGaussian() + (k == label[i] ? shape.weakMargin() : 0));
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : z) max = Math.max(max, v);
                    double sum = 0;
                    for (int k = 0; k < classes; k++) sum += z[k] = Math.exp(z[k] - max);
                    line.setLength(0);
                    line.append("{\"id\":\"").append(id).append("\",\"probs\":[");
                    for (int k = 0; k < classes; k++) {
                        line.append(k == 0 ? "" : ",").append(probability(z[k] / sum, classes));
                    }
                    predictions.append(line).append("]}\n");
                }
                predictions.flush();
            });
            Json.writeAtomically(dir.resolve("labels.jsonl"), train.toString());
            Json.writeAtomically(dir.resolve("test.jsonl"), test.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the feature example into " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Six decimals for a few classes (the built-in example's files, as they always were); for many, float precision:
     * a thousand probabilities near 0.001 rounded to six decimals would be 2% off each and could miss the ±1e-3 sum.
     */
    private static String probability(double p, int classes) {
        return classes <= 100 ? String.format(Locale.ROOT, "%.6f", p) : Float.toString((float) p);
    }

    /** Each item's class centre (random, scale 1 per dimension) times separation, plus standard normal noise. */
    private static float[][] vectors(int[] label, int classes, int dim, double separation, Random r) {
        double[][] centre = new double[classes][dim];
        for (double[] c : centre) for (int j = 0; j < dim; j++) c[j] = r.nextGaussian();
        float[][] x = new float[label.length][dim];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < dim; j++) x[i][j] = (float) (separation * centre[label[i]][j] + r.nextGaussian());
        }
        return x;
    }
}
