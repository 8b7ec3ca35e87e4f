package w2s.encode;

import java.util.Arrays;
import java.util.List;


import w2s.base.Progress;
import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Finite;
import w2s.model.arch.Tokens;
import w2s.model.arch.Weights;
import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.torch.Torch;

/**
 * Frozen features of any {@link Backbone} (decoders, BERT-base, a user's folder), read with libtorch: one forward
 * pass per batch yields every layer, and each requested layer is pooled. Autograd is off, so nothing is recorded and
 * each block's intermediates are freed as soon as its output exists. In bf16 the weights are stored in bfloat16 and
 * the pooled vectors come back as fp32. The bundled encoders have a faster path, {@link OnnxEncoder}.
 */
public final class TorchExtractor implements Extractor {
    static final int BATCH = 16;

    private final Checkpoint checkpoint;
    private final Scope owner = Scope.owner();
    private final Backbone backbone;

    public TorchExtractor(Checkpoint checkpoint) {
        this(checkpoint, Dtype.FP32);
    }

    public TorchExtractor(Checkpoint checkpoint, Dtype dtype) {
        this.checkpoint = checkpoint;
        try {
            this.backbone = checkpoint.backbone(new Weights(owner, dtype, Device.CPU));
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    @Override
    public float[][][] encodeLayers(List<String> texts, int[] layers, String pooling, int maxTokens,
                                    Progress progress) {
        return encodeLayers(texts, layers, pooling, maxTokens, false, progress);
    }

    @Override
    public float[][][] encodeLayers(List<String> texts, int[] layers, String pooling, int maxTokens, boolean left,
                                    Progress progress) {
        Pooling pool = Pooling.parse(pooling);
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), maxTokens, texts, left);
        float[][][] out = new float[layers.length][rows.length][];
        int[] lengths = Arrays.stream(rows).mapToInt(Tokens.Encoded::length).toArray();
        for (int[] group : Batches.ofEqualLength(lengths, BATCH)) {
            try (Scope scope = Scope.open(); Torch.Mode noGrad = Torch.noGrad()) {
                Batch batch = Tokens.pad(rows, group);
                List<Tensor> states = backbone.forward(backbone.wordVectors(batch.ids()), batch, true);
                for (int k = 0; k < layers.length; k++) {
                    int hidden = (int) states.get(layers[k]).size(2);
                    float[] pooled = pool.pool(states.get(layers[k]), batch.mask(),
                            Pooling.closingTokens(checkpoint.config().causal())).toFloatArray();
                    if (!Finite.all(pooled)) {
                        throw Finite.error(checkpoint.origin(), "hidden states",
                                Finite.firstBadLayer(states, batch.mask()), states.size() - 1);
                    }
                    for (int r = 0; r < group.length; r++) {
                        out[k][group[r]] = Arrays.copyOfRange(pooled, r * hidden, (r + 1) * hidden);
                    }
                }
            }
            progress.advance(group.length);
        }
        return out;
    }

    @Override
    public void close() {
        owner.close();
    }
}
