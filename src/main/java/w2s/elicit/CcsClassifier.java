package w2s.elicit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import w2s.data.Example;
import w2s.metrics.Metrics;
import w2s.train.Classifier;
import w2s.train.Loss;
import w2s.train.TrainConfig;

/**
 * CCS as a weak supervisor ({@code --weak ccs:MODEL}): an unsupervised probe on the model's hidden states of
 * contrast pairs made from the training texts, read as {@code w2s elicit} reads them: the task kind's templates with
 * label words, prompts fitted to the token limit by cutting the text (never the answer), one direction on all
 * templates, predictions averaged over templates. {@link #fit} ignores the labels it is given except for the first
 * {@code signPoints} rows, whose hard labels only choose between the direction and its opposite (CCS cannot tell
 * them apart); so the supervisor uses exactly that many ground-truth labels, one bit of information from them, and none
 * at all for the direction itself. With signPoints = 0 the sign is left as fitted, i.e. arbitrary: the supervisor's
 * accuracy is then either CCS's or one minus it, which is the honest outcome of using no ground truth. Examples it
 * labels are normalised with the training statistics, so it can label any set.
 *
 * @param encoder    the model name (without the "ccs:" prefix)
 * @param features   text → hidden states of the configured layer (cache-backed in the experiment)
 * @param signPoints labeled training rows used to fix the sign
 * @param tokens     token counts with the model's tokenizer (null: prompts are not fitted to a limit)
 * @param maxTokens  the token limit prompts are fitted to
 */
public record CcsClassifier(String encoder, Function<List<String>, float[][]> features,
                            List<ContrastTemplate> templates, Ccs.Config config, int signPoints,
                            ToIntFunction<String> tokens, int maxTokens) implements Classifier {
    /** Sixteen labels get the sign right with near certainty whenever CCS is at all better than chance on them. */
    public static final int SIGN_POINTS = 16;
    public static final String PREFIX = "ccs:";

    public CcsClassifier {
        templates = List.copyOf(templates);
        if (templates.isEmpty()) throw new IllegalArgumentException("CCS needs at least one template");
    }

    public CcsClassifier(String encoder, Function<List<String>, float[][]> features, ContrastTemplate template,
                         Ccs.Config config, int signPoints) {
        this(encoder, features, List.of(template), config, signPoints, null, 0);
    }

    /** The task kind's templates, the reference's fit, the sign from {@value #SIGN_POINTS} labels. */
    public static CcsClassifier standard(String encoder, Function<List<String>, float[][]> features, String task,
                                         int maxTokens) {
        PromptFitter.Counter counter = PromptFitter.Counter.of(encoder);
        return new CcsClassifier(encoder, features, ContrastTemplate.forTask(task), Ccs.Config.REFERENCE,
                SIGN_POINTS, counter, maxTokens);
    }

    public String describe() {
        return "ccs on " + encoder + " (templates " + String.join(", ", templates.stream().map(ContrastTemplate::name)
                .toList()) + ", sign from " + signPoints + " labels)";
    }

    public Trained fit(List<Example> train, double[][] labels, Loss loss, TrainConfig trainConfig, Monitor monitor) {
        List<Elicit.Pairs> x = pairs(train);
        Elicit.Settings settings = new Elicit.Settings(encoder, "last", maxTokens, templates,
                config.withSeed(trainConfig.seed()), signPoints, Elicit.Norm.TRAIN, true);
        Elicit.Reporter probe = Elicit.fit("ccs", x, null, settings);
        int k = Math.min(signPoints, train.size());
        if (k > 0) {
            int[] hard = new int[k];
            for (int i = 0; i < k; i++) hard[i] = Metrics.predicted(labels[i]);
            probe = probe.signedBy(x.stream().map(p -> p.head(k)).toList(), probe.trainNorms(), hard);
        }
        Elicit.Reporter fitted = probe;
        return examples -> Metrics.twoWay(Elicit.ensemble(fitted.perTemplate(pairs(examples), fitted.trainNorms())));
    }

    private List<Elicit.Pairs> pairs(List<Example> examples) {
        List<Elicit.Pairs> out = new ArrayList<>();
        if (tokens == null) {
            List<String> statements = examples.stream().map(Example::text).toList();
            for (ContrastTemplate t : templates) {
                out.add(new Elicit.Pairs(features.apply(t.positives(statements)), features.apply(t.negatives(statements))));
            }
            return out;
        }
        // Every example must be labelled, so over-long texts are cut, never dropped.
        PromptFitter.Fitted fitted = PromptFitter.fit(templates, examples, tokens, maxTokens,
                PromptFitter.Mode.TRUNCATE, "ccs:" + encoder);
        if (fitted.dropped() > 0) {
            throw new IllegalArgumentException("ccs:" + encoder + ": " + fitted.dropped() + " examples do not fit "
                    + maxTokens + " tokens even with their text cut to nothing; raise the token limit");
        }
        for (int t = 0; t < templates.size(); t++) {
            out.add(new Elicit.Pairs(features.apply(fitted.positive().get(t)), features.apply(fitted.negative().get(t))));
        }
        return out;
    }
}
