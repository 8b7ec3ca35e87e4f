package w2s.results;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import w2s.base.Json;
import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.train.TrainConfig;

/**
 * A run's training log, {@code log.jsonl}, made from what the result records, one JSON object a line, as the openai
 * code writes one. For each model in the order it trained (weak, each student, ceiling): a line per optimiser step
 * with model, step (from 1), total_steps, lr (the learning rate the schedule gave that step) and loss (the training
 * loss of that step's batch, the value the optimiser minimised), with test_accuracy on the steps the training curve
 * was recorded at (about 20 by default, {@code --eval-every}); then a closing line with "final": true, its step
 * count, the step early stopping kept (stopped_at, when it stopped) and the test accuracy of the predictions the run
 * kept. Students are named as the result's steps are:
 * "student", and in chains and strong-to-strong rounds "via 1", "s2s 1", ... (see {@link RunResult.Step#name}). A
 * model without recorded losses (a CCS supervisor; a stage cached before losses were recorded) has only its
 * evaluation lines and its closing line.
 */
public final class TrainingLog {
    private TrainingLog() {}

    public static String lines(RunResult r) {
        ExperimentConfig c = r.config();
        StringBuilder out = new StringBuilder();
        if (c == null) return "";
        Map<String, RunResult.LossCurve> losses = new HashMap<>();
        if (r.trainingLosses() != null) r.trainingLosses().forEach(l -> losses.put(l.model(), l));

        TrainConfig weak = c.weak().train();
        steps(out, "weak", losses.get("weak"), null, weak);
        last(out, "weak", weak.totalSteps(r.nA()), weak, r.weakStoppedAt(), r.weakAccuracy());

        TrainConfig strong = c.strong().train();
        List<RunResult.Step> students = r.steps();
        if (students == null || students.isEmpty()) {
            // A result from before the students were listed: the one student.
            steps(out, "student", losses.get("student"), r.w2sCurve(), strong);
            last(out, "student", strong.totalSteps(r.nB()), strong, null, r.w2sAccuracy());
        } else {
            Map<String, Integer> ordinals = new HashMap<>();
            for (int i = 0; i < students.size(); i++) {
                RunResult.Step s = students.get(i);
                int ordinal = ordinals.merge(s.role(), 1, Integer::sum);
                String name = RunResult.Step.name(s.role(), ordinal);
                TrainConfig train = s.role().equals("via") ? c.via().get(ordinal - 1).train() : strong;
                // The accuracy curve and the w2s metrics are the last student's.
                boolean lastStudent = i == students.size() - 1;
                steps(out, name, losses.get(name), lastStudent ? r.w2sCurve() : null, train);
                last(out, name, s.totalSteps(), train, s.stoppedAt(), lastStudent ? r.w2sAccuracy() : s.accuracy());
            }
        }

        TrainConfig ceiling = c.ceilingModel().train();
        RunResult.LossCurve ceilingLosses = losses.get("ceiling");
        steps(out, "ceiling", ceilingLosses, r.ceilingCurve(), ceiling);
        int ceilingSteps = ceilingLosses != null ? ceilingLosses.totalSteps()
                : ceiling.totalSteps("A".equals(c.ceilingOn()) ? r.nA() : r.nB());
        last(out, "ceiling", ceilingSteps, ceiling, r.ceilingStoppedAt(), r.ceilingAccuracy());
        return out.toString();
    }

    /** A model's lines, one per step: its loss (when recorded) and its test accuracy (at evaluations), by step. */
    private static void steps(StringBuilder out, String model, RunResult.LossCurve losses,
                              List<RunResult.CurvePoint> curve, TrainConfig train) {
        TreeMap<Integer, Map<String, Object>> byStep = new TreeMap<>();
        if (losses != null && losses.losses() != null) {
            for (int i = 0; i < losses.losses().size(); i++) {
                line(byStep, model, i + 1, losses.totalSteps(), train).put("loss", losses.losses().get(i));
            }
        }
        if (curve != null) {
            for (RunResult.CurvePoint p : curve) {
                line(byStep, model, p.step(), p.totalSteps(), train).put("test_accuracy", p.accuracy());
            }
        }
        for (Map<String, Object> line : byStep.values()) out.append(Json.compact(line)).append('\n');
    }

    private static Map<String, Object> line(TreeMap<Integer, Map<String, Object>> byStep, String model, int step,
                                            int total, TrainConfig train) {
        return byStep.computeIfAbsent(step, s -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("model", model);
            line.put("step", step);
            line.put("total_steps", total);
            line.put("lr", train.lrAt(Math.max(0, step - 1), total));
            return line;
        });
    }

    private static void last(StringBuilder out, String model, int total, TrainConfig train, Integer stoppedAt,
                             double accuracy) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("model", model);
        line.put("step", total);
        line.put("total_steps", total);
        line.put("lr", train.lrAt(Math.max(0, total - 1), total));
        if (stoppedAt != null) line.put("stopped_at", stoppedAt);
        line.put("test_accuracy", accuracy);
        line.put("final", true);
        out.append(Json.compact(line)).append('\n');
    }
}
