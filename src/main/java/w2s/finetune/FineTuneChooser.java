package w2s.finetune;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import w2s.base.Progress;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.train.ChoiceProbe;
import w2s.train.Classifier;
import w2s.train.HeadTrainer;
import w2s.train.Loss;
import w2s.train.TrainConfig;

/**
 * Fine-tuning (full or LoRA) of a pretrained backbone for a choice task (preference pairs, multiple choice): each
 * candidate document (prompt and candidate read together) goes through the backbone, is pooled, and one scalar head
 * shared by every candidate ({@code Linear(hidden, 1, bias=False)}, zero-initialised) scores it; an item's scores are
 * its row of logits, the softmax over them its prediction. Training minimises any {@link Loss} on those rows against
 * soft preferences — cross-entropy over candidates, the Bradley–Terry loss for two — exactly as {@link ChoiceProbe}
 * does on frozen features, so the two agree on what a loss means.
 *
 * <p>Data order and steps follow {@link FineTuneClassifier} with items in place of examples: one seeded shuffle of the
 * items repeated for every epoch, cut into batches of {@code batchSize} items (all their candidates in the batch),
 * {@code config.totalSteps(items)} steps.
 */
public final class FineTuneChooser {
    private static final Cleaner CLEANER = Cleaner.create();

    private final String name;
    private final Supplier<Checkpoint> checkpoint;
    private final FineTuneConfig settings;

    public FineTuneChooser(String name, Supplier<Checkpoint> checkpoint, FineTuneConfig settings) {
        this.name = name;
        this.checkpoint = checkpoint;
        this.settings = settings;
    }

    public String describe() {
        String lora = settings.lora() != null ? ", LoRA r=" + settings.lora().rank() : "";
        return name + " fine-tuned choice scorer (" + settings.pooling().id() + " pooling" + lora
                + ", shared scalar score)";
    }

    /**
     * Trains a fresh scorer.
     *
     * @param items  each item's candidate documents
     * @param labels each item's soft preference over its candidates (one-hot for ground truth)
     * @param hook   after every optimiser step, with its loss
     * @return the trained scorer; its native memory is freed when it becomes unreachable, or by {@link Model#close}
     */
    public Model fit(List<List<String>> items, double[][] labels, Loss loss, TrainConfig config,
                     HeadTrainer.StepHook hook) {
        if (labels.length != items.size()) {
            throw new IllegalArgumentException(items.size() + " items but " + labels.length + " label rows");
        }
        if (items.isEmpty()) throw new IllegalArgumentException("no training items");
        for (int j = 0; j < items.size(); j++) {
            if (items.get(j).size() < 2 || labels[j].length != items.get(j).size()) {
                throw new IllegalArgumentException("item " + j + " has " + items.get(j).size() + " candidates and "
                        + labels[j].length + " label entries (at least two candidates, one entry each)");
            }
        }
        Checkpoint cp = checkpoint.get();
        if (settings.maxTokens() > cp.config().maxPositions()) {
            throw new IllegalArgumentException(name + " has " + cp.config().maxPositions() + " positions; maxTokens "
                    + settings.maxTokens() + " is more");
        }
        int[] start = starts(items);
        Tokens.Encoded[] rows = Tokens.encode(cp.tokenizer(), settings.maxTokens(), flat(items),
                settings.truncateLeft());
        FineTuner tuner = new FineTuner(cp, settings, config, 1);
        try {
            int n = items.size();
            int total = config.totalSteps(n);
            BatchOrder order = new BatchOrder(n, config.batchSize(), config.seed());
            try (Progress progress = new Progress("fine-tune " + name + " (choices)", total, "steps")) {
                for (int step = 0; step < total; step++) {
                    int[] batch = order.next();
                    double value = tuner.stepChoices(rows, start, labels, batch, loss, (double) step / total,
                            config.lrAt(step, total), config.weightDecay(), step);
                    hook.after(step + 1, total, value);
                    progress.advance(1);
                }
            }
            tuner.dropOptimizerState();
            return new Model(tuner, cp.tokenizer(), settings.maxTokens(), settings.truncateLeft());
        } catch (RuntimeException | Error e) {
            tuner.close();
            throw e;
        }
    }

    /** The fine-tuned scorer: each item's distribution over its candidates. */
    public static final class Model implements ChoiceProbe.Trained, AutoCloseable {
        private final FineTuner tuner;
        private final String tokenizer;
        private final int maxTokens;
        private final boolean left;
        private final Cleaner.Cleanable cleanable;
        private final Classifier.Footprint footprint;

        private Model(FineTuner tuner, String tokenizer, int maxTokens, boolean left) {
            this.footprint = new Classifier.Footprint(tuner.trainableParameters(), tuner.totalParameters(),
                    tuner.dtype().dtype().id(), tuner.deviceName());
            this.tuner = tuner;
            this.tokenizer = tokenizer;
            this.maxTokens = maxTokens;
            this.left = left;
            this.cleanable = CLEANER.register(this, tuner::close);
        }

        /**
         * What trained and how: parameters the optimiser updated (the scalar head, and the backbone's or the
         * adapters'), every parameter, the dtype and the device, as {@link FineTuneClassifier} reports them.
         */
        public Classifier.Footprint footprint() {
            return footprint;
        }

        FineTuner tuner() {
            return tuner;
        }

        @Override
        public double[][] predict(List<List<String>> items) {
            if (items.isEmpty()) return new double[0][];
            return tuner.predictChoices(Tokens.encode(tokenizer, maxTokens, flat(items), left), starts(items));
        }

        @Override
        public void close() {
            cleanable.clean();
        }
    }

    /** Candidate c of item j is row start[j] + c; start has one more entry, the total. */
    static int[] starts(List<List<String>> items) {
        int[] start = new int[items.size() + 1];
        for (int j = 0; j < items.size(); j++) start[j + 1] = start[j] + items.get(j).size();
        return start;
    }

    private static List<String> flat(List<List<String>> items) {
        List<String> all = new ArrayList<>();
        for (List<String> item : items) all.addAll(item);
        return all;
    }
}
