package w2s.model;

import java.util.Random;

/**
 * A trainable K-way classifier on feature rows (K = 2 for binary tasks, K classes for a K-class task, 1 for the
 * scalar score a choice task gives each candidate), with its parameters in one flat array so a single optimiser serves
 * every head. Heads are created zero-initialised at the output, as the reference's Linear(hidden, K) head is. For
 * K = 2 the arithmetic is exactly what it was when heads were 2-way only.
 */
public interface Head {
    double[] parameters();

    /** K logits for a row of the features. */
    double[] logits(FeatureMatrix x, int row);

    /** Accumulates dLoss/dParameters for one row given dLoss/dLogits. */
    void backward(FeatureMatrix x, int row, double[] gradLogits, double[] gradParameters);

    /** Parameters subject to weight decay (biases are not, following common practice). */
    boolean decays(int parameterIndex);

    static Head create(String kind, int dim, Random random) {
        return create(kind, dim, 2, random);
    }

    /** A head with {@code outputs} logits. */
    static Head create(String kind, int dim, int outputs, Random random) {
        return switch (kind) {
            case "linear" -> new Linear(dim, outputs);
            case "mlp" -> new Mlp(dim, 128, outputs, random);
            default -> throw new IllegalArgumentException("unknown head '" + kind + "'; valid heads: linear, mlp");
        };
    }

    /** logits = W x + b, W and b zero-initialised. */
    final class Linear implements Head {
        private final int dim;
        private final int outputs;
        private final double[] p; // [W_0 (dim), ..., W_{K-1} (dim), b_0, ..., b_{K-1}]

        public Linear(int dim) {
            this(dim, 2);
        }

        public Linear(int dim, int outputs) {
            this.dim = dim;
            this.outputs = outputs;
            this.p = new double[outputs * dim + outputs];
        }

        public double[] parameters() {
            return p;
        }

        public int dim() {
            return dim;
        }

        public int outputs() {
            return outputs;
        }

        public double[] logits(FeatureMatrix x, int row) {
            double[] z = new double[outputs];
            for (int k = 0; k < outputs; k++) z[k] = x.dot(row, p, k * dim) + p[outputs * dim + k];
            return z;
        }

        public void backward(FeatureMatrix x, int row, double[] g, double[] grad) {
            for (int k = 0; k < outputs; k++) x.addTo(row, g[k], grad, k * dim);
            for (int k = 0; k < outputs; k++) grad[outputs * dim + k] += g[k];
        }

        public boolean decays(int i) {
            return i < outputs * dim;
        }
    }

    /** One hidden ReLU layer; the input layer is randomly initialised (seeded), the output layer at zero. */
    final class Mlp implements Head {
        private final int dim;
        private final int hidden;
        private final int outputs;
        private final double[] p; // [W1 (hidden × dim), b1 (hidden), W2 (K × hidden), b2 (K)]
        private final int b1;
        private final int w2;
        private final int b2;

        Mlp(int dim, int hidden, int outputs, Random random) {
            this.dim = dim;
            this.hidden = hidden;
            this.outputs = outputs;
            this.b1 = hidden * dim;
            this.w2 = b1 + hidden;
            this.b2 = w2 + outputs * hidden;
            this.p = new double[b2 + outputs];
            double scale = Math.sqrt(2.0 / dim); // He initialisation for ReLU
            for (int i = 0; i < b1; i++) p[i] = random.nextGaussian() * scale;
        }

        public double[] parameters() {
            return p;
        }

        private double[] hiddenOf(FeatureMatrix x, int row) {
            double[] h = new double[hidden];
            for (int u = 0; u < hidden; u++) h[u] = Math.max(0, x.dot(row, p, u * dim) + p[b1 + u]);
            return h;
        }

        public double[] logits(FeatureMatrix x, int row) {
            double[] h = hiddenOf(x, row);
            double[] z = new double[outputs];
            for (int k = 0; k < outputs; k++) z[k] = p[b2 + k];
            for (int u = 0; u < hidden; u++) {
                for (int k = 0; k < outputs; k++) z[k] += p[w2 + k * hidden + u] * h[u];
            }
            return z;
        }

        public void backward(FeatureMatrix x, int row, double[] g, double[] grad) {
            double[] h = hiddenOf(x, row);
            for (int u = 0; u < hidden; u++) {
                for (int k = 0; k < outputs; k++) grad[w2 + k * hidden + u] += g[k] * h[u];
                if (h[u] <= 0) continue;
                double dh = 0;
                for (int k = 0; k < outputs; k++) dh += g[k] * p[w2 + k * hidden + u];
                x.addTo(row, dh, grad, u * dim);
                grad[b1 + u] += dh;
            }
            for (int k = 0; k < outputs; k++) grad[b2 + k] += g[k];
        }

        public boolean decays(int i) {
            return i < b1 || (i >= w2 && i < b2);
        }
    }
}
