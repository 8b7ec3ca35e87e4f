package w2s.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;

import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Finite;
import w2s.model.arch.Lora;
import w2s.model.arch.Tokens;
import w2s.model.arch.Torch;
import w2s.train.Loss;
import w2s.train.TrainConfig;

/**
 * One fine-tuning run: a fresh copy of a pretrained encoder with a zero-initialised 2-way head
 * ({@code Linear(hidden, 2, bias=False)}), trained one batch at a time with torch's Adam (or AdamW). Owns native
 * memory: close it, or let {@link FineTuneClassifier} do so.
 *
 * <p>Dropout is off by default, as in the openai code (which trains in eval mode). The backbones have no dropout
 * layers, so {@link TrainConfig#dropout()} drops units of the pooled state that feeds the head (the place of Hugging
 * Face's classifier dropout), not the backbone's attention and residual dropout.
 */
public final class FineTuner implements AutoCloseable {
    private static final float BETA1 = 0.9f, EPS = 1e-8f; // torch.optim.Adam defaults

    private final FineTuneConfig settings;
    /** The special tokens closing every text, which last-text pooling skips (see {@link Pooling#closingTokens}). */
    private final int closingTokens;
    /** Optimiser and dropout settings (AdamW, β2, dropout rate, seed); the learning rate comes with each step. */
    private final TrainConfig train;
    private final float beta2;
    /** Training only: each minibatch's dropout mask on the head's input, the same in both passes of a step. */
    private final Map<Batch, NDArray> dropoutMasks = new IdentityHashMap<>();
    private final ai.djl.Device device;
    private final NDManager manager;
    private final Backbone encoder;
    /** The checkpoint's origin, named when its outputs are not finite. */
    private final String origin;
    private final Lora lora;
    private final NDArray head;
    private final List<NDArray> trainable = new ArrayList<>();
    private final List<NDArray[]> moments = new ArrayList<>();
    private final Timings timings = new Timings();
    private int updates;
    private double lastLr = Double.NaN;
    /** Token ids seen in training so far, for the update of word-embedding rows (see {@link #adam}). */
    private final boolean[] seen;
    private long[] seenIds = new long[1024];
    private int seenCount;
    /** Off only in tests, which compare the row update with the dense one. */
    boolean sparseEmbeddingRows = true;

    /** Cumulative wall-clock time per phase, in nanoseconds. */
    public static final class Timings {
        public long forward, loss, backward, optimizer, steps, examples, tokens;

        @Override
        public String toString() {
            double s = (forward + loss + backward + optimizer) / 1e9;
            return String.format(Locale.ROOT, "%d steps, %d examples (%d tokens): forward %.2fs, loss %.3fs,"
                            + " backward %.2fs, optimizer %.2fs; %.1f examples/s", steps, examples, tokens,
                    forward / 1e9, loss / 1e9, backward / 1e9, optimizer / 1e9, examples / s);
        }
    }

    public FineTuner(Checkpoint checkpoint, FineTuneConfig settings) {
        this(checkpoint, settings, null);
    }

    /** A fine-tuner with Adam and no dropout whose LoRA adapters (if any) are drawn with {@code seed}. */
    public FineTuner(Checkpoint checkpoint, FineTuneConfig settings, long seed) {
        this(checkpoint, settings, new TrainConfig(1, 1, 1, 0, "constant", 0, seed));
    }

    /**
     * A fresh copy of the checkpoint on the settings' device, with LoRA adapters if the settings ask for them.
     *
     * @param train optimiser (adam or adamw), β2, dropout rate and the seed of the dropout masks and of the adapters'
     *              A matrices (null: Adam, no dropout, seed 0)
     */
    public FineTuner(Checkpoint checkpoint, FineTuneConfig settings, TrainConfig train) {
        this.settings = settings;
        this.origin = checkpoint.origin();
        this.train = train != null ? train : new TrainConfig(1, 1, 1, 0, "constant", 0, 0);
        this.beta2 = (float) (double) this.train.beta2();
        this.seen = new boolean[checkpoint.config().vocabSize()];
        this.closingTokens = Pooling.closingTokens(checkpoint.config().causal());
        this.device = Torch.device(settings.device());
        this.manager = Torch.newManager(device);
        try {
            encoder = checkpoint.backbone(manager);
            lora = settings.lora() != null ? encoder.addLora(settings.lora(), this.train.seed(), manager) : Lora.NONE;
            trainable.addAll(settings.lora() != null ? lora.parameters().values()
                    : encoder.setTrainable(settings.freezeLayers()));
            head = manager.zeros(new Shape(2, checkpoint.config().hidden()));
            head.setRequiresGradient(true);
            trainable.add(head);
            for (NDArray p : trainable) moments.add(new NDArray[] {p.zerosLike(), p.zerosLike()});
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    Backbone encoder() {
        return encoder;
    }

    Lora lora() {
        return lora;
    }

    /** Parameters the optimiser updates: the head, and the backbone's (full) or the adapters' (LoRA). */
    public long trainableParameters() {
        return trainable.stream().mapToLong(NDArray::size).sum();
    }

    /** Every parameter of the model: the backbone, the adapters if any, and the head. */
    public long totalParameters() {
        long n = head.size();
        for (NDArray p : encoder.parameters().values()) n += p.size();
        for (NDArray p : lora.parameters().values()) n += p.size();
        return n;
    }

    /** The device the model lives on, as results record it ("cpu", "cuda:0"). */
    public String deviceName() {
        return Torch.name(device);
    }

    NDArray head() {
        return head;
    }

    public Timings timings() {
        return timings;
    }

    /**
     * One optimiser step on a batch: logits of every minibatch, the loss on the whole batch's logits, its gradient
     * pushed back through each minibatch as the surrogate sum(logits * dLoss/dLogits), then Adam.
     *
     * @param rows        all tokenized training texts
     * @param labels      their N×2 soft labels
     * @param batch       indices of this batch's texts
     * @param progress    step / total steps, for losses that change over training
     * @param lr          this step's learning rate
     * @param weightDecay L2 coefficient added to the gradient, as torch's Adam weight_decay (with adamw, decoupled)
     * @param step        0-based step number, for errors
     * @return the batch's loss
     */
    public double step(Tokens.Encoded[] rows, double[][] labels, int[] batch, Loss loss, double progress, double lr,
                       double weightDecay, int step) {
        int[] sorted = Tokens.byLength(rows, batch);
        double[][] batchLabels = new double[sorted.length][];
        for (int i = 0; i < sorted.length; i++) {
            batchLabels[i] = labels[sorted[i]];
            timings.tokens += rows[sorted[i]].length();
            markSeen(rows[sorted[i]].ids());
        }
        try (NDScope scope = new NDScope()) {
            long t0 = System.nanoTime();
            List<Batch> inputs = new ArrayList<>();
            for (int i = 0; i < sorted.length; i += settings.minibatch()) {
                int[] minibatch = Arrays.copyOfRange(sorted, i, Math.min(sorted.length, i + settings.minibatch()));
                inputs.add(Tokens.pad(manager, rows, minibatch));
            }
            dropoutMasks.clear();
            if (train.dropout() > 0) {
                // Seeded by the run's seed and the step, so a rerun drops the same units.
                Random random = new Random(train.seed() * 1_000_003L + step);
                float keep = (float) (1 - train.dropout());
                long hidden = head.getShape().get(1);
                for (Batch in : inputs) {
                    float[] mask = new float[(int) (in.ids().getShape().get(0) * hidden)];
                    for (int j = 0; j < mask.length; j++) mask[j] = random.nextFloat() < keep ? 1 / keep : 0;
                    dropoutMasks.put(in, manager.create(mask, new Shape(in.ids().getShape().get(0), hidden)));
                }
            }
            BatchLoss batchLoss = logits -> evaluate(logits, batchLabels, loss, progress, step, lr, inputs);
            double value;
            try {
                value = settings.keepGraphs() ? backwardKeepingGraphs(inputs, batchLoss, t0)
                        : backwardRecomputing(inputs, batchLoss, t0);
            } finally {
                dropoutMasks.clear();
            }
            long t1 = System.nanoTime();
            adam(lr, weightDecay);
            timings.optimizer += System.nanoTime() - t1;
            timings.steps++;
            timings.examples += batch.length;
            return value;
        }
    }

    /** The loss of a whole batch's logits (labels and progress bound). */
    private interface BatchLoss {
        Loss.Value evaluate(NDArray logits);
    }

    /** All minibatches forward in one graph, one backward pass. */
    private double backwardKeepingGraphs(List<Batch> inputs, BatchLoss loss, long start) {
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDList ids = new NDList();
            for (Batch in : inputs) ids.add(in.ids().flatten());
            NDArray vectors = encoder.wordVectors(concat(ids));
            NDList logits = new NDList();
            long at = 0;
            for (Batch in : inputs) {
                long n = in.ids().size();
                Shape shape = in.ids().getShape().addAll(new Shape(vectors.getShape().get(1)));
                logits.add(logits(in, vectors.get(new NDIndex("{}:{}", at, at + n)).reshape(shape)));
                at += n;
            }
            NDArray all = concat(logits);
            long t1 = System.nanoTime();
            Loss.Value result = loss.evaluate(all);
            long t2 = System.nanoTime();
            collector.backward(all.mul(gradient(result)).sum());
            timings.forward += t1 - start;
            timings.loss += t2 - t1;
            timings.backward += System.nanoTime() - t2;
            return result.loss();
        }
    }

    /**
     * Logits without a graph first; then each minibatch forward again with its graph, and backward. Each pass runs in
     * its own scope, so that a minibatch's activations are freed as soon as its backward pass is done: otherwise they
     * would live until the step's scope closes, and recomputing would hold every minibatch at once, twice.
     */
    private double backwardRecomputing(List<Batch> inputs, BatchLoss loss, long start) {
        NDList logits = new NDList();
        for (Batch in : inputs) {
            NDArray kept;
            try (NDScope pass = new NDScope()) {
                // Detached, so that nothing of this pass's graph outlives the scope.
                kept = logits(in).stopGradient();
                NDScope.unregister(kept);
            }
            NDScope.register(kept); // to the step's scope
            logits.add(kept);
        }
        NDArray all = concat(logits);
        long t1 = System.nanoTime();
        Loss.Value result = loss.evaluate(all);
        long t2 = System.nanoTime();
        NDArray grad = gradient(result);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            long at = 0;
            for (Batch in : inputs) {
                long n = in.ids().getShape().get(0);
                try (NDScope pass = new NDScope()) {
                    collector.backward(logits(in).mul(grad.get(new NDIndex("{}:{}", at, at + n))).sum());
                }
                at += n;
            }
        }
        timings.forward += t1 - start;
        timings.loss += t2 - t1;
        timings.backward += System.nanoTime() - t2;
        return result.loss();
    }

    /** NDArrays.concat copies a single array through duplicate(), which cuts it from the autograd graph. */
    private static NDArray concat(NDList arrays) {
        return arrays.size() == 1 ? arrays.get(0) : NDArrays.concat(arrays);
    }

    private Loss.Value evaluate(NDArray logits, double[][] labels, Loss loss, double progress,
                                          int step, double lr, List<Batch> inputs) {
        float[] flat = logits.toFloatArray();
        if (!Finite.all(flat)) {
            // The model's own output, not the loss, went bad: say which layer did first.
            int layer = Integer.MAX_VALUE, layers = encoder.config().layers();
            for (Batch in : inputs) {
                try (NDScope pass = new NDScope()) {
                    int bad = Finite.firstBadLayer(encoder.forward(encoder.wordVectors(in.ids()), in, true), in.mask());
                    if (bad >= 0) layer = Math.min(layer, bad);
                }
            }
            throw Finite.error(origin, "logits at training step " + step, layer == Integer.MAX_VALUE ? -1 : layer,
                    layers);
        }
        double[][] z = new double[labels.length][2];
        for (int i = 0; i < z.length; i++) {
            z[i][0] = flat[2 * i];
            z[i][1] = flat[2 * i + 1];
        }
        Loss.Value result = loss.evaluate(z, labels, progress);
        if (!Double.isFinite(result.loss())) {
            throw new ArithmeticException(String.format(Locale.ROOT, "training diverged at step %d: %s loss is %s"
                    + " (learning rate of this step %.3g, of the last update %s)", step, loss.name(), result.loss(),
                    lr, Double.isNaN(lastLr) ? "none yet" : String.format(Locale.ROOT, "%.3g", lastLr)));
        }
        return result;
    }

    private NDArray gradient(Loss.Value result) {
        double[][] g = result.gradient();
        float[] flat = new float[g.length * 2];
        for (int i = 0; i < g.length; i++) {
            flat[2 * i] = (float) g[i][0];
            flat[2 * i + 1] = (float) g[i][1];
        }
        return manager.create(flat, new Shape(g.length, 2));
    }

    private void markSeen(long[] ids) {
        for (long id : ids) {
            if (seen[(int) id]) continue;
            seen[(int) id] = true;
            if (seenCount == seenIds.length) seenIds = Arrays.copyOf(seenIds, 2 * seenCount);
            seenIds[seenCount++] = id;
        }
    }

    /**
     * torch.optim.Adam, through DJL's fused update, which also zeroes the accumulated gradients.
     *
     * <p>The word embeddings are half of a small encoder's parameters, yet a training set touches only some
     * thousands of their rows. A row never seen has had zero gradients only, so zero moments, and Adam leaves it
     * exactly unchanged: only the seen rows are updated. (Not with weight decay, which gives every row a gradient,
     * nor once half the rows are seen, when gathering and scattering them costs more than updating all.)
     */
    private void adam(double lr, double weightDecay) {
        updates++;
        double c1 = 1 - Math.pow(BETA1, updates), c2 = 1 - Math.pow(beta2, updates);
        // DJL divides by sqrt(v) + eps where torch divides by sqrt(v / c2) + eps: scaling eps by sqrt(c2) makes the
        // two identical.
        float lrCorrected = (float) (lr * Math.sqrt(c2) / c1);
        float eps = (float) (EPS * Math.sqrt(c2));
        NDArray words = encoder.wordEmbeddings();
        for (int i = 0; i < trainable.size(); i++) {
            NDArray p = trainable.get(i);
            NDArray[] m = moments.get(i);
            if (train.decoupled() && weightDecay != 0) {
                // AdamW: the decay acts on the weights, not through the moments (torch.optim.AdamW).
                p.muli(1 - lr * weightDecay);
            }
            float coupledDecay = train.decoupled() ? 0f : (float) weightDecay;
            if (p == words && sparseEmbeddingRows && weightDecay == 0 && seenCount < seen.length / 2) {
                NDIndex rows = new NDIndex("{}", manager.create(Arrays.copyOf(seenIds, seenCount)));
                NDArray w = p.get(rows), mean = m[0].get(rows), variance = m[1].get(rows);
                // The update zeroes the whole gradient of p, as for any parameter.
                p.getNDArrayInternal().adamUpdate(new NDList(w, p.getGradient().get(rows), mean, variance),
                        new NDList(p), (float) lr, lrCorrected, 0f, 1f, -1f, BETA1, beta2, eps, false, false);
                p.set(rows, w);
                m[0].set(rows, mean);
                m[1].set(rows, variance);
            } else {
                p.getNDArrayInternal().adamUpdate(new NDList(p, p.getGradient(), m[0], m[1]), new NDList(p),
                        (float) lr, lrCorrected, coupledDecay, 1f, -1f, BETA1, beta2, eps, false, false);
            }
        }
        lastLr = lr;
    }

    private NDArray logits(Batch in) {
        return logits(in, encoder.wordVectors(in.ids()));
    }

    private NDArray logits(Batch in, NDArray wordVectors) {
        NDArray hidden = encoder.forward(wordVectors, in, false).singletonOrThrow();
        NDArray pooled = settings.pooling().pool(hidden, in.mask(), closingTokens);
        NDArray drop = dropoutMasks.get(in);
        return Linear.linear(drop == null ? pooled : pooled.mul(drop), head).singletonOrThrow();
    }

    /** N×2 class probabilities under the current weights. */
    public double[][] predict(Tokens.Encoded[] rows) {
        double[][] probs = new double[rows.length][];
        int[] order = Tokens.byLength(rows, Tokens.all(rows));
        for (int i = 0; i < order.length; i += settings.predictBatch()) {
            int[] group = Arrays.copyOfRange(order, i, Math.min(order.length, i + settings.predictBatch()));
            try (NDScope scope = new NDScope()) {
                Batch batch = Tokens.pad(manager, rows, group);
                float[] z = logits(batch).toFloatArray();
                if (!Finite.all(z)) {
                    NDList states = encoder.forward(encoder.wordVectors(batch.ids()), batch, true);
                    throw Finite.error(origin, "class probabilities", Finite.firstBadLayer(states, batch.mask()),
                            states.size() - 1);
                }
                for (int r = 0; r < group.length; r++) probs[group[r]] = Loss.softmax(new double[] {z[2 * r], z[2 * r + 1]});
            }
        }
        return probs;
    }

    /** Frees the optimiser state once training is over; the weights stay for prediction. */
    void dropOptimizerState() {
        for (NDArray[] m : moments) {
            m[0].close();
            m[1].close();
        }
        moments.clear();
    }

    @Override
    public void close() {
        manager.close();
    }
}
