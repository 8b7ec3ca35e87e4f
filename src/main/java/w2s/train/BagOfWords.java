package w2s.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import w2s.data.Example;
import w2s.model.FeatureMatrix;
import w2s.model.Head;

/**
 * The weakest supervisor: a linear model on TF-IDF word n-grams, learned from scratch on its training set only. No
 * pretraining, so what it knows is what its few labeled documents show.
 *
 * @param maxN        largest n-gram (1 = unigrams, 2 = unigrams and bigrams)
 * @param minDf       minimum number of training documents an n-gram must occur in
 * @param maxFeatures keep at most this many n-grams, the most frequent by document frequency
 */
public record BagOfWords(int maxN, int minDf, int maxFeatures) implements Classifier {
    private static final Pattern TOKEN = Pattern.compile("\\p{L}+|\\p{N}+|[^\\p{L}\\p{N}\\s]");

    public static BagOfWords standard() {
        return new BagOfWords(2, 2, 50_000);
    }

    public String describe() {
        return "bag of words (tf-idf 1.." + maxN + "-grams, logistic)";
    }

    public Trained fit(List<Example> train, double[][] labels, Loss loss, TrainConfig config, Monitor monitor) {
        Vocabulary vocabulary = Vocabulary.fit(train, this);
        FeatureMatrix x = vocabulary.transform(train, this);
        Head head = new Head.Linear(x.dim(), labels.length == 0 ? 2 : labels[0].length);
        Trained trained = examples -> HeadTrainer.predict(head, vocabulary.transform(examples, this));
        // The monitor scores the same documents (test, validation) at every call: each list is turned into n-grams
        // once (sparse rows, kept only while training), not at each of the training curve's points.
        Map<List<Example>, FeatureMatrix> transformed = new java.util.IdentityHashMap<>();
        Trained watched = examples -> HeadTrainer.predict(head,
                transformed.computeIfAbsent(examples, d -> vocabulary.transform(d, this)));
        HeadTrainer.train(head, x, labels, loss, config, (step, total, batchLoss) -> {
            monitor.loss(step, total, batchLoss);
            if (config.evalEvery() > 0 && (step % config.evalEvery() == 0 || step == total)) {
                monitor.atStep(step, total, watched);
            }
        });
        return trained;
    }

    List<String> ngrams(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) tokens.add(m.group());
        List<String> out = new ArrayList<>(tokens);
        for (int n = 2; n <= maxN; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) out.add(String.join(" ", tokens.subList(i, i + n)));
        }
        return out;
    }

    /** N-gram index and smoothed inverse document frequencies, as scikit-learn's TfidfVectorizer computes them. */
    record Vocabulary(Map<String, Integer> index, double[] idf) {
        static Vocabulary fit(List<Example> docs, BagOfWords bow) {
            Map<String, Integer> df = new HashMap<>();
            for (Example e : docs) for (String g : new java.util.HashSet<>(bow.ngrams(e.text()))) df.merge(g, 1, Integer::sum);
            List<Map.Entry<String, Integer>> kept = new ArrayList<>(df.entrySet().stream()
                    .filter(en -> en.getValue() >= bow.minDf()).toList());
            // Most frequent first, ties broken by the n-gram itself so the vocabulary does not depend on hash order.
            kept.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            if (kept.size() > bow.maxFeatures()) kept = kept.subList(0, bow.maxFeatures());
            Map<String, Integer> index = new HashMap<>();
            double[] idf = new double[kept.size()];
            for (int j = 0; j < kept.size(); j++) {
                index.put(kept.get(j).getKey(), j);
                idf[j] = Math.log((1.0 + docs.size()) / (1.0 + kept.get(j).getValue())) + 1;
            }
            return new Vocabulary(index, idf);
        }

        /** Sublinear term frequency × idf, each row L2-normalised. */
        FeatureMatrix transform(List<Example> docs, BagOfWords bow) {
            int[][] indices = new int[docs.size()][];
            float[][] values = new float[docs.size()][];
            for (int i = 0; i < docs.size(); i++) {
                TreeMap<Integer, Integer> counts = new TreeMap<>();
                for (String g : bow.ngrams(docs.get(i).text())) {
                    Integer j = index.get(g);
                    if (j != null) counts.merge(j, 1, Integer::sum);
                }
                indices[i] = new int[counts.size()];
                values[i] = new float[counts.size()];
                double norm = 0;
                int k = 0;
                for (Map.Entry<Integer, Integer> c : counts.entrySet()) {
                    double v = (1 + Math.log(c.getValue())) * idf[c.getKey()];
                    indices[i][k] = c.getKey();
                    values[i][k++] = (float) v;
                    norm += v * v;
                }
                norm = Math.sqrt(norm);
                if (norm > 0) for (int q = 0; q < k; q++) values[i][q] /= (float) norm;
            }
            return new FeatureMatrix.Sparse(indices, values, idf.length);
        }
    }
}
