package w2s.train;

import java.util.Random;

import w2s.model.FeatureMatrix;
import w2s.model.Head;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * {@link HeadTrainer}'s algorithm for a large linear head (the vision experiment's 1,000 classes on 2,048 features)
 * with its matrix products and its Adam ({@link TorchAdam}, the fine-tuner's) in libtorch: the same seeded batches,
 * the same loss evaluated in Java on each batch's logits, the same Adam and weight decay (on the weights, not the
 * biases). Weights, moments and products are fp32, as the reference's PyTorch probe computes them (the Java path's
 * fp64 would double the time of every product and every moment update for digits the fp32 features do not have); the
 * loss and its gradient stay fp64 in Java. A row at a time in Java such a head takes half a second per step; here a
 * step takes milliseconds.
 */
final class LinearHeadOnTorch {
    /** Heads with at least this many parameters and more than two outputs train here. */
    static final int MIN_PARAMETERS = 1 << 20;

    private LinearHeadOnTorch() {}

    static boolean suits(Head head) {
        return head instanceof Head.Linear linear && linear.outputs() > 2 && head.parameters().length >= MIN_PARAMETERS;
    }

    static void train(Head.Linear head, FeatureMatrix x, double[][] labels, Loss loss, TrainConfig config,
                      HeadTrainer.StepHook hook) {
        int n = x.rows(), dim = head.dim(), k = head.outputs();
        int total = config.totalSteps(n), batch = Math.min(config.batchSize(), n);
        int[] order = HeadTrainer.epochStream(n, config.epochs(), new Random(config.seed()));
        double[] params = head.parameters();
        // One batch's rows, logits and gradient, reused every step. The rows are copied from Java each step rather
        // than held in libtorch: 0.8 MB a step for 2,048 features against a second copy of every feature.
        float[] batchRows = new float[batch * dim];
        double[][] logits = new double[batch][k];
        float[] gradient = new float[batch * k];
        try (Scope owner = Scope.owner(); Torch.Mode noGrad = Torch.noGrad()) {
            Tensor w = Tensor.of(owner, floats(params, 0, k * dim), k, dim);
            Tensor b = Tensor.of(owner, floats(params, k * dim, k), k);
            Tensor mw = owner.adoptFrom(w.zerosLike()), vw = owner.adoptFrom(w.zerosLike());
            Tensor mb = owner.adoptFrom(b.zerosLike()), vb = owner.adoptFrom(b.zerosLike());
            double[][] target = new double[batch][];
            for (int step = 0; step < total; step++) {
                try (Scope pass = Scope.open()) {
                    int from = (int) ((long) step * batch % order.length);
                    for (int i = 0; i < batch; i++) {
                        int row = order[(from + i) % order.length];
                        x.copyRow(row, batchRows, i * dim);
                        target[i] = labels[row];
                    }
                    Tensor xb = Tensor.of(null, batchRows, batch, dim);
                    // Linear's x · Wᵀ + b, read in place from libtorch's storage (a copy: 0.4 MB of garbage a step).
                    java.nio.FloatBuffer z = xb.matMul(w.t()).add(b).floatView();
                    for (int i = 0; i < batch; i++) for (int c = 0; c < k; c++) logits[i][c] = z.get(i * k + c);
                    Loss.Value value = loss.evaluate(logits, target, (double) step / total);
                    double lr = config.lrAt(step, total);
                    if (!Double.isFinite(value.loss())) {
                        throw new TrainingFailedException(loss.name(), step, lr, value.loss());
                    }
                    for (int i = 0; i < batch; i++) {
                        double[] gi = value.gradient()[i];
                        for (int c = 0; c < k; c++) gradient[i * k + c] = (float) gi[c];
                    }
                    Tensor g = Tensor.of(null, gradient, batch, k);
                    int t = step + 1;
                    double c1 = 1 - Math.pow(TorchAdam.BETA1, t), c2 = 1 - Math.pow(config.beta2(), t);
                    double beta2 = config.beta2();
                    double decay = config.weightDecay();
                    // AdamW's decay acts on the weights, Adam's through the gradient; neither on the biases.
                    if (config.decoupled() && decay != 0) w.mulInPlace(1 - lr * decay);
                    TorchAdam.update(w, g.t().matMul(xb), mw, vw, lr, c1, c2, config.decoupled() ? 0 : decay, beta2);
                    TorchAdam.update(b, g.sum(0), mb, vb, lr, c1, c2, 0, beta2);
                    hook.after(step + 1, total, value.loss());
                }
            }
            float[] wOut = w.toFloatArray(), bOut = b.toFloatArray();
            for (int i = 0; i < wOut.length; i++) params[i] = wOut[i];
            for (int i = 0; i < k; i++) params[k * dim + i] = bOut[i];
        }
    }

    /**
     * N×K probabilities, the logits computed in libtorch in blocks of rows (fp32, as trained) and the softmax in Java as
     * {@link HeadTrainer#predict} takes it: in Java doubles, 40,000 rows of a 1,000-class head are 82 billion
     * multiply-adds.
     */
    static double[][] predict(Head.Linear head, FeatureMatrix x) {
        int n = x.rows(), dim = head.dim(), k = head.outputs();
        double[] params = head.parameters();
        double[][] p = new double[n][];
        try (Scope owner = Scope.owner(); Torch.Mode noGrad = Torch.noGrad()) {
            Tensor w = Tensor.of(owner, floats(params, 0, k * dim), k, dim);
            Tensor b = Tensor.of(owner, floats(params, k * dim, k), k);
            int block = blockOf(dim);
            for (int from = 0; from < n; from += block) {
                int to = Math.min(n, from + block);
                try (Scope s = Scope.open()) {
                    int m = to - from;
                    Tensor rows = Tensor.of(null, rowsBetween(x, from, to), m, dim);
                    java.nio.FloatBuffer z = rows.matMul(w.t()).add(b).floatView();
                    double[] logits = new double[k];
                    for (int i = from; i < to; i++) {
                        for (int c = 0; c < k; c++) logits[c] = z.get((i - from) * k + c);
                        p[i] = Loss.softmax(logits);
                    }
                }
            }
        }
        return p;
    }

    private static float[] floats(double[] values, int from, int length) {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) out[i] = (float) values[from + i];
        return out;
    }

    /** Rows per block: about 16 MB of floats. */
    private static int blockOf(int dim) {
        return Math.max(1, (1 << 22) / Math.max(1, dim));
    }

    private static float[] rowsBetween(FeatureMatrix x, int from, int to) {
        int dim = x.dim();
        float[] flat = new float[(to - from) * dim];
        for (int r = from; r < to; r++) x.copyRow(r, flat, (r - from) * dim);
        return flat;
    }
}
