package w2s.train;

import java.util.ArrayList;
import java.util.List;

import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * torch.optim.Adam (or AdamW, decoupled weight decay) over a list of parameters, step for step as torch computes it,
 * in place under no_grad; after each step the gradients are dropped ({@code zero_grad(set_to_none=True)}). The
 * moments are owned by {@code owner}, beside the weights they update.
 */
public final class TorchAdam {
    // torch.optim.Adam's defaults, as Python doubles: torch rounds each scalar to the tensor's fp32 only once it has
    // computed 1 − β in double (1 − 0.999f would be 4.7e-5 off 0.001).
    static final double BETA1 = 0.9, EPS = 1e-8;

    private final List<Tensor> parameters;
    private final List<Tensor[]> moments = new ArrayList<>();
    private final double beta2;
    private final boolean decoupled;
    private int updates;

    public TorchAdam(Scope owner, List<Tensor> parameters, double beta2, boolean decoupled) {
        this.parameters = List.copyOf(parameters);
        this.beta2 = beta2;
        this.decoupled = decoupled;
        for (Tensor p : this.parameters) moments.add(new Tensor[] {owner.adoptFrom(p.zerosLike()),
                owner.adoptFrom(p.zerosLike())});
    }

    /** One update of every parameter that has a gradient (one the graph did not reach is skipped, as torch skips it). */
    public void step(double lr, double weightDecay) {
        step(lr, weightDecay, null, null);
    }

    /**
     * One update, where parameter {@code sparse} (the word embeddings) is updated in {@code rows} only (int64 ids):
     * a row that has only ever had zero gradients has zero moments, and Adam leaves it exactly unchanged, so
     * updating the rows seen so far is the dense update (without weight decay, which reaches every row).
     */
    public void step(double lr, double weightDecay, Tensor sparse, Tensor rows) {
        updates++;
        double c1 = 1 - Math.pow(BETA1, updates), c2 = 1 - Math.pow(beta2, updates);
        try (Torch.Mode noGrad = Torch.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                Tensor p = parameters.get(i);
                Tensor[] m = moments.get(i);
                try (Scope scope = Scope.open()) {
                    Tensor g = p.grad();
                    if (g == null) continue;
                    // AdamW: the decay acts on the weights, not through the moments (torch.optim.AdamW).
                    if (decoupled && weightDecay != 0) p.mulInPlace(1 - lr * weightDecay);
                    if (p == sparse && rows != null && weightDecay == 0) {
                        Tensor w = p.rows(rows), mean = m[0].rows(rows), variance = m[1].rows(rows);
                        update(w, g.rows(rows), mean, variance, lr, c1, c2, 0, beta2);
                        p.setRows(rows, w);
                        m[0].setRows(rows, mean);
                        m[1].setRows(rows, variance);
                    } else {
                        update(p, g, m[0], m[1], lr, c1, c2, decoupled ? 0 : weightDecay, beta2);
                    }
                }
                p.clearGrad();
            }
        }
    }

    /**
     * One Adam update of {@code p} in place: g += wd·p (coupled decay); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
     * p ← p − (lr/c₁)·m / (√v/√c₂ + ε), with c₁, c₂ the bias corrections of this step.
     */
    static void update(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double c1, double c2, double decay,
                       double beta2) {
        Tensor grad = decay != 0 ? g.add(p.mul(decay)) : g;
        m.mulInPlace(BETA1).addInPlace(grad, 1 - BETA1);
        v.mulInPlace(beta2).addProductInPlace(grad, grad, 1 - beta2);
        // One temporary, not three: for the 8 MB weight of a 1,000-class head each would be 8 MB more resident.
        Tensor denominator = v.sqrt().mulInPlace(1 / Math.sqrt(c2)).addInPlace(EPS);
        p.addQuotientInPlace(m, denominator, -lr / c1);
    }

    /** Frees the moments once training is over. */
    public void close() {
        for (Tensor[] m : moments) {
            m[0].close();
            m[1].close();
        }
        moments.clear();
    }
}
