package w2s.model;

import java.util.Random;

/**
 * A trainable 2-way classifier on feature rows, with its parameters in one flat array so a single optimiser serves
 * every head. Heads are created zero-initialised at the output, as the reference's Linear(hidden, 2) head is.
 */
public interface Head {
    double[] parameters();

    /** 2 logits for a row of the features. */
    double[] logits(FeatureMatrix x, int row);

    /** Accumulates dLoss/dParameters for one row given dLoss/dLogits. */
    void backward(FeatureMatrix x, int row, double[] gradLogits, double[] gradParameters);

    /** Parameters subject to weight decay (biases are not, following common practice). */
    boolean decays(int parameterIndex);

    static Head create(String kind, int dim, Random random) {
        return switch (kind) {
            case "linear" -> new Linear(dim);
            case "mlp" -> new Mlp(dim, 128, random);
            default -> throw new IllegalArgumentException("unknown head '" + kind + "'; valid heads: linear, mlp");
        };
    }

    /** logits = W x + b, W and b zero-initialised. */
    final class Linear implements Head {
        private final int dim;
        private final double[] p; // [W_0 (dim), W_1 (dim), b_0, b_1]

        public Linear(int dim) {
            this.dim = dim;
            this.p = new double[2 * dim + 2];
        }

        public double[] parameters() {
            return p;
        }

        public double[] logits(FeatureMatrix x, int row) {
            return new double[] {x.dot(row, p, 0) + p[2 * dim], x.dot(row, p, dim) + p[2 * dim + 1]};
        }

        public void backward(FeatureMatrix x, int row, double[] g, double[] grad) {
            x.addTo(row, g[0], grad, 0);
            x.addTo(row, g[1], grad, dim);
            grad[2 * dim] += g[0];
            grad[2 * dim + 1] += g[1];
        }

        public boolean decays(int i) {
            return i < 2 * dim;
        }
    }

    /** One hidden ReLU layer; the input layer is randomly initialised (seeded), the output layer at zero. */
    final class Mlp implements Head {
        private final int dim;
        private final int hidden;
        private final double[] p; // [W1 (hidden × dim), b1 (hidden), W2 (2 × hidden), b2 (2)]
        private final int b1;
        private final int w2;
        private final int b2;

        Mlp(int dim, int hidden, Random random) {
            this.dim = dim;
            this.hidden = hidden;
            this.b1 = hidden * dim;
            this.w2 = b1 + hidden;
            this.b2 = w2 + 2 * hidden;
            this.p = new double[b2 + 2];
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
            double[] z = {p[b2], p[b2 + 1]};
            for (int u = 0; u < hidden; u++) {
                z[0] += p[w2 + u] * h[u];
                z[1] += p[w2 + hidden + u] * h[u];
            }
            return z;
        }

        public void backward(FeatureMatrix x, int row, double[] g, double[] grad) {
            double[] h = hiddenOf(x, row);
            for (int u = 0; u < hidden; u++) {
                grad[w2 + u] += g[0] * h[u];
                grad[w2 + hidden + u] += g[1] * h[u];
                if (h[u] <= 0) continue;
                double dh = g[0] * p[w2 + u] + g[1] * p[w2 + hidden + u];
                x.addTo(row, dh, grad, u * dim);
                grad[b1 + u] += dh;
            }
            grad[b2] += g[0];
            grad[b2 + 1] += g[1];
        }

        public boolean decays(int i) {
            return i < b1 || (i >= w2 && i < b2);
        }
    }
}
