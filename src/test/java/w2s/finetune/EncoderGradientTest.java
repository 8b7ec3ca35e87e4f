package w2s.finetune;

import w2s.model.arch.Weights;
import w2s.torch.Scope;
import w2s.torch.Tensor;
import w2s.model.arch.Batch;
import w2s.model.source.Pretrained;
import w2s.model.arch.Bert;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Tokens;
import w2s.model.arch.Backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The backward pass must not read memory the garbage collector may have freed since the forward pass (DJL's
 * scalar ops leave autograd holding such memory; the encoder avoids them).
 */
class EncoderGradientTest {
    @ParameterizedTest
    @EnumSource(Bert.Config.Gelu.class)
    void gradientDoesNotDependOnGarbageCollection(Bert.Config.Gelu gelu) throws Exception {
        Checkpoint minilm = Pretrained.get("minilm-l6").checkpoint();
        Bert.Config c = (Bert.Config) minilm.config();
        Checkpoint checkpoint = new Checkpoint("test", new Bert.Config(c.vocabSize(), c.hidden(), c.layers(), c.heads(),
                c.intermediate(), c.maxPositions(), c.typeVocabSize(), c.layerNormEps(), gelu), minilm.tensors(),
                minilm.tokenizer());
        Tokens.Encoded[] rows = Tokens.encode(checkpoint.tokenizer(), 32, List.of("garbage collection", "frees memory"));
        float[] plain = gradient(checkpoint, rows, false);
        float[] collected = gradient(checkpoint, rows, true);
        assertArrayEquals(plain, collected);
    }

    private static float[] gradient(Checkpoint checkpoint, Tokens.Encoded[] rows, boolean collectGarbage)
            throws InterruptedException {
        try (Scope scope = Scope.open()) {
            Backbone encoder = checkpoint.backbone(Weights.fp32(null));
            List<Tensor> trainable = encoder.setTrainable(0);
            Batch in = Tokens.pad(rows, Tokens.all(rows));
            Tensor hidden = encoder.lastHidden(in);
            if (collectGarbage) {
                System.gc();
                Thread.sleep(100);
                List<Tensor> junk = new ArrayList<>(); // reuses freed memory, with NaNs
                for (int i = 0; i < 2000; i++) junk.add(Tensor.of(null, new float[] {Float.NaN}, 1));
            }
            hidden.sum().backward();
            return trainable.get(trainable.size() - 12).grad().toFloatArray(); // the last block's QKV weights
        }
    }
}
