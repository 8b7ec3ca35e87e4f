package w2s.train;

import java.util.Random;

import w2s.model.FeatureMatrix;
import w2s.model.Head;
import w2s.torch.Nn;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * {@link HeadTrainer}'s algorithm for a large linear head (the vision experiment's 1,000 classes on 2,048 features)
 * with its matrix products in libtorch: the same seeded batches, the same loss evaluated in Java on each batch's
 * logits, the same Adam and weight decay (on the weights, not the biases), all in fp64 as the Java path computes, so
 * only the order of summation differs. A row at a time in Java such a head takes half a second per step; here the
 * batch's two products take milliseconds.
 */
final class LinearHeadOnTorch {
    private static final double BETA1 = 0.9, EPS = 1e-8; // as Adam

    /** Heads with at least this many parameters and more than two outputs train here. */
    static final int MIN_PARAMETERS = 1 << 20;

    private LinearHeadOnTorch() {}

    static boolean suits(Head head, FeatureMatrix x, double[][] labels) {
        return head instanceof Head.Linear && x instanceof FeatureMatrix.Dense && labels.length > 0
                && labels[0].length > 2 && head.parameters().length >= MIN_PARAMETERS;
    }

    static void train(Head head, FeatureMatrix.Dense x, double[][] labels, Loss loss, TrainConfig config,
                      HeadTrainer.StepHook hook) {
        int n = x.rows(), dim = x.dim(), k = labels[0].length;
        int total = config.totalSteps(n), batch = Math.min(config.batchSize(), n);
        int[] order = HeadTrainer.epochStream(n, config.epochs(), new Random(config.seed()));
        double[] params = head.parameters();
        try (Scope owner = Scope.owner(); Torch.Mode noGrad = Torch.noGrad()) {
            Tensor features = rowsOf(owner, x);
            double[] w0 = java.util.Arrays.copyOfRange(params, 0, k * dim);
            double[] b0 = java.util.Arrays.copyOfRange(params, k * dim, k * dim + k);
            Tensor w = Tensor.of(owner, w0, k, dim), b = Tensor.of(owner, b0, k);
            Tensor mw = owner.adoptFrom(w.zerosLike()), vw = owner.adoptFrom(w.zerosLike());
            Tensor mb = owner.adoptFrom(b.zerosLike()), vb = owner.adoptFrom(b.zerosLike());
            for (int step = 0; step < total; step++) {
                try (Scope pass = Scope.open()) {
                    int from = (int) ((long) step * batch % order.length);
                    long[] rows = new long[batch];
                    double[][] target = new double[batch][];
                    for (int i = 0; i < batch; i++) {
                        rows[i] = order[(from + i) % order.length];
                        target[i] = labels[(int) rows[i]];
                    }
                    Tensor xb = features.rows(Tensor.of(null, rows, batch)).toDouble();
                    double[] z = Nn.linear(xb, w, b).toDoubleArray();
                    double[][] logits = new double[batch][];
                    for (int i = 0; i < batch; i++) logits[i] = java.util.Arrays.copyOfRange(z, i * k, (i + 1) * k);
                    Loss.Value value = loss.evaluate(logits, target, (double) step / total);
                    double lr = config.lrAt(step, total);
                    if (!Double.isFinite(value.loss())) {
                        throw new TrainingFailedException(loss.name(), step, lr, value.loss());
                    }
                    double[] g = new double[batch * k];
                    for (int i = 0; i < batch; i++) System.arraycopy(value.gradient()[i], 0, g, i * k, k);
                    Tensor grad = Tensor.of(null, g, batch, k);
                    int t = step + 1;
                    adam(w, grad.t().matMul(xb), mw, vw, lr, config.weightDecay(), config, t);
                    adam(b, grad.sum(0), mb, vb, lr, 0, config, t);
                    hook.after(step + 1, total, value.loss());
                }
            }
            System.arraycopy(w.toDoubleArray(), 0, params, 0, k * dim);
            System.arraycopy(b.toDoubleArray(), 0, params, k * dim, k);
        }
    }

    /** The features as one fp32 tensor, copied in blocks of rows so no second whole copy is held in Java. */
    private static Tensor rowsOf(Scope owner, FeatureMatrix.Dense x) {
        int n = x.rows(), dim = x.dim(), block = Math.max(1, (1 << 22) / Math.max(1, dim));
        Tensor all = Tensor.zeros(owner, n, dim);
        for (int from = 0; from < n; from += block) {
            int to = Math.min(n, from + block);
            float[] flat = new float[(to - from) * dim];
            for (int r = from; r < to; r++) System.arraycopy(x.x()[r], 0, flat, (r - from) * dim, dim);
            try (Scope s = Scope.open()) {
                all.slice(0, from, to).copyFrom(Tensor.of(null, flat, to - from, dim));
            }
        }
        return all;
    }

    /** {@link Adam#step} in place on a tensor: coupled L2 (or AdamW's decoupled) decay, then the moments. */
    private static void adam(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double weightDecay, TrainConfig config,
                             int t) {
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(config.beta2(), t);
        if (weightDecay != 0) {
            if (config.decoupled()) p.mulInPlace(1 - lr * weightDecay);
            else g = g.add(p.mul(weightDecay));
        }
        m.mulInPlace(BETA1).addInPlace(g, 1 - BETA1);
        v.mulInPlace(config.beta2()).addProductInPlace(g, g, 1 - config.beta2());
        p.addQuotientInPlace(m, v.mul(1 / c2).sqrt().add(EPS), -lr / c1);
    }
}
