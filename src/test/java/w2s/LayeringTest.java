package w2s;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The packages form layers that follow the experiment's data flow, and every import points down. The order is written
 * here and in the README's "Architecture" section, nowhere else: a package may use those listed before it, never
 * those after it, and no two packages may reach each other, directly or through others.
 */
class LayeringTest {
    /** Bottom to top. A package's sub-packages (model.arch, model.source) belong to its layer. */
    static final List<String> LAYERS = List.of(
            "base",        // places on disk, native libraries, JSON, progress bars, tables
            "hub",         // the Hugging Face Hub client and its cache, for models and datasets
            "data",        // tasks, splits, converters
            "metrics",     // accuracy, AUROC, calibration, bootstrap, flags
            "torch",       // the tensor engine: libtorch tensors, scopes, devices, dtypes
            "model",       // model parts: architectures, checkpoints, tokens, pooling, heads, sources
            "train",       // losses, optimiser, the classifier contract, heads and probes trained on features
            "finetune",    // training whole backbones (full, LoRA)
            "generate",    // decoders that write: next-token training on answers, greedy decoding with a KV cache
            "encode",      // feature extraction and its cache
            "elicit",      // CCS, VINC, zero-shot, calibration, label repair
            "zoo",         // a model name and a training mode → a classifier
            "experiment",  // the pipeline: task → split → weak → students → ceiling → metrics
            "results",     // run folders written and read, summary, report
            "sweep",       // grids of runs, claims, shards
            "cli");        // the commands

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("w2s");

    /** One rule per layer: nothing in it depends on a layer above it. */
    static List<ArchRule> layerRules() {
        List<ArchRule> rules = new ArrayList<>();
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().map(l -> "w2s." + l + "..")
                    .toArray(String[]::new);
            rules.add(noClasses().that().resideInAPackage("w2s." + LAYERS.get(i) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .because("layers point down: " + String.join(" → ", LAYERS)).allowEmptyShould(true));
        }
        return rules;
    }

    static final ArchRule NO_CYCLES = SlicesRuleDefinition.slices().matching("w2s.(**)").should().beFreeOfCycles();

    @Test
    void everyPackageIsALayer() {
        List<String> unplaced = MAIN.stream().map(c -> c.getPackageName())
                .filter(p -> !p.equals("w2s"))
                .map(p -> p.substring("w2s.".length()).split("\\.")[0])
                .distinct().filter(p -> !LAYERS.contains(p)).toList();
        assertTrue(unplaced.isEmpty(), "packages missing from LayeringTest.LAYERS (and the README): " + unplaced);
    }

    @Test
    void importsPointDown() {
        for (ArchRule rule : layerRules()) rule.check(MAIN);
    }

    @Test
    void noPackageCycles() {
        NO_CYCLES.check(MAIN);
    }

    /** The rules can fail: a class of data that imports the CLI (a test fixture, not shipped) breaks both. */
    @Test
    void anUpwardImportIsCaught() {
        JavaClasses withUpwardImport = new ClassFileImporter().importPackages("w2s.data", "w2s.cli");
        boolean caught = false;
        for (ArchRule rule : layerRules()) {
            EvaluationResult r = rule.evaluate(withUpwardImport);
            if (r.hasViolation()) {
                caught = true;
                assertTrue(r.getFailureReport().toString().contains("UpwardImport"), r.getFailureReport().toString());
            }
        }
        assertTrue(caught, "the deliberate upward import in w2s.data.UpwardImport went unnoticed");
        assertTrue(NO_CYCLES.evaluate(withUpwardImport).hasViolation(), "data → cli → data is a cycle");
        assertFalse(withUpwardImport.stream().noneMatch(c -> c.getSimpleName().equals("UpwardImport")));
    }
}
