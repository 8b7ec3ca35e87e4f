package w2s.encode;

import java.util.Arrays;
import java.util.List;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import w2s.base.Progress;
import w2s.model.Pooling;
import w2s.model.arch.Backbone;
import w2s.model.arch.Batch;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Finite;
import w2s.model.arch.Tokens;
import w2s.model.arch.Torch;

/**
 * Frozen features of any {@link Backbone} (decoders, BERT-base, a user's folder), read with PyTorch through DJL: one
 * forward pass per batch yields every layer, and each requested layer is pooled. No parameter asks for a gradient,
 * so autograd records nothing. The bundled encoders have a faster path, {@link OnnxEncoder}.
 */
public final class TorchExtractor implements Extractor {
    static final int BATCH = 16;

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final Backbone backbone;

    public TorchExtractor(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
        this.manager = Torch.newManager();
        try {
            this.backbone = checkpoint.backbone(manager);
        } catch (RuntimeException e) {
            manager.close();
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
            try (NDScope scope = new NDScope()) {
                Batch batch = Tokens.pad(manager, rows, group);
                NDList states = backbone.forward(backbone.wordVectors(batch.ids()), batch, true);
                for (int k = 0; k < layers.length; k++) {
                    int hidden = (int) states.get(layers[k]).getShape().get(2);
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
        manager.close();
    }
}
