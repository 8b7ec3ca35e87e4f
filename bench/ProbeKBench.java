import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import w2s.data.Example;
import w2s.torch.Torch;
import w2s.train.Classifier;
import w2s.train.Losses;
import w2s.train.Probe;
import w2s.train.TrainConfig;

/**
 * Issue 24's speed and memory targets: a K-class linear probe on random feature rows as the toolkit trains it (Probe:
 * standardised features, a zero-initialised Linear(d, K) head, Adam, cosine, the soft-label cross-entropy), with the
 * vision experiment's settings: batch 100, lr 1e-3, no weight decay. Prints seconds per optimiser step, the whole
 * training time, and resident memory split as /proc reports it: anonymous memory (the heap, libtorch's tensors: what
 * the run allocates) and memory mapped from files (the JVM's and libtorch's libraries, shared and reclaimable).
 * Arguments: rows dim classes epochs labels (default 40000 2048 1000 10 hard). Labels "hard" are ground truth as the
 * toolkit builds it (ItemExperiment.oneHot: one shared one-hot row per class); "soft" are a dense probability vector
 * per row, as a pretrained weak classifier's (AlexNet's in the reference) are read from --weak-labels.
 */
public class ProbeKBench {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int classes = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        boolean soft = args.length > 4 && args[4].equals("soft");
        Torch.start();
        System.out.printf("resident with libtorch loaded, before any data: %s%n", resident());
        Random r = new Random(0);
        float[][] x = new float[rows][dim];
        for (float[] row : x) for (int j = 0; j < dim; j++) row[j] = (float) r.nextGaussian();
        double[][] oneHot = new double[classes][classes];
        for (int c = 0; c < classes; c++) oneHot[c][c] = 1;
        int[] truth = new int[rows];
        double[][] labels = new double[rows][];
        List<Example> docs = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            truth[i] = r.nextInt(classes);
            labels[i] = soft ? softLabel(truth[i], classes, r) : oneHot[truth[i]];
            docs.add(new Example("r" + i, Integer.toString(i), 0));
        }
        double featuresMb = rows * (double) dim * 4 / 1e6;
        double labelsMb = soft ? rows * (double) classes * 8 / 1e6 : classes * (double) classes * 8 / 1e6;
        Probe probe = new Probe("random", ids -> ids.stream().map(id -> x[Integer.parseInt(id)]).toArray(float[][]::new),
                "linear");
        TrainConfig config = new TrainConfig(epochs, 100, 1e-3, 0, "cosine", 0, 0);
        int total = config.totalSteps(rows);
        System.out.printf("resident with the features (%.0f MB as float32) and %s labels (%.0f MB of doubles): %s%n",
                featuresMb, soft ? "soft" : "one-hot", labelsMb, resident());
        long t0 = System.nanoTime();
        long[] last = {t0};
        long[] peakAnon = {0};
        Classifier.Trained trained = probe.fit(docs, labels, Losses.get("xent"), config, new Classifier.Monitor() {
            public void atStep(int step, int totalSteps, Classifier.Trained m) {}

            public void loss(int step, int totalSteps, double loss) {
                if (step % 10 == 0) peakAnon[0] = Math.max(peakAnon[0], kb("RssAnon:"));
                if (step % 200 == 0 || step == totalSteps) {
                    long now = System.nanoTime();
                    System.out.printf("step %d/%d  %.4f s/step  loss %.4f%n", step, totalSteps,
                            (now - last[0]) / 1e9 / (step % 200 == 0 ? 200 : step % 200), loss);
                    last[0] = now;
                }
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d rows x %d features, %d classes, %d epochs (%d steps of 100): %.1f s training%n", rows, dim,
                classes, epochs, total, seconds);
        System.out.printf("peak during training: anonymous %d MB (2x the features: %.0f MB); all resident %d MB%n",
                peakAnon[0] / 1024, 2 * featuresMb, kb("VmHWM:") / 1024);
        long p0 = System.nanoTime();
        double[][] p = trained.predict(docs);
        int right = 0;
        for (int i = 0; i < rows; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (p[i][c] > p[i][best]) best = c;
            if (best == truth[i]) right++;
        }
        System.out.printf("predicting all %d rows: %.1f s; training accuracy %.3f (random features: memorised, not "
                + "learnt); after predicting (the probabilities are %.0f MB of doubles): %s%n", rows,
                (System.nanoTime() - p0) / 1e9, right / (double) rows, rows * (double) classes * 8 / 1e6, resident());
    }

    /** A probability vector that puts most of its mass on the true class, as a fair weak classifier's softmax would. */
    private static double[] softLabel(int truth, int classes, Random r) {
        double[] p = new double[classes];
        double sum = 0;
        for (int c = 0; c < classes; c++) sum += p[c] = Math.exp(r.nextGaussian() + (c == truth ? 6 : 0));
        for (int c = 0; c < classes; c++) p[c] /= sum;
        return p;
    }

    private static String resident() {
        return String.format("%d MB (anonymous %d MB, mapped from files %d MB)", kb("VmRSS:") / 1024,
                kb("RssAnon:") / 1024, kb("RssFile:") / 1024);
    }

    /** A /proc/self/status field in kB: VmRSS (resident now), RssAnon, RssFile, or VmHWM (the peak so far). */
    private static long kb(String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
