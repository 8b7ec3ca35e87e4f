package w2s.train;

/**
 * A training loss on a batch of logits against soft labels (rows of probabilities): N×2 for a binary task, N×K for
 * K classes, and for a choice task one row per item with a logit per candidate (rows may then differ in length).
 *
 * <p>Every loss of the reference implementation is a cross-entropy against a target that is built from the labels
 * and, for the self-training losses, from the student's own detached predictions. So a loss here is just the rule
 * that builds that target; the cross-entropy and its gradient, (softmax(logits) − target) / N, are shared. Trainers
 * of any kind (a probe in plain Java, a fine-tuned transformer on libtorch) call {@link #evaluate} on the logits of the
 * whole batch and back-propagate the returned gradient, so a loss never needs to know who trains with it.
 */
public interface Loss {

    /** The name that selects this loss on the command line and in results. */
    String name();

    /**
     * The target distribution for each row, treated as a constant (no gradient flows through it).
     *
     * @param logits   N×K student logits (K = 2 for a binary task)
     * @param labels   N×K soft labels (weak supervisor probabilities, or one-hot ground truth)
     * @param progress fraction of training done, step / total_steps, in [0, 1]
     */
    double[][] target(double[][] logits, double[][] labels, double progress);

    /** Whether the loss is defined for more than two columns (K classes, choices); EleutherAI's buffered ones are not. */
    default boolean multiClass() {
        return true;
    }

    /** Mean cross-entropy against {@link #target} and its gradient with respect to the logits. */
    default Value evaluate(double[][] logits, double[][] labels, double progress) {
        return crossEntropy(logits, target(logits, labels, progress));
    }

    /** A loss value and dLoss/dLogits, same shape as the logits. */
    record Value(double loss, double[][] gradient) {}

    static Value crossEntropy(double[][] logits, double[][] target) {
        int n = logits.length;
        double total = 0;
        double[][] grad = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] z = logits[i];
            double[] p = softmax(z);
            double logSumExp = logSumExp(z);
            grad[i] = new double[z.length];
            for (int k = 0; k < z.length; k++) {
                total -= target[i][k] * (z[k] - logSumExp);
                grad[i][k] = (p[k] - target[i][k]) / n;
            }
        }
        return new Value(total / n, grad);
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) max = Math.max(max, v);
        double[] p = new double[z.length];
        double sum = 0;
        for (int k = 0; k < z.length; k++) sum += p[k] = Math.exp(z[k] - max);
        for (int k = 0; k < z.length; k++) p[k] /= sum;
        return p;
    }

    static double logSumExp(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) max = Math.max(max, v);
        double sum = 0;
        for (double v : z) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }
}
