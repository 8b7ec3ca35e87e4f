package w2s.model;

/**
 * Rows of input features for a head: dense (frozen encoder features) or sparse (bag of words). A head only needs a
 * dot product with a weight vector and a scaled add into a gradient, so it never cares which it gets.
 */
public interface FeatureMatrix {
    int rows();

    int dim();

    /** x_row · w[offset, offset + dim). */
    double dot(int row, double[] w, int offset);

    /** g[offset, offset + dim) += scale · x_row. */
    void addTo(int row, double scale, double[] g, int offset);

    /** Row values as a dense array (for heads with hidden layers). */
    double[] dense(int row);

    /** Row values into out[offset, offset + dim), as floats (for copying rows into libtorch). */
    void copyRow(int row, float[] out, int offset);

    record Dense(float[][] x) implements FeatureMatrix {
        public int rows() {
            return x.length;
        }

        public int dim() {
            return x.length == 0 ? 0 : x[0].length;
        }

        public double dot(int row, double[] w, int offset) {
            float[] r = x[row];
            double s = 0;
            for (int j = 0; j < r.length; j++) s += r[j] * w[offset + j];
            return s;
        }

        public void addTo(int row, double scale, double[] g, int offset) {
            float[] r = x[row];
            for (int j = 0; j < r.length; j++) g[offset + j] += scale * r[j];
        }

        public double[] dense(int row) {
            double[] d = new double[x[row].length];
            for (int j = 0; j < d.length; j++) d[j] = x[row][j];
            return d;
        }

        public void copyRow(int row, float[] out, int offset) {
            System.arraycopy(x[row], 0, out, offset, x[row].length);
        }
    }

    /**
     * Rows standardised as they are read, (x − mean) · scale rounded to a float, without a standardised copy of them:
     * for rows read once (copied into libtorch, or scored once), where a copy would only double the memory. Every value
     * is the float a standardised {@link Dense} copy would hold, so the two give bit-identical products.
     */
    record Standardized(float[][] x, double[] mean, double[] scale) implements FeatureMatrix {
        public int rows() {
            return x.length;
        }

        public int dim() {
            return mean.length;
        }

        private float value(float[] r, int j) {
            return (float) ((r[j] - mean[j]) * scale[j]);
        }

        public double dot(int row, double[] w, int offset) {
            float[] r = x[row];
            double s = 0;
            for (int j = 0; j < r.length; j++) s += value(r, j) * w[offset + j];
            return s;
        }

        public void addTo(int row, double scale, double[] g, int offset) {
            float[] r = x[row];
            for (int j = 0; j < r.length; j++) g[offset + j] += scale * value(r, j);
        }

        public double[] dense(int row) {
            double[] d = new double[mean.length];
            for (int j = 0; j < d.length; j++) d[j] = value(x[row], j);
            return d;
        }

        public void copyRow(int row, float[] out, int offset) {
            for (int j = 0; j < mean.length; j++) out[offset + j] = value(x[row], j);
        }
    }

    /** Compressed rows: indices and values of the non-zero entries of each row. */
    record Sparse(int[][] indices, float[][] values, int dim) implements FeatureMatrix {
        public int rows() {
            return indices.length;
        }

        public double dot(int row, double[] w, int offset) {
            int[] idx = indices[row];
            float[] val = values[row];
            double s = 0;
            for (int k = 0; k < idx.length; k++) s += val[k] * w[offset + idx[k]];
            return s;
        }

        public void addTo(int row, double scale, double[] g, int offset) {
            int[] idx = indices[row];
            float[] val = values[row];
            for (int k = 0; k < idx.length; k++) g[offset + idx[k]] += scale * val[k];
        }

        public double[] dense(int row) {
            double[] d = new double[dim];
            for (int k = 0; k < indices[row].length; k++) d[indices[row][k]] = values[row][k];
            return d;
        }

        public void copyRow(int row, float[] out, int offset) {
            java.util.Arrays.fill(out, offset, offset + dim, 0f);
            for (int k = 0; k < indices[row].length; k++) out[offset + indices[row][k]] = values[row][k];
        }
    }
}
