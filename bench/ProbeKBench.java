import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import w2s.data.Example;
import w2s.train.Classifier;
import w2s.train.Losses;
import w2s.train.Probe;
import w2s.train.TrainConfig;

/**
 * Issue 24's speed target: a K-class linear probe on random feature rows as the toolkit trains it (Probe: standardised
 * features, a zero-initialised Linear(d, K) head, Adam, cosine, the soft-label cross-entropy), with the vision
 * experiment's settings: batch 100, lr 1e-3, no weight decay. Prints seconds per optimiser step, the whole training
 * time, and the features' size; run it under /usr/bin/time -v (bench/probe-k.sh) for the peak resident memory.
 * Arguments: rows dim classes epochs (default 40000 2048 1000 10).
 */
public class ProbeKBench {
    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int classes = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Random r = new Random(0);
        float[][] x = new float[rows][dim];
        for (float[] row : x) for (int j = 0; j < dim; j++) row[j] = (float) r.nextGaussian();
        double[][] labels = new double[rows][classes];
        List<Example> docs = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            labels[i][r.nextInt(classes)] = 1;
            docs.add(new Example("r" + i, Integer.toString(i), 0));
        }
        Probe probe = new Probe("random", ids -> ids.stream().map(id -> x[Integer.parseInt(id)]).toArray(float[][]::new),
                "linear");
        TrainConfig config = new TrainConfig(epochs, 100, 1e-3, 0, "cosine", 0, 0);
        int total = config.totalSteps(rows);
        System.out.printf("resident before training (the JVM, libtorch not yet loaded, the features and labels): %d MB%n",
                residentMb("VmRSS:"));
        long t0 = System.nanoTime();
        long[] last = {t0};
        Classifier.Trained trained = probe.fit(docs, labels, Losses.get("xent"), config, new Classifier.Monitor() {
            public void atStep(int step, int totalSteps, Classifier.Trained m) {}

            public void loss(int step, int totalSteps, double loss) {
                if (step % 50 == 0 || step == totalSteps) {
                    long now = System.nanoTime();
                    System.out.printf("step %d/%d  %.3f s/step  loss %.4f%n", step, totalSteps,
                            (now - last[0]) / 1e9 / (step % 50 == 0 ? 50 : step % 50), loss);
                    last[0] = now;
                }
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d rows x %d features, %d classes, %d epochs (%d steps of 100): %.1f s training; "
                + "features %.0f MB as float32, labels %.0f MB as doubles%n", rows, dim, classes, epochs, total, seconds,
                rows * (double) dim * 4 / 1e6, rows * (double) classes * 8 / 1e6);
        System.out.printf("peak resident so far (training included): %d MB%n", residentMb("VmHWM:"));
        long p0 = System.nanoTime();
        double[][] p = trained.predict(docs);
        int right = 0;
        for (int i = 0; i < rows; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (p[i][c] > p[i][best]) best = c;
            if (labels[i][best] == 1) right++;
        }
        System.out.printf("predicting all %d rows: %.1f s; training accuracy %.3f (random features: memorised, not "
                + "learnt); peak resident %d MB (the probabilities are %.0f MB of doubles)%n", rows,
                (System.nanoTime() - p0) / 1e9, right / (double) rows, residentMb("VmHWM:"), rows * (double) classes * 8 / 1e6);
    }

    /** A /proc/self/status field in MB: VmRSS (resident now) or VmHWM (the peak so far). */
    private static long residentMb(String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
