import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import w2s.base.Places;
import w2s.data.Example;
import w2s.data.Split;
import w2s.data.SplitConfig;
import w2s.data.Task;
import w2s.data.Tasks;
import w2s.encode.FeatureCache;
import w2s.experiment.Experiment;
import w2s.train.Classifier;
import w2s.train.Losses;
import w2s.train.TrainConfig;
import w2s.zoo.ModelConfig;
import w2s.zoo.Models;

/**
 * What the default training curve costs: one model trained on half of a task's training split with ground truth, as
 * a ceiling is, with the default cadence (about 20 points), timing the curve's scoring apart from the training in the
 * same process (so load from other work weighs on both alike), in wall-clock time and in the process's CPU time (which
 * other work disturbs less). Also times one scoring of the whole test set, to show what scoring it at every point would
 * cost, and then the curve's sample again, so that the cost of a document in each is compared under the same load.
 * Usage: java -cp "target/w2s.jar:target/lib/*" bench/CurveCostBench.java [model] [probe|finetune|scratch] [task]
 * [n-train] [n-test] (bench/curve-cost.sh sets the DJL options).
 */
public class CurveCostBench {
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "minilm-l6";
        String mode = args.length > 1 ? args[1] : "finetune";
        String taskName = args.length > 2 ? args[2] : "fine_foods";
        int nTrain = args.length > 3 ? Integer.parseInt(args[3]) : 400;
        int nTest = args.length > 4 ? Integer.parseInt(args[4]) : 500;
        Task task = Tasks.load(taskName);
        Split split = Split.of(task, new SplitConfig(0, nTrain, nTest, false));
        List<Example> train = split.a();
        int[] testLabels = split.test().stream().mapToInt(Example::label).toArray();
        double[][] truth = new double[train.size()][2];
        for (int i = 0; i < truth.length; i++) truth[i][train.get(i).label()] = 1;
        ModelConfig config = Models.defaults(model, mode);
        TrainConfig t = config.train();
        Experiment.CurveDocs docs = Experiment.CurveDocs.of(config, t, train.size(), split.test(), testLabels);
        FeatureCache features = new FeatureCache(Places.cacheRoot().resolve("features"));
        if (!mode.equals("finetune")) {
            // Features extracted beforehand (as a sweep's earlier cells do), so the timed run reads them from the cache.
            Models.classifier(config, features).fit(train, truth, Losses.get("xent"), t.withEvalEvery(0),
                    Classifier.Monitor.NONE).predict(split.test());
        }
        Classifier classifier = Models.classifier(config, features);
        String loadBefore = loadAverage();
        long[] scoring = {0, 0};
        int[] points = {0};
        long start = System.nanoTime(), startCpu = cpuTime();
        Classifier.Trained trained = classifier.fit(train, truth, Losses.get("xent"),
                t.withEvalEvery(t.curveEvery(train.size())), (step, total, m) -> {
                    long s = System.nanoTime(), c = cpuTime();
                    docs.score(step, total, m);
                    scoring[0] += System.nanoTime() - s;
                    scoring[1] += cpuTime() - c;
                    points[0]++;
                });
        double fit = (System.nanoTime() - start) / 1e9, curve = scoring[0] / 1e9, training = fit - curve;
        double fitCpu = (cpuTime() - startCpu) / 1e9, curveCpu = scoring[1] / 1e9, trainingCpu = fitCpu - curveCpu;
        String loadAfter = loadAverage();
        long s = System.nanoTime();
        trained.predict(split.test());
        double whole = (System.nanoTime() - s) / 1e9;
        // The sample again, right after the whole set, so the two are compared under the same load.
        s = System.nanoTime();
        trained.predict(docs.docs());
        double sample = (System.nanoTime() - s) / 1e9;
        System.out.printf(Locale.ROOT, "%s %s on %s: %d training documents, %d steps of %d; curve: %d points on %d of %d "
                        + "test documents%n", model, mode, taskName, train.size(), t.totalSteps(train.size()),
                t.batchSize(), points[0], docs.docs().size(), split.test().size());
        System.out.printf(Locale.ROOT, "training %.1f s, curve scoring %.1f s: %.1f%% of training (load average %s "
                + "before, %s after)%n", training, curve, 100 * curve / training, loadBefore, loadAfter);
        System.out.printf(Locale.ROOT, "CPU time of the process: training %.1f s, curve scoring %.1f s: %.1f%%%n",
                trainingCpu, curveCpu, 100 * curveCpu / trainingCpu);
        System.out.printf(Locale.ROOT, "one scoring of all %d test documents: %.2f s; at every point it would cost %.1f%% "
                + "of training%n", split.test().size(), whole, 100 * whole * points[0] / training);
        System.out.printf(Locale.ROOT, "then the curve's %d documents: %.2f s (%.1f ms a document; the whole set %.1f "
                + "ms); load average %s%n", docs.docs().size(), sample, 1000 * sample / docs.docs().size(),
                1000 * whole / split.test().size(), loadAverage());
    }

    /** CPU time of the whole process, libtorch's threads included, in nanoseconds. */
    static long cpuTime() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The 1-minute load average, as uptime prints it. */
    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
