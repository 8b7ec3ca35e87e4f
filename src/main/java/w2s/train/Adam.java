package w2s.train;

/**
 * Adam on a flat parameter array, with torch's coupled L2 weight decay (added to the gradient before the moments),
 * which is what the reference's torch.optim.Adam(weight_decay=...) does, or AdamW's decoupled weight decay
 * ({@code p -= lr · wd · p} before the update, as torch.optim.AdamW does).
 */
public final class Adam {
    private static final double BETA1 = 0.9;
    private static final double EPS = 1e-8;

    private final double[] m;
    private final double[] v;
    private final double beta2;
    private final boolean decoupled;
    private int t;

    public Adam(int size) {
        this(size, TrainConfig.DEFAULT_BETA2, false);
    }

    /** @param decoupled AdamW: weight decay applied to the weights, not added to the gradient */
    public Adam(int size, double beta2, boolean decoupled) {
        m = new double[size];
        v = new double[size];
        this.beta2 = beta2;
        this.decoupled = decoupled;
    }

    /**
     * One update of params in place.
     *
     * @param decays which parameters get weight decay (null: all)
     */
    public void step(double[] params, double[] grad, double lr, double weightDecay, java.util.function.IntPredicate decays) {
        t++;
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < params.length; i++) {
            double g = grad[i];
            if (weightDecay != 0 && (decays == null || decays.test(i))) {
                if (decoupled) params[i] -= lr * weightDecay * params[i];
                else g += weightDecay * params[i];
            }
            if (g == 0 && m[i] == 0 && v[i] == 0) continue; // untouched sparse coordinates stay put
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            params[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS);
        }
    }
}
