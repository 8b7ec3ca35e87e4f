package w2s.finetune;

import java.lang.ref.Cleaner;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import w2s.base.Progress;
import w2s.data.Example;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.model.source.Pretrained;
import w2s.train.Classifier;
import w2s.train.Loss;
import w2s.train.TrainConfig;

/**
 * Full fine-tuning (or LoRA) of a pretrained backbone with a K-way head, as the openai weak-to-strong code trains its
 * models: Adam, the schedule of the {@link TrainConfig}, the loss on each whole batch, dropout off, a zero head. K is
 * the labels' width: 2 for a binary task, K for a K-class task (soft K-vectors).
 *
 * <p>Data order follows the reference too: one seeded shuffle, repeated for every epoch, cut into consecutive
 * batches that may span an epoch boundary; {@code n * epochs / batchSize} steps (a last partial batch is dropped).
 */
public final class FineTuneClassifier implements Classifier {
    private static final Cleaner CLEANER = Cleaner.create();
    /** The one precision fine-tuning runs in (see the README: bf16 arrays crash this PyTorch build on the CPU). */
    public static final String FP32 = "fp32";

    private final String name;
    private final Supplier<Checkpoint> checkpoint;
    private final FineTuneConfig settings;

    public FineTuneClassifier(Pretrained model, FineTuneConfig settings) {
        this(model.name(), model::checkpoint, settings);
    }

    public FineTuneClassifier(String name, Supplier<Checkpoint> checkpoint, FineTuneConfig settings) {
        this.name = name;
        this.checkpoint = checkpoint;
        this.settings = settings;
    }

    @Override
    public String describe() {
        String frozen = settings.freezeLayers() > 0 ? ", lowest " + settings.freezeLayers() + " layers frozen" : "";
        String lora = settings.lora() != null ? ", LoRA r=" + settings.lora().rank() : "";
        return name + " fine-tuned (" + settings.pooling().id() + " pooling" + frozen + lora + ")";
    }

    public FineTuneConfig settings() {
        return settings;
    }

    /** The model's name, as results show it. */
    public String name() {
        return name;
    }

    /** The pretrained checkpoint each training starts from (read when asked). */
    public Supplier<Checkpoint> checkpoint() {
        return checkpoint;
    }

    /** The same model and settings, fine-tuned as a scorer of a choice task's candidates. */
    public FineTuneChooser choices() {
        return new FineTuneChooser(name, checkpoint, settings);
    }

    @Override
    public Trained fit(List<Example> train, double[][] labels, Loss loss, TrainConfig config, Monitor monitor) {
        if (labels.length != train.size()) {
            throw new IllegalArgumentException(train.size() + " examples but " + labels.length + " label rows");
        }
        if (train.isEmpty()) throw new IllegalArgumentException("no training examples");
        int k = labels[0].length;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i].length != k) {
                throw new IllegalArgumentException("label row " + i + " has " + labels[i].length + " columns, row 0 has "
                        + k);
            }
        }
        if (k < 2) throw new IllegalArgumentException("a classifier needs at least two classes, the labels have " + k);
        Checkpoint cp = checkpoint.get();
        if (settings.maxTokens() > cp.config().maxPositions()) {
            throw new IllegalArgumentException(name + " has " + cp.config().maxPositions() + " positions; maxTokens "
                    + settings.maxTokens() + " is more");
        }
        Tokens.Encoded[] rows = Tokens.encode(cp.tokenizer(), settings.maxTokens(), texts(train),
                settings.truncateLeft());
        FineTuner tuner = new FineTuner(cp, settings, config, k);
        try {
            int n = rows.length;
            int total = config.totalSteps(n);
            BatchOrder order = new BatchOrder(n, config.batchSize(), config.seed());
            // The monitor sees the weights as they are at its call; it must not keep this model for later.
            Footprint footprint = new Footprint(tuner.trainableParameters(), tuner.totalParameters(),
                    tuner.dtype().dtype().id(),
                    tuner.deviceName());
            // The monitor scores the same documents (a training curve's, the validation set) at every call: each
            // list is tokenized once, and only while training lasts.
            Map<List<Example>, Tokens.Encoded[]> encoded = new IdentityHashMap<>();
            Trained live = new Trained() {
                @Override
                public double[][] predict(List<Example> examples) {
                    return examples.isEmpty() ? new double[0][] : tuner.predict(encoded.computeIfAbsent(examples,
                            d -> Tokens.encode(cp.tokenizer(), settings.maxTokens(), texts(d), settings.truncateLeft())));
                }

                @Override
                public Footprint footprint() {
                    return footprint;
                }
            };
            try (Progress progress = new Progress("fine-tune " + name, total, "steps")) {
                for (int step = 0; step < total; step++) {
                    int[] batch = order.next();
                    double value = tuner.step(rows, labels, batch, loss, (double) step / total,
                            config.lrAt(step, total), config.weightDecay(), step);
                    monitor.loss(step + 1, total, value);
                    if (config.evalEvery() > 0 && ((step + 1) % config.evalEvery() == 0 || step + 1 == total)) {
                        monitor.atStep(step + 1, total, live);
                    }
                    progress.advance(1);
                }
            }
            tuner.dropOptimizerState();
            return new Model(tuner, cp.tokenizer(), settings.maxTokens(), settings.truncateLeft(), footprint);
        } catch (RuntimeException | Error e) {
            tuner.close();
            throw e;
        }
    }

    /** The fine-tuned weights; their native memory is freed when this becomes unreachable, or by {@link #close}. */
    public static final class Model implements Trained, AutoCloseable {
        private final FineTuner tuner;
        private final String tokenizer;
        private final int maxTokens;
        private final Footprint footprint;
        private final Cleaner.Cleanable cleanable;

        private final boolean left;

        private Model(FineTuner tuner, String tokenizer, int maxTokens, boolean left, Footprint footprint) {
            this.left = left;
            this.tuner = tuner;
            this.tokenizer = tokenizer;
            this.maxTokens = maxTokens;
            this.footprint = footprint;
            this.cleanable = CLEANER.register(this, tuner::close);
        }

        @Override
        public Footprint footprint() {
            return footprint;
        }

        @Override
        public double[][] predict(List<Example> examples) {
            if (examples.isEmpty()) return new double[0][];
            return tuner.predict(Tokens.encode(tokenizer, maxTokens, texts(examples), left));
        }

        @Override
        public void close() {
            cleanable.clean();
        }
    }

    private static List<String> texts(List<Example> examples) {
        return examples.stream().map(Example::text).toList();
    }
}
