package w2s.elicit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import w2s.encode.FeatureCache;
import w2s.encode.FeatureSpec;
import w2s.model.arch.StoredTensor;
import w2s.model.source.Pretrained;

/**
 * The zero-shot baseline of "Discovering Latent Knowledge" for decoders: ask the language model itself. For each
 * prompt, x⁺ and x⁻ are tokenized and compared; at the first token where they differ (the first token of the answer)
 * the model's next-token logits for the two answers' tokens, read from the final hidden state of the common prefix
 * through the LM head, give P(true) = softmax over the two. No training, no sign choice. Needs an LM head that the
 * checkpoint ties to its token embeddings (GPT-2); others are refused.
 */
public final class ZeroShot {
    public static final String METHOD = "zero-shot";

    private ZeroShot() {}

    /**
     * P(true) per template [t][example] for the fitted prompts.
     *
     * @param lastLayer the model's final layer (after its final norm), whose state the LM head reads
     */
    public static double[][] predict(FeatureCache cache, String model, int maxTokens, int lastLayer,
                                     PromptFitter.Fitted prompts, PromptFitter.Counter tokens, boolean showProgress) {
        StoredTensor head = Pretrained.get(model).checkpoint().tiedUnembedding();
        if (head == null) {
            throw new IllegalArgumentException("--method zero-shot: the LM head of " + model + " is not tied to its "
                    + "token embeddings (or not GPT-2), and untied heads (embed_out, lm_head) are not read yet");
        }
        int hidden = (int) head.shape()[1];
        int n = prompts.examples().size();
        int templates = prompts.templates().size();
        List<String> prefixes = new ArrayList<>();
        long[][] answer = new long[templates * n][2];
        for (int t = 0; t < templates; t++) {
            for (int i = 0; i < n; i++) {
                long[] pos = tokens.ids(prompts.positive().get(t).get(i));
                long[] neg = tokens.ids(prompts.negative().get(t).get(i));
                int k = 0;
                while (k < pos.length && k < neg.length && pos[k] == neg[k]) k++;
                if (k == 0 || k == pos.length || k == neg.length) {
                    throw new IllegalArgumentException("--method zero-shot: template " + prompts.templates().get(t)
                            .name() + ": x+ and x- do not differ in one answer token after a common prefix");
                }
                prefixes.add(tokens.decode(Arrays.copyOf(pos, k)));
                answer[t * n + i] = new long[] {neg[k], pos[k]};
            }
        }
        float[][] h = cache.features(new FeatureSpec(model, Integer.toString(lastLayer), "last", maxTokens),
                prefixes, showProgress);
        double[][] out = new double[templates][n];
        for (int t = 0; t < templates; t++) {
            for (int i = 0; i < n; i++) {
                float[] x = h[t * n + i];
                long[] a = answer[t * n + i];
                double diff = 0;
                for (int j = 0; j < hidden; j++) {
                    diff += x[j] * (head.data()[(int) (a[1] * hidden + j)] - head.data()[(int) (a[0] * hidden + j)]);
                }
                out[t][i] = Ccs.sigmoid(diff);
            }
        }
        return out;
    }

    /** Rows for the zero-shot predictions: one per template and, with several, their ensemble first. */
    public static List<Elicit.Row> rows(int layer, double[][] perTemplate, List<ContrastTemplate> templates,
                                        int[] labels) {
        List<Elicit.Row> rows = new ArrayList<>();
        if (templates.size() > 1) {
            rows.add(Elicit.row(layer, METHOD, Elicit.ENSEMBLE, Elicit.ensemble(perTemplate), labels, "none", null));
        }
        for (int t = 0; t < templates.size(); t++) {
            rows.add(Elicit.row(layer, METHOD, templates.get(t).name(), perTemplate[t], labels, "none", null));
        }
        return rows;
    }
}
