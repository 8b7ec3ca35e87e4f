package w2s.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;


import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Finite;
import w2s.model.arch.Lora;
import w2s.model.arch.Tokens;
import w2s.model.arch.Weights;
import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Nn;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;
import w2s.train.Loss;
import w2s.train.TorchAdam;
import w2s.train.TrainConfig;

/**
 * One fine-tuning run: a fresh copy of a pretrained encoder with a zero-initialised head
 * ({@code Linear(hidden, K, bias=False)}: K = 2 for a binary task, K classes, or K = 1 for the shared scalar score of a
 * choice task's candidates), trained one batch at a time with torch's Adam (or AdamW). Owns native memory: close it,
 * or let {@link FineTuneClassifier} (or {@link FineTuneChooser}) do so.
 *
 * <p>{@link #step} trains on rows of classes (N×K logits against N×K soft labels); {@link #stepChoices} on items of
 * candidates, each candidate a row whose one logit is its score, the item's scores its row of logits for the loss.
 *
 * <p>In bf16 the weights that train and Adam's moments stay fp32 (the master copy) and each forward pass runs under
 * torch's autocast, which computes the matrix products in bfloat16; the loss and its gradient are computed in fp32.
 * With LoRA the frozen backbone is stored in bf16 ({@link FineTuneConfig#backboneDtype}).
 *
 * <p>Dropout is off by default, as in the openai code (which trains in eval mode). The backbones have no dropout
 * layers, so {@link TrainConfig#dropout()} drops units of the pooled state that feeds the head (the place of Hugging
 * Face's classifier dropout), not the backbone's attention and residual dropout.
 */
public final class FineTuner implements AutoCloseable {

    private final FineTuneConfig settings;
    /** The special tokens closing every text, which last-text pooling skips (see {@link Pooling#closingTokens}). */
    private final int closingTokens;
    /** Optimiser and dropout settings (AdamW, β2, dropout rate, seed); the learning rate comes with each step. */
    private final TrainConfig train;
    /** Training only: each minibatch's dropout mask on the head's input, the same in both passes of a step. */
    private final Map<Batch, Tensor> dropoutMasks = new IdentityHashMap<>();
    private final Device device;
    private final Dtype.Choice dtype;
    /** Owns the weights, the adapters, the head and the optimiser state. */
    private final Scope owner = Scope.owner();
    private final Backbone encoder;
    /** The checkpoint's origin, named when its outputs are not finite. */
    private final String origin;
    private final Lora lora;
    private final Tensor head;
    /** The head's outputs: K classes, or 1 (a candidate's score). */
    private final int outputs;
    private final List<Tensor> trainable = new ArrayList<>();
    private final TorchAdam adam;
    private final Timings timings = new Timings();
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
        this(checkpoint, settings, train, 2);
    }

    /**
     * As {@link #FineTuner(Checkpoint, FineTuneConfig, TrainConfig)}, with a head of {@code outputs} rows: K ≥ 2
     * classes, or 1 for the scalar score of a choice task's candidates.
     */
    public FineTuner(Checkpoint checkpoint, FineTuneConfig settings, TrainConfig train, int outputs) {
        if (outputs < 1) throw new IllegalArgumentException("the head needs at least one output, got " + outputs);
        this.outputs = outputs;
        this.settings = settings;
        this.origin = checkpoint.origin();
        this.train = train != null ? train : new TrainConfig(1, 1, 1, 0, "constant", 0, 0);
        this.seen = new boolean[checkpoint.config().vocabSize()];
        this.closingTokens = Pooling.closingTokens(checkpoint.config().causal());
        this.device = Device.parse(settings.device());
        this.dtype = Torch.resolve(settings.dtype(), device);
        try {
            Weights weights = new Weights(owner, settings.backboneDtype(dtype.dtype()), device);
            encoder = checkpoint.backbone(weights);
            lora = settings.lora() != null ? encoder.addLora(settings.lora(), this.train.seed(), weights) : Lora.NONE;
            trainable.addAll(settings.lora() != null ? lora.parameters().values()
                    : encoder.setTrainable(settings.freezeLayers()));
            head = weights.fp32(new float[outputs * checkpoint.config().hidden()], outputs,
                    checkpoint.config().hidden());
            head.requiresGrad(true);
            trainable.add(head);
            adam = new TorchAdam(owner, trainable, this.train.beta2(), this.train.decoupled());
        } catch (RuntimeException e) {
            owner.close();
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
        return trainable.stream().mapToLong(Tensor::numel).sum();
    }

    /** Every parameter of the model: the backbone, the adapters if any, and the head. */
    public long totalParameters() {
        long n = head.numel();
        for (Tensor p : encoder.parameters().values()) n += p.numel();
        for (Tensor p : lora.parameters().values()) n += p.numel();
        return n;
    }

    /** The device the model lives on, as results record it ("cpu", "cuda:0"). */
    public String deviceName() {
        return device.id();
    }

    /** The precision training runs in, and why it was chosen. */
    public Dtype.Choice dtype() {
        return dtype;
    }

    Tensor head() {
        return head;
    }

    /** The head's outputs: K classes, or 1 for a choice task's candidate scores. */
    public int outputs() {
        return outputs;
    }

    public Timings timings() {
        return timings;
    }

    /**
     * One optimiser step on a batch: logits of every minibatch, the loss on the whole batch's logits, its gradient
     * pushed back through each minibatch as the surrogate sum(logits * dLoss/dLogits), then Adam.
     *
     * @param rows        all tokenized training texts
     * @param labels      their N×K soft labels (K = the head's outputs)
     * @param batch       indices of this batch's texts
     * @param progress    step / total steps, for losses that change over training
     * @param lr          this step's learning rate
     * @param weightDecay L2 coefficient added to the gradient, as torch's Adam weight_decay (with adamw, decoupled)
     * @param step        0-based step number, for errors
     * @return the batch's loss
     */
    public double step(Tokens.Encoded[] rows, double[][] labels, int[] batch, Loss loss, double progress, double lr,
                       double weightDecay, int step) {
        if (outputs < 2) throw new IllegalStateException("a scalar head scores candidates: use stepChoices");
        int[] sorted = Tokens.byLength(rows, batch);
        double[][] batchLabels = new double[sorted.length][];
        for (int i = 0; i < sorted.length; i++) {
            batchLabels[i] = labels[sorted[i]];
            if (batchLabels[i].length != outputs) {
                throw new IllegalArgumentException("label row " + sorted[i] + " has " + batchLabels[i].length
                        + " columns; the head has " + outputs + " outputs");
            }
        }
        Objective objective = (flat, n) -> {
            double[][] z = new double[n][outputs];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < outputs; k++) z[i][k] = flat[outputs * i + k];
            }
            Loss.Value value = loss.evaluate(z, batchLabels, progress);
            return new Objective.Result(value.loss(), value.gradient());
        };
        return run(rows, sorted, batch.length, objective, loss, lr, weightDecay, step);
    }

    /**
     * One optimiser step on a batch of choice items: every candidate document of the batch's items forward (the head
     * has one output, the candidate's score), each item's scores its row of logits, the loss over the items' rows
     * against their soft preferences (any {@link Loss}, as {@code ChoiceProbe} trains with it), its gradient pushed
     * back through each candidate's score, then Adam.
     *
     * @param rows   all tokenized candidate documents, item after item
     * @param start  candidate c of item j is row start[j] + c; one more entry, the total
     * @param labels each item's soft preference over its candidates
     * @param items  indices of this batch's items
     * @return the batch's loss
     */
    public double stepChoices(Tokens.Encoded[] rows, int[] start, double[][] labels, int[] items, Loss loss,
                              double progress, double lr, double weightDecay, int step) {
        if (outputs != 1) throw new IllegalStateException("candidates are scored by a head with one output, not "
                + outputs);
        int candidates = 0;
        for (int j : items) {
            int c = start[j + 1] - start[j];
            if (labels[j].length != c) {
                throw new IllegalArgumentException("item " + j + " has " + c + " candidates but " + labels[j].length
                        + " label entries");
            }
            candidates += c;
        }
        int[] docs = new int[candidates];
        int at = 0;
        for (int j : items) for (int r = start[j]; r < start[j + 1]; r++) docs[at++] = r;
        int[] sorted = Tokens.byLength(rows, docs);
        // Where each document's score lands: (item in batch, candidate) → position in the sorted batch. An item twice
        // in a batch has its documents twice, each occurrence its own position (as a row twice in step's batch).
        Map<Integer, java.util.ArrayDeque<Integer>> position = new java.util.HashMap<>();
        for (int i = 0; i < sorted.length; i++) {
            position.computeIfAbsent(sorted[i], r -> new java.util.ArrayDeque<>()).add(i);
        }
        int[][] where = new int[items.length][];
        double[][] batchLabels = new double[items.length][];
        for (int b = 0; b < items.length; b++) {
            int j = items[b];
            where[b] = new int[start[j + 1] - start[j]];
            for (int c = 0; c < where[b].length; c++) where[b][c] = position.get(start[j] + c).poll();
            batchLabels[b] = labels[j];
        }
        Objective objective = (flat, n) -> {
            double[][] z = new double[items.length][];
            for (int b = 0; b < z.length; b++) {
                z[b] = new double[where[b].length];
                for (int c = 0; c < z[b].length; c++) z[b][c] = flat[where[b][c]];
            }
            Loss.Value value = loss.evaluate(z, batchLabels, progress);
            double[][] g = new double[n][1];
            for (int b = 0; b < z.length; b++) {
                for (int c = 0; c < z[b].length; c++) g[where[b][c]][0] = value.gradient()[b][c];
            }
            return new Objective.Result(value.loss(), g);
        };
        return run(rows, sorted, items.length, objective, loss, lr, weightDecay, step);
    }

    /** A batch's loss as a function of its flat logits (rows × outputs, in the batch's sorted order). */
    private interface Objective {
        record Result(double loss, double[][] gradient) {}

        /** @param n the number of rows; the gradient has n rows of {@code outputs} columns, in the same order */
        Result evaluate(float[] flat, int n);
    }

    /** The step proper: the sorted rows forward, the objective on their logits, backward, Adam. */
    private double run(Tokens.Encoded[] rows, int[] sorted, int examples, Objective objective, Loss loss, double lr,
                       double weightDecay, int step) {
        for (int r : sorted) {
            timings.tokens += rows[r].length();
            markSeen(rows[r].ids());
        }
        try (Scope scope = Scope.open()) {
            long t0 = System.nanoTime();
            List<Batch> inputs = new ArrayList<>();
            for (int i = 0; i < sorted.length; i += settings.minibatch()) {
                int[] minibatch = Arrays.copyOfRange(sorted, i, Math.min(sorted.length, i + settings.minibatch()));
                inputs.add(Tokens.pad(rows, minibatch, device));
            }
            dropoutMasks.clear();
            if (train.dropout() > 0) {
                // Seeded by the run's seed and the step, so a rerun drops the same units.
                Random random = new Random(train.seed() * 1_000_003L + step);
                float keep = (float) (1 - train.dropout());
                long hidden = head.size(1);
                for (Batch in : inputs) {
                    float[] mask = new float[(int) (in.size() * hidden)];
                    for (int j = 0; j < mask.length; j++) mask[j] = random.nextFloat() < keep ? 1 / keep : 0;
                    dropoutMasks.put(in, Tensor.of(null, mask, in.size(), hidden).toDeviceOf(head));
                }
            }
            BatchLoss batchLoss = logits -> evaluate(logits, objective, loss, step, lr, inputs);
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
            timings.examples += examples;
            return value;
        }
    }

    /** The loss of a whole batch's logits (labels and progress bound). */
    private interface BatchLoss {
        Objective.Result evaluate(Tensor logits);
    }

    /** All minibatches forward in one graph, one backward pass. */
    private double backwardKeepingGraphs(List<Batch> inputs, BatchLoss loss, long start) {
        Tensor all;
        try (Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
            List<Tensor> ids = new ArrayList<>();
            for (Batch in : inputs) ids.add(in.ids().flatten());
            Tensor vectors = encoder.wordVectors(Tensor.concat(ids, 0));
            List<Tensor> logits = new ArrayList<>();
            long at = 0;
            for (Batch in : inputs) {
                long n = in.ids().numel();
                logits.add(logits(in, vectors.slice(0, at, at + n).reshape(in.size(), in.length(), vectors.size(1))));
                at += n;
            }
            all = Tensor.concat(logits, 0).to(Dtype.FP32);
        }
        long t1 = System.nanoTime();
        Objective.Result result = loss.evaluate(all);
        long t2 = System.nanoTime();
        all.mul(gradient(result)).sum().backward();
        timings.forward += t1 - start;
        timings.loss += t2 - t1;
        timings.backward += System.nanoTime() - t2;
        return result.loss();
    }

    /**
     * Logits without a graph first; then each minibatch forward again with its graph, and backward. Each pass runs in
     * its own scope, so that a minibatch's activations are freed as soon as its backward pass is done: otherwise they
     * would live until the step's scope closes, and recomputing would hold every minibatch at once, twice.
     */
    private double backwardRecomputing(List<Batch> inputs, BatchLoss loss, long start) {
        List<Tensor> logits = new ArrayList<>();
        try (Torch.Mode noGrad = Torch.noGrad(); Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
            for (Batch in : inputs) {
                try (Scope pass = Scope.open()) {
                    logits.add(pass.keep(logits(in).to(Dtype.FP32)));
                }
            }
        }
        Tensor all = Tensor.concat(logits, 0);
        long t1 = System.nanoTime();
        Objective.Result result = loss.evaluate(all);
        long t2 = System.nanoTime();
        Tensor grad = gradient(result);
        long at = 0;
        for (Batch in : inputs) {
            long n = in.size();
            try (Scope pass = Scope.open()) {
                Tensor z;
                try (Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
                    z = logits(in).to(Dtype.FP32);
                }
                z.mul(grad.slice(0, at, at + n)).sum().backward();
            }
            at += n;
        }
        timings.forward += t1 - start;
        timings.loss += t2 - t1;
        timings.backward += System.nanoTime() - t2;
        return result.loss();
    }

    private Objective.Result evaluate(Tensor logits, Objective objective, Loss loss, int step, double lr,
                                      List<Batch> inputs) {
        float[] flat = logits.toFloatArray();
        if (!Finite.all(flat)) {
            // The model's own output, not the loss, went bad: say which layer did first.
            int layer = Integer.MAX_VALUE, layers = encoder.config().layers();
            for (Batch in : inputs) {
                try (Scope pass = Scope.open(); Torch.Mode noGrad = Torch.noGrad();
                     Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
                    int bad = Finite.firstBadLayer(encoder.forward(encoder.wordVectors(in.ids()), in, true), in.mask());
                    if (bad >= 0) layer = Math.min(layer, bad);
                }
            }
            throw Finite.error(origin, "logits at training step " + step, layer == Integer.MAX_VALUE ? -1 : layer,
                    layers);
        }
        Objective.Result result = objective.evaluate(flat, (int) logits.size(0));
        if (!Double.isFinite(result.loss())) {
            throw new ArithmeticException(String.format(Locale.ROOT, "training diverged at step %d: %s loss is %s"
                    + " (learning rate of this step %.3g, of the last update %s)", step, loss.name(), result.loss(),
                    lr, Double.isNaN(lastLr) ? "none yet" : String.format(Locale.ROOT, "%.3g", lastLr)));
        }
        return result;
    }

    private Tensor gradient(Objective.Result result) {
        double[][] g = result.gradient();
        float[] flat = new float[g.length * outputs];
        for (int i = 0; i < g.length; i++) {
            for (int k = 0; k < outputs; k++) flat[outputs * i + k] = (float) g[i][k];
        }
        return Tensor.of(null, flat, g.length, outputs).toDeviceOf(head);
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
     * torch.optim.Adam (or AdamW), step for step as torch computes it, in place under no_grad; then the gradients
     * are dropped ({@code zero_grad(set_to_none=True)}), which frees them until the next backward pass.
     *
     * <p>The word embeddings are half of a small encoder's parameters, yet a training set touches only some
     * thousands of their rows. A row never seen has had zero gradients only, so zero moments, and Adam leaves it
     * exactly unchanged: only the seen rows are updated. (Not with weight decay, which gives every row a gradient,
     * nor once half the rows are seen, when gathering and scattering them costs more than updating all.)
     */
    private void adam(double lr, double weightDecay) {
        Tensor words = encoder.wordEmbeddings();
        try (Scope scope = Scope.open()) {
            boolean sparse = sparseEmbeddingRows && weightDecay == 0 && seenCount < seen.length / 2;
            adam.step(lr, weightDecay, words, sparse
                    ? Tensor.of(null, Arrays.copyOf(seenIds, seenCount), seenCount).toDeviceOf(words) : null);
        }
        lastLr = lr;
    }

    private Tensor logits(Batch in) {
        return logits(in, encoder.wordVectors(in.ids()));
    }

    private Tensor logits(Batch in, Tensor wordVectors) {
        Tensor hidden = encoder.forward(wordVectors, in, false).get(0);
        Tensor pooled = settings.pooling().pool(hidden, in.mask(), closingTokens);
        Tensor drop = dropoutMasks.get(in);
        return Nn.linear(drop == null ? pooled : pooled.mul(drop), head, null);
    }

    /** N×K class probabilities under the current weights (the softmax of each row's K logits). */
    public double[][] predict(Tokens.Encoded[] rows) {
        if (outputs < 2) throw new IllegalStateException("a scalar head scores candidates: use predictChoices");
        float[][] z = logits(rows);
        double[][] probs = new double[rows.length][];
        double[] row = new double[outputs];
        for (int r = 0; r < rows.length; r++) {
            for (int k = 0; k < outputs; k++) row[k] = z[r][k];
            probs[r] = Loss.softmax(row);
        }
        return probs;
    }

    /**
     * Each item's distribution over its candidates: the softmax of its candidates' scores.
     *
     * @param rows  every item's candidate documents, item after item
     * @param start candidate c of item j is row start[j] + c; one more entry, the total
     */
    public double[][] predictChoices(Tokens.Encoded[] rows, int[] start) {
        if (outputs != 1) throw new IllegalStateException("candidates are scored by a head with one output, not "
                + outputs);
        float[][] z = logits(rows);
        double[][] probs = new double[start.length - 1][];
        for (int j = 0; j < probs.length; j++) {
            double[] scores = new double[start[j + 1] - start[j]];
            for (int c = 0; c < scores.length; c++) scores[c] = z[start[j] + c][0];
            probs[j] = Loss.softmax(scores);
        }
        return probs;
    }

    /**
     * Every row's logits under the current weights, without a graph, in groups of at most predictBatch rows of
     * similar length (see {@link #groups}).
     */
    private float[][] logits(Tokens.Encoded[] rows) {
        float[][] out = new float[rows.length][];
        // One autocast for all groups, so the weights' bf16 copies are made once per call rather than once per group.
        try (Torch.Mode noGrad = Torch.noGrad(); Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
            for (int[] group : groups(rows, settings.predictBatch())) {
                try (Scope scope = Scope.open()) {
                    Batch batch = Tokens.pad(rows, group, device);
                    float[] z = logits(batch).toFloatArray();
                    if (!Finite.all(z)) {
                        List<Tensor> states = encoder.forward(encoder.wordVectors(batch.ids()), batch, true);
                        throw Finite.error(origin, outputs == 1 ? "candidate scores" : "class probabilities",
                                Finite.firstBadLayer(states, batch.mask()), states.size() - 1);
                    }
                    for (int r = 0; r < group.length; r++) {
                        out[group[r]] = Arrays.copyOfRange(z, outputs * r, outputs * (r + 1));
                    }
                }
            }
        }
        return out;
    }

    /**
     * What a forward pass costs beyond its tokens, counted in tokens (measured on the CPU: one 17-token text takes
     * 8 ms, a token about 0.12 ms in larger groups).
     */
    static final int GROUP_COST = 64;

    /**
     * The rows cut into groups of at most {@code maxRows}, each padded to its longest: the rows ordered by length,
     * longest first, then cut where the padded tokens plus {@link #GROUP_COST} per group are fewest. Cutting every
     * {@code maxRows} rows instead pads a small set's first group, which spans every length, to the longest: the 43
     * documents of a fine-tuning curve's sample held 41% padding that way (a whole test set, 4%).
     */
    static List<int[]> groups(Tokens.Encoded[] rows, int maxRows) {
        int[] order = Tokens.byLength(rows, Tokens.all(rows));
        int n = order.length;
        // cost[j]: the cheapest cut of the first j rows in order; start[j]: where its last group starts.
        long[] cost = new long[n + 1];
        int[] start = new int[n + 1];
        for (int j = 1; j <= n; j++) {
            cost[j] = Long.MAX_VALUE;
            for (int i = Math.max(0, j - maxRows); i < j; i++) {
                long c = cost[i] + GROUP_COST + (long) (j - i) * rows[order[i]].length();
                if (c < cost[j]) {
                    cost[j] = c;
                    start[j] = i;
                }
            }
        }
        List<int[]> groups = new ArrayList<>();
        for (int j = n; j > 0; j = start[j]) groups.add(Arrays.copyOfRange(order, start[j], j));
        java.util.Collections.reverse(groups);
        return groups;
    }

    /** Frees the optimiser state once training is over; the weights stay for prediction. */
    void dropOptimizerState() {
        adam.close();
    }

    @Override
    public void close() {
        owner.close();
    }
}
