package w2s.elicit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import w2s.data.Example;
import w2s.train.Classifier;
import w2s.train.Losses;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

class CcsClassifierTest {
    /** Statements whose contrast pairs have the synthetic planted-truth features of {@link CcsTest}. */
    private static final CcsTest.Synthetic DATA = CcsTest.Synthetic.of(240, 20, 31);
    private static final ContrastTemplate TEMPLATE = ContrastTemplate.get("true-false");

    private static CcsClassifier classifier(int signPoints) {
        Map<String, float[]> table = new HashMap<>();
        for (int i = 0; i < DATA.labels().length; i++) {
            table.put(TEMPLATE.positive("s" + i), DATA.pos()[i]);
            table.put(TEMPLATE.negative("s" + i), DATA.neg()[i]);
        }
        return new CcsClassifier("synthetic", texts -> texts.stream().map(table::get).toArray(float[][]::new),
                TEMPLATE, new Ccs.Config(200, 1e-2, 0.01, 2, false, 0), signPoints);
    }

    private static List<Example> examples(int from, int to) {
        List<Example> out = new ArrayList<>();
        for (int i = from; i < to; i++) out.add(new Example("s" + i, "s" + i, DATA.labels()[i]));
        return out;
    }

    private static double[][] oneHot(List<Example> examples, boolean flipAfter, int k) {
        double[][] y = new double[examples.size()][2];
        for (int i = 0; i < y.length; i++) {
            int label = examples.get(i).label();
            if (flipAfter && i >= k) label = 1 - label;
            y[i][label] = 1;
        }
        return y;
    }

    @Test
    void usesNoLabelBeyondItsSignPoints() {
        List<Example> train = examples(0, 160);
        List<Example> test = examples(160, 240);
        CcsClassifier ccs = classifier(8);
        // Every label after the first 8 inverted: a supervisor that read them would change its predictions.
        double[][] honest = ccs.fit(train, oneHot(train, false, 8), Losses.get("xent"), Models.PROBE_TRAIN,
                Classifier.Monitor.NONE).predict(test);
        double[][] corrupted = ccs.fit(train, oneHot(train, true, 8), Losses.get("xent"), Models.PROBE_TRAIN,
                Classifier.Monitor.NONE).predict(test);
        for (int i = 0; i < honest.length; i++) assertArrayEquals(honest[i], corrupted[i], 0);
        double acc = w2s.metrics.Metrics.accuracy(honest, w2s.metrics.Metrics.labels(test));
        assertTrue(acc > 0.85, "signed by 8 labels, accuracy " + acc);
    }

    @Test
    void isRegisteredUnderTheCcsPrefix() {
        assertTrue(Models.names().contains("ccs:minilm-l6"));
        ModelConfig config = Models.defaults("ccs:bge-small", "probe");
        assertEquals(w2s.zoo.Training.CCS, config.mode());
        assertEquals("middle", config.layer());
        Classifier c = Models.classifier(config, new w2s.encode.FeatureCache(java.nio.file.Path.of("unused")));
        assertTrue(c.describe().startsWith("ccs on bge-small"), c.describe());
    }
}
