package w2s.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import w2s.data.SplitConfig;
import w2s.experiment.Experiment;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.experiment.RunWriter;
import w2s.model.Models;
import w2s.report.RunTables;

/**
 * {@code w2s demo}: the paper's comparison on the built-in grammar task, a bag-of-words supervisor and a MiniLM
 * probe student, with and without the auxiliary confidence loss.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "grammar task, bow -> minilm-l6 probe, losses xent and logconf, 3 seeds (about a minute on 2 cores)")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--n-train", defaultValue = "2000", description = "training documents per seed, halved into A and B (default: ${DEFAULT-VALUE})")
    int nTrain;
    @Option(names = "--n-test", defaultValue = "1000", description = "test documents per seed (default: ${DEFAULT-VALUE})")
    int nTest;
    @Option(names = "--seeds", defaultValue = "3", description = "seeds 0..N-1; the summary is the median over them (default: ${DEFAULT-VALUE})")
    int seeds;
    @Option(names = "--cache", description = "cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else $HOME/.cache/w2s)")
    Path cache;
    @Option(names = "--out", defaultValue = "runs/demo", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() {
        List<RunResult> results = new ArrayList<>();
        try (Experiment experiment = new Experiment(cache != null ? cache : Experiment.defaultCacheRoot())) {
            for (long seed = 0; seed < seeds; seed++) {
                for (String loss : List.of("xent", "logconf")) {
                    ExperimentConfig config = new ExperimentConfig("grammar",
                            new SplitConfig(seed, nTrain, nTest, false), Models.defaults("bow", "scratch"),
                            Models.defaults("minilm-l6", "probe"), loss, "A");
                    Experiment.Outcome outcome = experiment.run(config);
                    RunWriter.write(out.resolve(loss + "_seed" + seed), experiment.cellKey(config), outcome);
                    if (seed == 0) System.out.println(RunTables.single(outcome.result()));
                    results.add(outcome.result());
                }
            }
        }
        System.out.print(RunTables.compare(results));
        System.out.println();
        System.out.print(RunTables.medians(results));
        System.out.println("wrote " + results.size() + " runs under " + out + "/<loss>_seed<seed>/metrics.json");
        return 0;
    }
}
