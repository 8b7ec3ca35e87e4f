package w2s.train;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import w2s.data.Example;
import w2s.model.FeatureMatrix;
import w2s.model.Head;

/**
 * A head trained on frozen features of a pretrained encoder (the reference's linear_probe). Features are standardised
 * with the training set's mean and standard deviation so one learning rate suits every encoder and layer.
 *
 * @param name     the encoder's name, for descriptions
 * @param features text → feature vectors (cache-backed in the experiment)
 * @param head     "linear" or "mlp"
 */
public record Probe(String name, Function<List<String>, float[][]> features, String head) implements Classifier {

    public String describe() {
        return name + " probe (" + head + ")";
    }

    public Trained fit(List<Example> train, double[][] labels, Loss loss, TrainConfig config, Monitor monitor) {
        float[][] raw = features.apply(texts(train));
        Standardizer standardizer = Standardizer.fit(raw);
        // As many outputs as the labels have columns: 2 for a binary task, K for K classes.
        Head h = Head.create(head, raw[0].length, labels.length == 0 ? 2 : labels[0].length, new Random(config.seed()));
        FeatureMatrix x = standardizer.rowsFor(h, raw);
        Trained trained = examples -> HeadTrainer.predict(h, standardizer.rowsFor(h, features.apply(texts(examples))));
        HeadTrainer.train(h, x, labels, loss, config, (step, total, batchLoss) -> {
            monitor.loss(step, total, batchLoss);
            if (config.evalEvery() > 0 && (step % config.evalEvery() == 0 || step == total)) {
                monitor.atStep(step, total, trained);
            }
        });
        return trained;
    }

    static List<String> texts(List<Example> examples) {
        return examples.stream().map(Example::text).toList();
    }

    /** Per-dimension standardisation fitted on training features. */
    record Standardizer(double[] mean, double[] scale) {
        static Standardizer fit(float[][] x) {
            int d = x[0].length;
            double[] mean = new double[d];
            double[] sq = new double[d];
            for (float[] row : x) for (int j = 0; j < d; j++) mean[j] += row[j];
            for (int j = 0; j < d; j++) mean[j] /= x.length;
            for (float[] row : x) for (int j = 0; j < d; j++) sq[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            double[] scale = new double[d];
            for (int j = 0; j < d; j++) {
                double std = Math.sqrt(sq[j] / x.length);
                scale[j] = std > 1e-8 ? 1 / std : 0;
            }
            return new Standardizer(mean, scale);
        }

        /**
         * The standardised rows as a head reads them: a head that trains in libtorch copies each row there once, so it
         * reads them through a view that standardises as it goes (a 40,000 × 2,048 copy would be 328 MB more); a head
         * trained in Java reads every row every epoch, so it gets a standardised copy. The values are the same floats.
         */
        FeatureMatrix rowsFor(Head h, float[][] x) {
            return HeadTrainer.onTorch(h) ? new FeatureMatrix.Standardized(x, mean, scale)
                    : new FeatureMatrix.Dense(apply(x));
        }

        float[][] apply(float[][] x) {
            float[][] out = new float[x.length][mean.length];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < mean.length; j++) out[i][j] = (float) ((x[i][j] - mean[j]) * scale[j]);
            }
            return out;
        }
    }
}
