package w2s.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * The built-in example of a feature-matrix task, made here from a seed: the vision experiment's shape (a pretrained
 * weak classifier's soft predictions, two models' frozen feature vectors, K classes) in miniature, with synthetic
 * data. It is not ImageNet, AlexNet or DINO, and its numbers say nothing about them: each class is a random centre in
 * each model's feature space, the "strong" features (64-d) separate the classes better than the "weak" ones (16-d),
 * and the "pretrained" weak classifier is a noisy softmax around the true class. It shows which files a feature task
 * takes and that they run.
 */
public final class FeatureExample {
    public static final int CLASSES = 10;
    public static final int TRAIN = 2000;
    public static final int TEST = 500;

    private FeatureExample() {}

    /** Writes labels.jsonl, test.jsonl, weak.npy, strong.npy and weak_predictions.jsonl into dir. */
    public static void write(Path dir, long seed) {
        Random r = new Random(seed);
        int n = TRAIN + TEST;
        int[] label = new int[n];
        for (int i = 0; i < n; i++) label[i] = r.nextInt(CLASSES);
        try {
            Files.createDirectories(dir);
            FeatureFiles.writeNpy(dir.resolve("weak.npy"), vectors(label, 16, 0.35, r));
            FeatureFiles.writeNpy(dir.resolve("strong.npy"), vectors(label, 64, 0.5, r));
            StringBuilder train = new StringBuilder();
            StringBuilder test = new StringBuilder();
            StringBuilder predictions = new StringBuilder();
            for (int i = 0; i < n; i++) {
                String id = String.format(Locale.ROOT, "x%05d", i);
                (i < TRAIN ? train : test).append("{\"id\":\"").append(id).append("\",\"label\":").append(label[i])
                        .append("}\n");
                double[] z = new double[CLASSES];
                for (int k = 0; k < CLASSES; k++) z[k] = r.nextGaussian() + (k == label[i] ? 1.8 : 0);
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) max = Math.max(max, v);
                double sum = 0;
                for (int k = 0; k < CLASSES; k++) sum += z[k] = Math.exp(z[k] - max);
                predictions.append("{\"id\":\"").append(id).append("\",\"probs\":[");
                for (int k = 0; k < CLASSES; k++) {
                    predictions.append(k == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", z[k] / sum));
                }
                predictions.append("]}\n");
            }
            Files.writeString(dir.resolve("labels.jsonl"), train);
            Files.writeString(dir.resolve("test.jsonl"), test);
            Files.writeString(dir.resolve("weak_predictions.jsonl"), predictions);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the feature example into " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Each item's class centre (random, scale 1 per dimension) times separation, plus standard normal noise. */
    private static float[][] vectors(int[] label, int dim, double separation, Random r) {
        double[][] centre = new double[CLASSES][dim];
        for (double[] c : centre) for (int j = 0; j < dim; j++) c[j] = r.nextGaussian();
        float[][] x = new float[label.length][dim];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < dim; j++) x[i][j] = (float) (separation * centre[label[i]][j] + r.nextGaussian());
        }
        return x;
    }
}
