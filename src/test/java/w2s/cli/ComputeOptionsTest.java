package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import w2s.base.Json;
import w2s.experiment.ExperimentConfig;
import w2s.model.arch.Lora;
import w2s.zoo.ModelConfig;

/** --lora-*, --dtype, --device and --grad-checkpoint, for the student, the weak model and the ceiling, and in sweeps. */
class ComputeOptionsTest {
    @TempDir
    Path dir;

    private static ExperimentConfig parse(String... args) {
        List<String> all = new ArrayList<>(List.of("--task", "grammar"));
        all.addAll(List.of(args));
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(all.toArray(String[]::new));
        return run.config();
    }

    private static String refused(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage();
    }

    @Test
    void fineTuningDefaultsToFullFp32OnTheAutomaticDevice() {
        ModelConfig s = parse("--mode", "finetune").strong();
        assertNull(s.lora());
        assertEquals("fp32", s.dtype());
        assertEquals("auto", s.device());
        assertEquals(false, s.gradCheckpoint());
    }

    @Test
    void loraOptionsReachTheStudentWeakModelAndCeilingSeparately() {
        ExperimentConfig c = parse("--weak", "minilm-l6", "--weak-mode", "finetune", "--weak-lora-rank", "4",
                "--mode", "finetune", "--lora-rank", "8", "--lora-alpha", "16", "--lora-targets", "query,value",
                "--grad-checkpoint", "--device", "cpu", "--ceiling-lora-rank", "0");
        assertEquals(new Lora.Config(8, 16, List.of("query", "value")), c.strong().lora());
        assertEquals("cpu", c.strong().device());
        assertTrue(c.strong().gradCheckpoint());
        assertEquals(Lora.Config.of(4), c.weak().lora());
        assertEquals("auto", c.weak().device());
        assertNull(c.ceilingModel().lora(), "the ceiling is fully fine-tuned");
        assertEquals("cpu", c.ceilingModel().device(), "the rest as the student");
        assertTrue(c.ceilingModel().gradCheckpoint());
        // Without --ceiling-… options the ceiling is the student's configuration, and the JSON has no ceiling key.
        ExperimentConfig same = parse("--mode", "finetune", "--lora-rank", "8");
        assertNull(same.ceiling());
        assertEquals(same.strong(), same.ceilingModel());
        assertFalse(Json.compact(same).contains("\"ceiling\""));
        assertTrue(Json.compact(c).contains("\"ceiling\":{"));
    }

    /** Probes and bow carry none of the new fields, so their JSON, and the cache keys hashed from it, are unchanged. */
    @Test
    void modelsThatAreNotFineTunedKeepTheirJson() throws Exception {
        ExperimentConfig c = parse("--strong", "minilm-l6", "--dtype", "fp32", "--lora-rank", "0");
        JsonNode strong = new ObjectMapper().readTree(Json.compact(c.strong()));
        for (String field : List.of("lora", "dtype", "device", "grad_checkpoint")) {
            assertFalse(strong.has(field), field + " in " + strong);
        }
        assertTrue(new ObjectMapper().readTree(Json.compact(parse("--mode", "finetune").strong())).has("dtype"));
        // auto is resolved before the configuration is keyed (here pinned to fp32 by W2S_DTYPE, see pom.xml)
        assertEquals("fp32", parse("--mode", "finetune").strong().dtype());
        assertEquals("bf16", parse("--mode", "finetune", "--dtype", "bf16").strong().dtype());
        ModelConfig tuned = parse("--mode", "finetune", "--lora-rank", "8").strong();
        assertEquals(tuned, Json.MAPPER.readValue(Json.write(tuned), ModelConfig.class), "reads back");
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingTrains() {
        String probeBf16 = refused("--dtype", "bf16");
        assertTrue(probeBf16.contains("--dtype bf16 applies to fine-tuning"), probeBf16);
        assertTrue(refused("--dtype", "fp8").contains("unknown dtype 'fp8'"));
        String noGpu = refused("--mode", "finetune", "--device", "cuda");
        assertTrue(noGpu.contains("sees no GPU") && noGpu.contains("-Pcuda"), noGpu);
        assertTrue(refused("--mode", "finetune", "--device", "cuda:x").contains("must be a number"));
        assertTrue(refused("--mode", "finetune", "--device", "tpu").contains("valid: auto, cpu, cuda, cuda:N"));
        String targets = refused("--mode", "finetune", "--lora-targets", "query");
        assertTrue(targets.contains("targets [query] given with LoRA rank unset"), targets);
        assertTrue(refused("--mode", "finetune", "--lora-rank", "-1").contains("got -1"));
        String probe = refused("--lora-rank", "8");
        assertTrue(probe.contains("--lora-rank applies to fine-tuning, not minilm-l6 probe"), probe);
        assertTrue(refused("--weak-device", "cpu").contains("--weak-device applies to fine-tuning, not bow"));
        String frozen = refused("--mode", "finetune", "--lora-rank", "8", "--freeze-layers", "2");
        assertTrue(frozen.contains("cannot be combined with --freeze-layers 2"), frozen);
    }

    @Test
    void sweepsCrossTheOptionsLikeAnyOther() throws Exception {
        Path f = Files.writeString(dir.resolve("s.yaml"), "tasks: [grammar]\nweak: [bow]\nstrong: [minilm-l6]\n"
                + "modes: [finetune]\nlora-rank: [0, 8]\ngrad-checkpoint: [false, true]\ndevice: cpu\n"
                + "weak-lora-rank: 0\n");
        List<ExperimentConfig> cells = SweepPlan.read(f);
        assertEquals(4, cells.size());
        assertEquals(2, cells.stream().filter(c -> c.strong().lora() == null).count());
        assertEquals(2, cells.stream().filter(c -> Boolean.TRUE.equals(c.strong().gradCheckpoint())).count());
        assertTrue(cells.stream().allMatch(c -> c.strong().device().equals("cpu")));
    }
}
