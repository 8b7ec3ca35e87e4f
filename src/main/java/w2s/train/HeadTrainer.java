package w2s.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import w2s.model.FeatureMatrix;
import w2s.model.Head;

/**
 * Trains a head on feature rows with Adam, as the reference trains its models: batches drawn from a seeded stream of
 * epochs, the loss evaluated on the logits of the whole batch, a learning-rate schedule over all steps.
 */
public final class HeadTrainer {

    /**
     * Called after every optimiser step with the step just finished (1-based), the total, and the loss of that step's
     * batch (the value whose gradient the step followed).
     */
    public interface StepHook {
        void after(int step, int totalSteps, double loss);
    }

    private HeadTrainer() {}

    public static void train(Head head, FeatureMatrix x, double[][] labels, Loss loss, TrainConfig config,
                             StepHook hook) {
        int n = x.rows();
        if (labels.length != n) throw new IllegalArgumentException(n + " rows but " + labels.length + " labels");
        if (onTorch(head) && !(x instanceof FeatureMatrix.Sparse)) {
            LinearHeadOnTorch.train((Head.Linear) head, x, labels, loss, config, hook);
            return;
        }
        trainInJava(head, x, labels, loss, config, hook);
    }

    /** Whether a head trains (and predicts) in libtorch: large linear heads with more than two outputs. */
    public static boolean onTorch(Head head) {
        return LinearHeadOnTorch.suits(head);
    }

    /** The algorithm a row at a time in Java doubles: every head but the large linear ones. */
    static void trainInJava(Head head, FeatureMatrix x, double[][] labels, Loss loss, TrainConfig config,
                            StepHook hook) {
        int n = x.rows();
        int total = config.totalSteps(n);
        int batch = Math.min(config.batchSize(), n);
        int[] order = epochStream(n, config.epochs(), new Random(config.seed()));
        double[] params = head.parameters();
        double[] grad = new double[params.length];
        Adam adam = new Adam(params.length, config.beta2(), config.decoupled());
        for (int step = 0; step < total; step++) {
            int from = (int) ((long) step * batch % order.length);
            double[][] logits = new double[batch][];
            double[][] target = new double[batch][];
            int[] rows = new int[batch];
            for (int i = 0; i < batch; i++) {
                rows[i] = order[(from + i) % order.length];
                logits[i] = head.logits(x, rows[i]);
                target[i] = labels[rows[i]];
            }
            Loss.Value value = loss.evaluate(logits, target, (double) step / total);
            double lr = config.lrAt(step, total);
            if (!Double.isFinite(value.loss())) throw new TrainingFailedException(loss.name(), step, lr, value.loss());
            java.util.Arrays.fill(grad, 0);
            for (int i = 0; i < batch; i++) head.backward(x, rows[i], value.gradient()[i], grad);
            adam.step(params, grad, lr, config.weightDecay(), head::decays);
            hook.after(step + 1, total, value.loss());
        }
    }

    /** Each epoch a fresh seeded permutation of the rows, concatenated. */
    static int[] epochStream(int n, int epochs, Random random) {
        int[] out = new int[n * epochs];
        List<Integer> perm = new ArrayList<>(n);
        for (int i = 0; i < n; i++) perm.add(i);
        for (int e = 0; e < epochs; e++) {
            Collections.shuffle(perm, random);
            for (int i = 0; i < n; i++) out[e * n + i] = perm.get(i);
        }
        return out;
    }

    /** N×K probabilities of a head on every row. */
    public static double[][] predict(Head head, FeatureMatrix x) {
        if (onTorch(head) && !(x instanceof FeatureMatrix.Sparse)) {
            return LinearHeadOnTorch.predict((Head.Linear) head, x);
        }
        double[][] p = new double[x.rows()][];
        for (int i = 0; i < p.length; i++) p[i] = Loss.softmax(head.logits(x, i));
        return p;
    }
}
