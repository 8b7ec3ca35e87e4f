package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import w2s.data.SplitSize;
import w2s.experiment.ExperimentConfig;
import w2s.train.TrainConfig;

/** The training knobs of the run command: presets, optimiser options, early stopping, and their errors. */
class RunOptionsTest {
    private static ExperimentConfig parse(String... args) {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(args);
        return run.config();
    }

    private static String error(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage();
    }

    @Test
    void eleutherPresetSetsTheFamilyOfDefaults() {
        ExperimentConfig c = parse("--task", "grammar", "--strong", "minilm-l6", "--mode", "finetune",
                "--preset", "eleuther");
        assertEquals("eleuther", c.preset());
        assertEquals("logconf-buffer:aux=0.5,warmup=100,buffer=32,balance=false", c.loss());
        assertEquals(SplitSize.upTo(10000), c.split().nTrain(), "a preset's size is a cap");
        assertEquals(1000, c.split().nVal().count());
        assertEquals(SplitSize.upTo(5000), c.split().nTest());
        assertTrue(c.split().balance());
        assertEquals("B", c.ceilingOn());
        assertEquals("auroc", c.earlyStop().metric());
        assertEquals(25, c.earlyStop().every());
        assertNull(c.earlyStop().patience());
        TrainConfig t = c.strong().train();
        assertEquals(new TrainConfig(3, 32, 8e-5, 0.1, "cosine", TrainConfig.EVAL_AUTO, 0, 40, "adamw", 0.95, 0), t);
        // The bag-of-words supervisor keeps its own training defaults but shares the optimiser.
        assertEquals(10, c.weak().train().epochs());
        assertEquals("adamw", c.weak().train().optimizer());
    }

    @Test
    void optionsGivenOverrideThePreset() {
        ExperimentConfig c = parse("--task", "grammar", "--mode", "finetune", "--preset", "eleuther", "--lr", "1e-4",
                "--loss", "xent", "--n-val", "50", "--optimizer", "adam");
        assertEquals(1e-4, c.strong().train().lr());
        assertEquals("xent", c.loss());
        assertEquals(50, c.split().nVal().count());
        assertEquals("adam", c.strong().train().optimizer());
        assertEquals(40, c.strong().train().warmupSteps());
    }

    @Test
    void sizesLeftOutAreCapsAndSizesTypedAreNumbersOrAll() {
        ExperimentConfig defaults = parse("--task", "grammar");
        assertEquals(SplitSize.upTo(4000), defaults.split().nTrain());
        assertEquals(SplitSize.upTo(1000), defaults.split().nTest());
        ExperimentConfig typed = parse("--task", "grammar", "--n-train", "5000", "--n-test", "all");
        assertEquals(SplitSize.exactly(5000), typed.split().nTrain());
        assertEquals(SplitSize.ALL, typed.split().nTest());
        String bad = assertThrows(CommandLine.ParameterException.class, () -> parse("--task", "grammar", "--n-train",
                "lots")).getMessage();
        assertTrue(bad.contains("--n-train") && bad.contains("'lots' is neither a number of documents nor 'all'"), bad);
        String help = new CommandLine(new RunCommand()).getUsageMessage().replaceAll("\\s+", " ");
        assertTrue(help.contains("(default: 4000, or all if fewer)"), help);
    }

    @Test
    void presetsLeaveProbeTrainingAlone() {
        ExperimentConfig c = parse("--task", "grammar", "--preset", "openai");
        assertEquals(SplitSize.upTo(20000), c.split().nTrain());
        assertEquals(SplitSize.upTo(10000), c.split().nTest());
        assertEquals(1e-3, c.strong().train().lr());
        assertEquals(1.0, c.strong().train().weightDecay());
        assertNull(c.earlyStop());
    }

    @Test
    void optimiserOptionsReachEveryModel() {
        ExperimentConfig c = parse("--task", "grammar", "--mode", "finetune", "--schedule", "linear",
                "--warmup-steps", "10", "--optimizer", "adamw", "--adam-beta2", "0.95", "--dropout");
        for (TrainConfig t : new TrainConfig[] {c.weak().train(), c.strong().train()}) {
            assertEquals("linear", t.schedule());
            assertEquals(10, t.warmupSteps());
            assertEquals("adamw", t.optimizer());
            assertEquals(0.95, t.beta2());
        }
        assertEquals(0.1, c.strong().train().dropout());
        assertEquals(0.0, c.weak().train().dropout(), "dropout is for fine-tuned models only");
        assertEquals(0.2, parse("--task", "grammar", "--mode", "finetune", "--dropout", "0.2").strong().train().dropout());
        assertEquals("window:radius=0.1", parse("--task", "grammar", "--loss", "window:radius=0.10").loss());
    }

    @Test
    void fineTuningTrainsAtLeastTheMinimumStepsAndThePresetsCountAsTheReferencesDo() {
        ExperimentConfig c = parse("--task", "grammar", "--mode", "finetune");
        assertEquals(w2s.zoo.Models.FINETUNE_MIN_STEPS, c.strong().train().minSteps());
        assertEquals(200, c.strong().train().totalSteps(250), "250 documents: 15 steps by epochs, 200 by the minimum");
        assertEquals(0, c.weak().train().minSteps(), "bow keeps its own training");
        assertEquals(0, parse("--task", "grammar").strong().train().minSteps(), "probes too");
        ExperimentConfig given = parse("--task", "grammar", "--mode", "finetune", "--min-steps", "50", "--epochs", "3");
        assertEquals(50, given.strong().train().minSteps());
        assertEquals(50, given.weak().train().minSteps(), "an optimiser option: every model");
        for (String preset : new String[] {"openai", "eleuther"}) {
            TrainConfig t = parse("--task", "grammar", "--mode", "finetune", "--preset", preset).strong().train();
            assertEquals(0, t.minSteps(), preset + " counts steps from epochs, as its reference");
        }
        assertTrue(error("--task", "grammar", "--min-steps", "-3").contains("--min-steps"));
    }

    @Test
    void badInputNamesTheOptionAndTheValidValues() {
        String preset = error("--task", "grammar", "--preset", "burns");
        assertTrue(preset.contains("--preset") && preset.contains("eleuther, openai"), preset);
        String patience = error("--task", "grammar", "--early-stop", "--early-stop-patience", "0");
        assertTrue(patience.contains("--early-stop-patience"), patience);
        String radius = error("--task", "grammar", "--loss", "window:radius=0.6");
        assertTrue(radius.contains("radius") && radius.contains("(0, 0.5)"), radius);
        String parameter = error("--task", "grammar", "--loss", "logconf-buffer:warmup_steps=10");
        assertTrue(parameter.contains("warmup_steps") && parameter.contains("aux, warmup, buffer, balance"), parameter);
        String schedule = error("--task", "grammar", "--schedule", "step");
        assertTrue(schedule.contains("cosine, linear, constant"), schedule);
        String optimizer = error("--task", "grammar", "--optimizer", "sgd");
        assertTrue(optimizer.contains("adam, adamw"), optimizer);
        String dropout = error("--task", "grammar", "--dropout");
        assertTrue(dropout.contains("--dropout") && dropout.contains("finetune"), dropout);
        String metric = error("--task", "grammar", "--early-stop", "--early-stop-metric", "f1");
        assertTrue(metric.contains("accuracy or auroc"), metric);
        assertTrue(error("--task", "grammar", "--n-val", "-1").contains("--n-val"));
    }

    @Test
    void truncateAndLongTextsAreRecordedOnlyWhenNotTheDefault() {
        ExperimentConfig plain = parse("--task", "grammar", "--strong", "minilm-l6");
        assertNull(plain.strong().truncate());
        assertNull(plain.longTexts());
        assertEquals(plain, parse("--task", "grammar", "--strong", "minilm-l6", "--truncate", "right",
                "--long-texts", "truncate"));
        ExperimentConfig c = parse("--task", "grammar", "--strong", "minilm-l6", "--truncate", "left",
                "--long-texts", "drop");
        assertEquals("left", c.strong().truncate());
        assertTrue(c.strong().features().left());
        assertNull(c.weak().truncate(), "the bag-of-words supervisor has no tokens to cut");
        assertEquals("drop", c.longTexts());
        ExperimentConfig finetune = parse("--task", "grammar", "--strong", "minilm-l6", "--mode", "finetune",
                "--truncate", "left", "--lora-rank", "4");
        assertEquals("left", finetune.strong().truncate());
    }

    @Test
    void badTruncationValuesNameTheOption() {
        String truncate = error("--task", "grammar", "--truncate", "middle");
        assertTrue(truncate.contains("--truncate") && truncate.contains("right, left"), truncate);
        String longTexts = error("--task", "grammar", "--long-texts", "cut");
        assertTrue(longTexts.contains("--long-texts") && longTexts.contains("truncate, drop"), longTexts);
        String bow = error("--task", "grammar", "--strong", "bow", "--mode", "probe", "--long-texts", "drop");
        assertTrue(bow.contains("--long-texts"), bow);
    }
}
