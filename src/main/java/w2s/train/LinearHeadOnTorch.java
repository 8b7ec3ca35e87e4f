package w2s.train;

import java.util.Random;

import w2s.model.FeatureMatrix;
import w2s.model.Head;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * {@link HeadTrainer}'s algorithm for a large linear head (the vision experiment's 1,000 classes on 2,048 features)
 * with its matrix products in libtorch and its Adam as one Java pass over libtorch's storage: the same seeded
 * batches, the same loss evaluated in Java on each batch's logits, the same Adam and weight decay (on the weights, not
 * the biases). Weights, moments and products are fp32, as the reference's PyTorch probe computes them (the Java path's
 * fp64 would double the time of every product and every moment update for digits the fp32 features do not have); the
 * loss and its gradient stay fp64 in Java. A row at a time in Java such a head takes half a second per step; here a
 * step takes milliseconds.
 */
final class LinearHeadOnTorch {
    private static final double BETA1 = 0.9, EPS = 1e-8; // as Adam

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
                    adam(w, g.t().matMul(xb), mw, vw, lr, config.weightDecay(), config, t);
                    adam(b, g.sum(0), mb, vb, lr, 0, config, t);
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

    /**
     * {@link Adam#step} in place on a tensor's storage, one pass in Java on two threads each taking half: coupled L2 (or
     * AdamW's decoupled) decay, then the moments, in PyTorch's order (a moving average by lerp, the denominator
     * √v / √(1 − β₂ᵗ) + ε). libtorch's seven elementwise ops for the same update stream the 8 MB weight, its moments and
     * its gradient from memory seven times; one pass reads four arrays and writes three (6 ms a step against 13-15,
     * measured while libtorch's idle threads still spun: bench/README.md).
     */
    private static void adam(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double weightDecay, TrainConfig config,
                             int t) {
        java.nio.FloatBuffer pb = p.floatView(), gb = g.floatView(), mb = m.floatView(), vb = v.floatView();
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(config.beta2(), t);
        // 1 − β in double, then rounded: (float) 0.999 is 1.3e-5 off in 1 − β₂.
        float a1 = (float) (1 - BETA1), b2 = (float) (double) config.beta2(), a2 = (float) (1 - config.beta2());
        float step = (float) (lr / c1), rootC2 = (float) Math.sqrt(c2), eps = (float) EPS;
        float coupled = config.decoupled() ? 0f : (float) weightDecay;
        float shrink = config.decoupled() ? (float) (1 - lr * weightDecay) : 1f;
        int n = pb.capacity(), half = n / 2;
        java.util.stream.IntStream.of(0, 1).parallel().forEach(part -> {
            int from = part == 0 ? 0 : half, to = part == 0 ? half : n;
            for (int i = from; i < to; i++) {
                float pi = pb.get(i) * shrink;
                float gi = gb.get(i) + coupled * pb.get(i);
                float mi = mb.get(i) + a1 * (gi - mb.get(i));
                float vi = b2 * vb.get(i) + a2 * gi * gi;
                mb.put(i, mi);
                vb.put(i, vi);
                pb.put(i, pi - step * mi / ((float) Math.sqrt(vi) / rootC2 + eps));
            }
        });
    }
}
