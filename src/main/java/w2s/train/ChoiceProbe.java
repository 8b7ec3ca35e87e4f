package w2s.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import w2s.model.FeatureMatrix;
import w2s.model.Head;

/**
 * A probe for choice tasks (preference pairs, multiple choice): one scalar head, shared by every candidate, scores
 * the frozen features of each candidate document (prompt and candidate read together), and a softmax over an item's
 * candidates is its prediction. Training minimises a loss over candidates against soft preferences — cross-entropy,
 * which for two candidates is the Bradley–Terry loss of reward modeling — with any {@link Loss}, which sees one row of
 * candidate logits per item. Features are standardised over the training candidates, as {@link Probe} does.
 *
 * @param name     the encoder's name, for descriptions
 * @param features texts → feature vectors
 * @param head     "linear" or "mlp" (with one output)
 */
public record ChoiceProbe(String name, Function<List<String>, float[][]> features, String head) {

    /** A trained scorer: each item's distribution over its candidates. */
    public interface Trained {
        double[][] predict(List<List<String>> items);
    }

    public String describe() {
        return name + " choice probe (" + head + ", shared scalar score)";
    }

    /**
     * Trains a fresh scorer.
     *
     * @param items  each item's candidate documents
     * @param labels each item's soft preference over its candidates (one-hot for ground truth)
     * @param hook   after every optimiser step, with its loss
     */
    public Trained fit(List<List<String>> items, double[][] labels, Loss loss, TrainConfig config,
                       HeadTrainer.StepHook hook) {
        int[] start = starts(items);
        float[][] raw = features.apply(flat(items));
        Probe.Standardizer standardizer = Probe.Standardizer.fit(raw);
        FeatureMatrix x = new FeatureMatrix.Dense(standardizer.apply(raw));
        Head h = Head.create(head, x.dim(), 1, new Random(config.seed()));
        train(h, x, start, labels, loss, config, hook);
        return test -> predict(h, new FeatureMatrix.Dense(standardizer.apply(features.apply(flat(test)))), starts(test));
    }

    /** Candidate i of item j is row start[j] + i; start has one more entry, the total. */
    static int[] starts(List<List<String>> items) {
        int[] start = new int[items.size() + 1];
        for (int j = 0; j < items.size(); j++) start[j + 1] = start[j] + items.get(j).size();
        return start;
    }

    private static List<String> flat(List<List<String>> items) {
        List<String> all = new ArrayList<>();
        for (List<String> item : items) all.addAll(item);
        return all;
    }

    private static double[] scores(Head h, FeatureMatrix x, int from, int to) {
        double[] z = new double[to - from];
        for (int c = from; c < to; c++) z[c - from] = h.logits(x, c)[0];
        return z;
    }

    static double[][] predict(Head h, FeatureMatrix x, int[] start) {
        double[][] p = new double[start.length - 1][];
        for (int j = 0; j < p.length; j++) p[j] = Loss.softmax(scores(h, x, start[j], start[j + 1]));
        return p;
    }

    /** As {@link HeadTrainer#train}, with an item's candidates in place of a row's classes. */
    static void train(Head h, FeatureMatrix x, int[] start, double[][] labels, Loss loss, TrainConfig config,
                      HeadTrainer.StepHook hook) {
        int n = start.length - 1;
        if (labels.length != n) throw new IllegalArgumentException(n + " items but " + labels.length + " labels");
        int total = config.totalSteps(n);
        int batch = Math.min(config.batchSize(), n);
        int[] order = HeadTrainer.epochStream(n, config.epochs(), new Random(config.seed()));
        double[] params = h.parameters();
        double[] grad = new double[params.length];
        Adam adam = new Adam(params.length, config.beta2(), config.decoupled());
        for (int step = 0; step < total; step++) {
            int from = (int) ((long) step * batch % order.length);
            double[][] logits = new double[batch][];
            double[][] target = new double[batch][];
            int[] items = new int[batch];
            for (int i = 0; i < batch; i++) {
                items[i] = order[(from + i) % order.length];
                logits[i] = scores(h, x, start[items[i]], start[items[i] + 1]);
                target[i] = labels[items[i]];
            }
            Loss.Value value = loss.evaluate(logits, target, (double) step / total);
            double lr = config.lrAt(step, total);
            if (!Double.isFinite(value.loss())) throw new TrainingFailedException(loss.name(), step, lr, value.loss());
            Arrays.fill(grad, 0);
            for (int i = 0; i < batch; i++) {
                for (int c = start[items[i]]; c < start[items[i] + 1]; c++) {
                    h.backward(x, c, new double[] {value.gradient()[i][c - start[items[i]]]}, grad);
                }
            }
            adam.step(params, grad, lr, config.weightDecay(), h::decays);
            hook.after(step + 1, total, value.loss());
        }
    }
}
