package w2s.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Json;
import w2s.base.Progress;
import w2s.data.Completion;
import w2s.data.DataException;
import w2s.finetune.BatchOrder;
import w2s.finetune.FineTuneConfig;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.train.Classifier;
import w2s.train.TrainConfig;

/**
 * A decoder language model fine-tuned to write the answers of a generative task (full or LoRA, as its
 * {@link FineTuneConfig} says), with the data order of the classification fine-tuning: one seeded shuffle repeated
 * every epoch, cut into consecutive batches. Each training sequence is the prompt's tokens (special tokens included,
 * cut from the front to leave room for the answer), then the answer's own tokens, then the end-of-text token.
 * {@code maxTokens} bounds prompt and answer together; answers are at most {@code maxNewTokens} tokens.
 */
public final class GenerativeModel {
    private final String name;
    private final Supplier<Checkpoint> checkpoint;
    private final FineTuneConfig settings;
    private final int maxNewTokens;

    public GenerativeModel(String name, Supplier<Checkpoint> checkpoint, FineTuneConfig settings, int maxNewTokens) {
        this.name = name;
        this.checkpoint = checkpoint;
        this.settings = settings;
        this.maxNewTokens = maxNewTokens;
    }

    /** An answer as a model wrote it. */
    public record Written(String text, double confidence, boolean stopped) {}

    /** A model trained to write answers; its native memory is freed by {@link #close}. */
    public interface Trained extends AutoCloseable {
        /** The answer written to each item's prompt, greedily. */
        List<Written> write(List<Completion> items);

        Classifier.Footprint footprint();

        @Override
        void close();
    }

    /**
     * Fine-tunes a fresh copy of the checkpoint on the items' prompts with the given answers (ground truth, or a
     * supervisor's written answers), reporting each step's loss.
     */
    public Trained fit(List<Completion> items, List<String> answers, AnswerLoss loss, TrainConfig config,
                       Classifier.Monitor monitor) {
        if (items.size() != answers.size()) {
            throw new IllegalArgumentException(items.size() + " items but " + answers.size() + " answers");
        }
        if (items.isEmpty()) throw new IllegalArgumentException("no training items");
        Checkpoint cp = checkpoint.get();
        long end = endOfText(cp);
        long[][] prompts = prompts(cp, items);
        long[][] answerIds = Tokens.content(cp.tokenizer(), answers);
        Tokens.Encoded[] sequences = new Tokens.Encoded[items.size()];
        int[] answerStart = new int[items.size()];
        for (int i = 0; i < sequences.length; i++) {
            long[] a = answerIds[i];
            // Right answers are checked to fit (checkAnswers); a supervisor's written answer can tokenize to more than
            // it wrote (decoding then encoding is not always the identity), and is cut to what a model may write.
            if (a.length > maxNewTokens) a = java.util.Arrays.copyOf(a, maxNewTokens);
            long[] ids = new long[prompts[i].length + a.length + 1];
            System.arraycopy(prompts[i], 0, ids, 0, prompts[i].length);
            System.arraycopy(a, 0, ids, prompts[i].length, a.length);
            ids[ids.length - 1] = end;
            sequences[i] = new Tokens.Encoded(ids, new long[ids.length]);
            answerStart[i] = prompts[i].length;
        }
        AnswerTuner tuner = new AnswerTuner(cp, settings, config, end);
        try {
            int n = sequences.length;
            int total = config.totalSteps(n);
            BatchOrder order = new BatchOrder(n, config.batchSize(), config.seed());
            try (Progress progress = new Progress("fine-tune " + name, total, "steps")) {
                for (int step = 0; step < total; step++) {
                    int[] batch = order.next();
                    double value = tuner.step(sequences, answerStart, batch, loss, (double) step / total,
                            config.lrAt(step, total), config.weightDecay(), step);
                    monitor.loss(step + 1, total, value);
                    progress.advance(1);
                }
            }
            tuner.dropOptimizerState();
        } catch (RuntimeException | Error e) {
            tuner.close();
            throw e;
        }
        Classifier.Footprint footprint = new Classifier.Footprint(tuner.trainableParameters(), tuner.totalParameters(),
                tuner.dtype().dtype().id(), tuner.deviceName());
        return new Trained() {
            @Override
            public List<Written> write(List<Completion> prompted) {
                return GenerativeModel.this.write(tuner, cp, prompted);
            }

            @Override
            public Classifier.Footprint footprint() {
                return footprint;
            }

            @Override
            public void close() {
                tuner.close();
            }
        };
    }

    private List<Written> write(AnswerTuner tuner, Checkpoint cp, List<Completion> items) {
        long[][] prompts = prompts(cp, items);
        // Chunks of prompts of close lengths, so Greedy's batches pad little; the answers go back in item order.
        Integer[] order = new Integer[prompts.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> prompts[i].length));
        Greedy.Generated[] byItem = new Greedy.Generated[prompts.length];
        try (Progress progress = new Progress("write " + name, items.size(), "answers")) {
            int chunk = 4 * Greedy.MAX_BATCH;
            for (int i = 0; i < order.length; i += chunk) {
                List<Integer> part = List.of(order).subList(i, Math.min(order.length, i + chunk));
                List<Greedy.Generated> out = tuner.write(part.stream().map(j -> prompts[j]).toList(), maxNewTokens);
                for (int j = 0; j < part.size(); j++) byItem[part.get(j)] = out.get(j);
                progress.advance(part.size());
            }
        }
        List<Greedy.Generated> generated = List.of(byItem);
        String[] texts = Tokens.decode(cp.tokenizer(), generated.stream().map(Greedy.Generated::ids).toList());
        List<Written> out = new ArrayList<>(texts.length);
        for (int i = 0; i < texts.length; i++) {
            Greedy.Generated g = generated.get(i);
            double logp = 0;
            for (double l : g.tokenLogProbs()) logp += l;
            out.add(new Written(texts[i], Math.exp(logp), g.stopped()));
        }
        return out;
    }

    /**
     * Refuses items whose right answer the model could not write: one that tokenizes to nothing, or to more than
     * {@code maxNewTokens} tokens.
     */
    public void checkAnswers(List<Completion> items) {
        Checkpoint cp = checkpoint.get();
        long[][] ids = Tokens.content(cp.tokenizer(), items.stream().map(Completion::answer).toList());
        for (int i = 0; i < ids.length; i++) {
            String id = items.get(i).id();
            if (ids[i].length == 0) {
                throw new DataException("item " + id + ": its answer '" + items.get(i).answer() + "' has no tokens in "
                        + name + "'s tokenizer");
            }
            if (ids[i].length > maxNewTokens) {
                throw new DataException("item " + id + ": its answer has " + ids[i].length + " tokens in " + name
                        + "'s tokenizer, more than --max-new-tokens " + maxNewTokens);
            }
        }
    }

    /** Each item's prompt tokens, special tokens included, cut from the front to leave room for an answer. */
    private long[][] prompts(Checkpoint cp, List<Completion> items) {
        int room = Math.min(settings.maxTokens(), cp.config().maxPositions()) - maxNewTokens - 1;
        if (room < 1) {
            throw new IllegalArgumentException(name + ": --max-tokens " + settings.maxTokens() + " (the model has "
                    + cp.config().maxPositions() + " positions) leaves no room for a prompt beside --max-new-tokens "
                    + maxNewTokens + " and the end token");
        }
        Tokens.Encoded[] encoded = Tokens.encode(cp.tokenizer(), room, items.stream().map(Completion::prompt).toList(),
                true);
        long[][] ids = new long[encoded.length][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encoded[i].ids();
            if (ids[i].length == 0) throw new DataException("item " + items.get(i).id() + ": its prompt has no tokens");
        }
        return ids;
    }

    /**
     * The token that ends an answer: {@code eos_token_id} of the model folder's config.json (or its
     * generation_config.json), the first where it lists several.
     */
    static long endOfText(Checkpoint cp) {
        if (!cp.config().causal()) {
            throw new IllegalArgumentException(cp.origin() + ": " + cp.config().modelType() + " is an encoder: it has "
                    + "no language-model head to write answers with (use a decoder: gpt2, gpt_neox, llama, mistral, "
                    + "qwen2)");
        }
        Path folder = Path.of(cp.origin()).getParent();
        for (String file : new String[] {"config.json", "generation_config.json"}) {
            Path f = folder == null ? Path.of(file) : folder.resolve(file);
            if (!Files.isRegularFile(f)) continue;
            try {
                JsonNode eos = Json.MAPPER.readTree(f.toFile()).path("eos_token_id");
                if (eos.isArray() && !eos.isEmpty()) eos = eos.get(0);
                if (eos.canConvertToLong()) return eos.asLong();
            } catch (IOException e) {
                throw new DataException(f + ": cannot read: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException(cp.origin() + ": the model folder's config.json names no eos_token_id, so "
                + "an answer cannot be ended; add the model's end-of-text token id as eos_token_id");
    }
}
