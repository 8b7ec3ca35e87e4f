package w2s.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import w2s.data.Completion;
import w2s.data.GenerativeTask;
import w2s.data.SplitConfig;
import w2s.data.SplitSize;
import w2s.finetune.FineTuneConfig;
import w2s.model.arch.Checkpoint;
import w2s.model.arch.Lora;
import w2s.train.Classifier;
import w2s.train.TrainConfig;

/**
 * Next-token training on answers and greedy writing, on the tiny GPT-2 of scripts/fixtures/scratch_decoders.py at its
 * initialisation: trained from scratch, it learns to copy the bracketed letter of a prompt; LoRA and bf16 train too.
 */
class GenerativeModelTest {
    private static final Path LARGE = Path.of("src/test/resources/tiny/scratch-large");
    private static final GenerativeTask.Split SPLIT = GenerativeTask.load(
            Path.of("src/test/resources/generate/copy.jsonl"), null).split(new SplitConfig(0, SplitSize.exactly(800),
            SplitSize.exactly(200), false, false, SplitConfig.NO_VALIDATION));

    private static GenerativeModel model(FineTuneConfig settings) {
        return new GenerativeModel("scratch-large", () -> {
            try {
                return Checkpoint.fromHuggingFace(LARGE);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, settings.withMaxTokens(64), 2);
    }

    private static double accuracy(List<GenerativeModel.Written> written, List<Completion> items) {
        int right = 0;
        for (int i = 0; i < items.size(); i++) right += written.get(i).text().strip().equals(items.get(i).answer()) ? 1 : 0;
        return (double) right / items.size();
    }

    private static List<Double> fit(GenerativeModel model, int epochs, double lr, String loss, double[] accuracy) {
        List<Double> losses = new java.util.ArrayList<>();
        Classifier.Monitor monitor = new Classifier.Monitor() {
            public void atStep(int step, int total, Classifier.Trained m) {}

            public void loss(int step, int total, double l) {
                losses.add(l);
            }
        };
        TrainConfig train = new TrainConfig(epochs, 32, lr, 0, "cosine", 0, 0);
        List<Completion> a = SPLIT.a();
        try (GenerativeModel.Trained trained = model.fit(a, a.stream().map(Completion::answer).toList(),
                AnswerLoss.of(loss), train, monitor)) {
            List<GenerativeModel.Written> written = trained.write(SPLIT.test());
            accuracy[0] = accuracy(written, SPLIT.test());
            for (GenerativeModel.Written w : written) {
                assertTrue(w.confidence() > 0 && w.confidence() <= 1, "an answer's probability: " + w.confidence());
            }
        }
        return losses;
    }

    @Test
    void aDecoderTrainedFromScratchLearnsToCopyTheMarkedLetter() {
        double[] accuracy = new double[1];
        List<Double> losses = fit(model(FineTuneConfig.defaults().withDtype("fp32")), 40, 3e-3, "xent", accuracy);
        assertEquals(500, losses.size()); // 40 epochs of 400 items in batches of 32
        assertTrue(losses.get(0) > 5.5, "ln 300 ≈ 5.70 at initialisation: " + losses.get(0));
        assertTrue(losses.get(losses.size() - 1) < 1.0, "the answer tokens are learnt: " + losses.get(losses.size() - 1));
        assertTrue(accuracy[0] >= 0.8, "exact-match accuracy on 200 unseen prompts: " + accuracy[0]);
    }

    @Test
    void loraAndBf16AndTheConfidenceLossTrainToo() {
        double[] accuracy = new double[1];
        List<Double> lora = fit(model(FineTuneConfig.defaults().withDtype("fp32").withLora(new Lora.Config(8, 16, null))), 2,
                3e-3, "xent", accuracy);
        // LoRA adapts a frozen random model: slower than full training, but it learns
        assertTrue(lastFive(lora) < lora.get(0) - 0.5, "LoRA lowers the loss: " + lora);
        List<Double> bf16 = fit(model(FineTuneConfig.defaults().withDtype("bf16")), 2, 3e-3, "logconf", accuracy);
        assertTrue(lastFive(bf16) < bf16.get(0) - 1, "bf16 with logconf lowers the loss: " + bf16);
    }

    private static double lastFive(List<Double> losses) {
        return losses.subList(losses.size() - 5, losses.size()).stream().mapToDouble(Double::doubleValue).average()
                .orElseThrow();
    }
}
