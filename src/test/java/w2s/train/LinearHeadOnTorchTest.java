package w2s.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import w2s.model.FeatureMatrix;
import w2s.model.Head;

/**
 * A large linear head trained on libtorch follows the Java path's algorithm step for step, to fp32's precision (it
 * computes in fp32, the Java path in fp64: measured 3e-8 apart in the loss and 7e-8 in any parameter here). (With xent: logconf's
 * argmax hardening turns last-bit differences between the two summation orders into different targets wherever
 * logits tie, as they all do at the zero-initialised first step.)
 */
class LinearHeadOnTorchTest {
    @Test
    void trainsAsTheJavaPathDoes() {
        int rows = 48, dim = 10_500, classes = 100; // 1.05M parameters: just over the threshold
        Random random = new Random(5);
        float[][] x = new float[rows][dim];
        for (float[] r : x) for (int j = 0; j < dim; j++) r[j] = (float) random.nextGaussian();
        double[][] labels = new double[rows][classes];
        for (double[] l : labels) l[random.nextInt(classes)] = 1;
        FeatureMatrix features = new FeatureMatrix.Dense(x);
        for (String optimizer : List.of("adam", "adamw")) {
            TrainConfig config = new TrainConfig(2, 16, 1e-3, 0.01, "cosine", 0, 3, 0, optimizer, null, 0);
            Head onTorch = new Head.Linear(dim, classes), inJava = new Head.Linear(dim, classes);
            assertTrue(HeadTrainer.onTorch(onTorch));
            List<Double> torchLosses = new ArrayList<>(), javaLosses = new ArrayList<>();
            HeadTrainer.train(onTorch, features, labels, Losses.get("xent"), config,
                    (step, total, loss) -> torchLosses.add(loss));
            HeadTrainer.trainInJava(inJava, features, labels, Losses.get("xent"), config,
                    (step, total, loss) -> javaLosses.add(loss));
            assertEquals(javaLosses.size(), torchLosses.size());
            for (int i = 0; i < javaLosses.size(); i++) {
                assertEquals(javaLosses.get(i), torchLosses.get(i), 1e-6, optimizer + " loss at step " + (i + 1));
            }
            double[] a = onTorch.parameters(), b = inJava.parameters();
            double worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            assertTrue(worst < 1e-6, optimizer + ": parameters differ by " + worst);
            assertFalse(a[0] == 0 && a[a.length - 1] == 0, "trained");
            double[][] predicted = HeadTrainer.predict(onTorch, features);
            for (int i = 0; i < rows; i++) {
                double[] inJavaDoubles = Loss.softmax(onTorch.logits(features, i));
                for (int c = 0; c < classes; c++) {
                    assertEquals(inJavaDoubles[c], predicted[i][c], 1e-6, optimizer + ": row " + i + " class " + c);
                }
            }
        }
        assertFalse(HeadTrainer.onTorch(new Head.Linear(dim, 2)),
                "binary heads stay on the Java path, bit for bit as before");
    }

    @Test
    void aStandardisingViewReadsTheFloatsOfAStandardisedCopy() {
        Random random = new Random(9);
        float[][] raw = new float[30][7];
        for (float[] r : raw) for (int j = 0; j < r.length; j++) r[j] = (float) (3 + 2 * random.nextGaussian());
        Probe.Standardizer s = Probe.Standardizer.fit(raw);
        FeatureMatrix copy = new FeatureMatrix.Dense(s.apply(raw));
        FeatureMatrix view = new FeatureMatrix.Standardized(raw, s.mean(), s.scale());
        double[] w = new double[14];
        for (int j = 0; j < w.length; j++) w[j] = random.nextGaussian();
        float[] a = new float[7], b = new float[7];
        for (int i = 0; i < raw.length; i++) {
            assertEquals(copy.dot(i, w, 7), view.dot(i, w, 7), 0.0);
            copy.copyRow(i, a, 0);
            view.copyRow(i, b, 0);
            assertTrue(java.util.Arrays.equals(a, b), "row " + i);
        }
        assertTrue(s.rowsFor(new Head.Linear(7, 2), raw) instanceof FeatureMatrix.Dense, "binary heads read a copy");
        assertTrue(s.rowsFor(new Head.Linear(1 << 20, 3), raw) instanceof FeatureMatrix.Standardized,
                "heads trained in libtorch read the view");
    }
}
