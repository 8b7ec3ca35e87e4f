package w2s.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import w2s.finetune.FineTuneConfig;
import w2s.train.TorchAdam;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Lora;
import w2s.model.arch.Tokens;
import w2s.model.arch.Weights;
import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;
import w2s.train.TrainConfig;

/**
 * One generative fine-tuning run of a causal language model: a fresh copy of the checkpoint (every weight, or LoRA
 * adapters on a frozen model) trained with next-token cross-entropy on the answer tokens only — the prompt's tokens
 * are read but not predicted, padding is masked, and the answer ends with the model's end-of-text token, so the
 * model learns where to stop — then greedy decoding of answers with a key/value cache ({@link Greedy}). Adam as the
 * classification fine-tuning uses it; in bf16 the forward passes run under autocast over fp32 master weights, the
 * loss in fp32. Owns native memory: close it.
 */
public final class AnswerTuner implements AutoCloseable {
    private final String origin;
    private final FineTuneConfig settings;
    private final Device device;
    private final Dtype.Choice dtype;
    private final Scope owner = Scope.owner();
    private final Backbone model;
    private final TorchAdam adam;
    private final long trainable, total;
    private final long endOfText;

    /**
     * @param endOfText the token that ends an answer (the checkpoint's {@code eos_token_id})
     * @param train     optimiser (adam or adamw), β2 and the seed of LoRA's A matrices
     */
    public AnswerTuner(Checkpoint checkpoint, FineTuneConfig settings, TrainConfig train, long endOfText) {
        this.origin = checkpoint.origin();
        this.settings = settings;
        this.endOfText = endOfText;
        this.device = Device.parse(settings.device());
        this.dtype = Torch.resolve(settings.dtype(), device);
        try {
            Weights weights = new Weights(owner, settings.backboneDtype(dtype.dtype()), device);
            model = checkpoint.languageModel(weights);
            List<Tensor> params = new ArrayList<>();
            if (settings.lora() != null) {
                params.addAll(model.addLora(settings.lora(), train.seed(), weights).parameters().values());
            } else {
                params.addAll(model.setTrainable(settings.freezeLayers()));
            }
            trainable = params.stream().mapToLong(Tensor::numel).sum();
            long n = 0;
            for (Tensor p : model.parameters().values()) n += p.numel();
            total = n;
            adam = new TorchAdam(owner, params, train.beta2(), train.decoupled());
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /** Parameters the optimiser updates: every weight (full fine-tuning) or the adapters (LoRA). */
    public long trainableParameters() {
        return trainable;
    }

    /** Every parameter of the model, adapters included. */
    public long totalParameters() {
        return total;
    }

    public String deviceName() {
        return device.id();
    }

    public Dtype.Choice dtype() {
        return dtype;
    }

    /**
     * One optimiser step: every sequence of the batch (prompt, answer, end token) forward in minibatches, the loss
     * on the logits that predict the answer tokens, divided by the batch's number of answer tokens (each token weighs
     * the same, as Hugging Face's causal LM loss), backward minibatch by minibatch, then Adam.
     *
     * @param sequences all training sequences: prompt tokens then answer tokens then the end token
     * @param answerStart where each sequence's answer begins (its prompt's length)
     * @param batch     indices of this batch's sequences
     * @return the batch's mean loss per answer token
     */
    public double step(Tokens.Encoded[] sequences, int[] answerStart, int[] batch, AnswerLoss loss, double progress,
                       double lr, double weightDecay, int step) {
        int[] sorted = Tokens.byLength(sequences, batch);
        long tokens = 0;
        for (int r : sorted) tokens += sequences[r].length() - answerStart[r];
        double value = 0;
        for (int i = 0; i < sorted.length; i += settings.minibatch()) {
            int[] group = Arrays.copyOfRange(sorted, i, Math.min(sorted.length, i + settings.minibatch()));
            try (Scope scope = Scope.open()) {
                Tensor sum;
                try (Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
                    Batch in = Tokens.pad(sequences, group, device);
                    Tensor[] predicted = answerLogits(in, sequences, answerStart, group);
                    sum = loss.sum(predicted[0], predicted[1], progress);
                }
                double part = sum.item();
                if (!Double.isFinite(part)) {
                    throw new ArithmeticException(String.format(Locale.ROOT, "training %s diverged at step %d: %s "
                            + "loss is %s (learning rate %.3g)", origin, step, loss.name(), part, lr));
                }
                value += part;
                sum.mul(1.0 / tokens).backward();
            }
        }
        adam.step(lr, weightDecay);
        return value / tokens;
    }

    /**
     * The logits at the positions that predict answer tokens (the answer's tokens and the end token, each read from
     * the position before it) and those tokens: [N, V] and [N].
     */
    private Tensor[] answerLogits(Batch in, Tokens.Encoded[] sequences, int[] answerStart, int[] group) {
        Tensor hidden = model.lastHidden(in);
        long length = in.length(), width = hidden.size(2);
        int n = 0;
        for (int r : group) n += sequences[r].length() - answerStart[r];
        long[] from = new long[n], targets = new long[n];
        int at = 0;
        for (int g = 0; g < group.length; g++) {
            Tokens.Encoded e = sequences[group[g]];
            for (int t = answerStart[group[g]]; t < e.length(); t++) {
                from[at] = g * length + t - 1;
                targets[at++] = e.ids()[t];
            }
        }
        Tensor rows = hidden.reshape(-1, width).rows(Tensor.of(null, from, n).toDeviceOf(hidden));
        return new Tensor[] {model.logits(rows), Tensor.of(null, targets, n).toDeviceOf(hidden)};
    }

    /** Answers written greedily to each prompt: the tokens, their log-probabilities, and whether the end token came. */
    public List<Greedy.Generated> write(List<long[]> prompts, int maxNewTokens) {
        try (Torch.Mode cast = Torch.autocast(dtype.dtype(), device)) {
            List<Greedy.Generated> out = Greedy.greedy(model, prompts, maxNewTokens, Set.of(endOfText));
            for (Greedy.Generated g : out) {
                for (double l : g.tokenLogProbs()) {
                    if (!(l <= 0)) throw new ArithmeticException(origin + ": the model's next-token probabilities are "
                            + "not finite");
                }
            }
            return out;
        }
    }

    /** Frees the optimiser state once training is over; the weights stay for writing. */
    public void dropOptimizerState() {
        adam.close();
    }

    @Override
    public void close() {
        owner.close();
    }
}
