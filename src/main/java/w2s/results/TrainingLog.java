package w2s.results;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import w2s.experiment.ExperimentConfig;
import w2s.experiment.RunResult;
import w2s.report.Json;
import w2s.train.TrainConfig;

/**
 * A run's training log, {@code log.jsonl}, made from what the result records: one line per evaluation that
 * {@code --eval-every} asked for (the student's and the ceiling's accuracy curves: model, step, total_steps, the
 * learning rate the schedule gave that step, test_accuracy), then one closing line per model (weak, student, ceiling)
 * with "final": true, its step count, the step early stopping kept (stopped_at, when it stopped) and the test accuracy
 * of the predictions the run kept. Per-step training losses are not recorded: the trainers do not report them.
 */
public final class TrainingLog {
    private TrainingLog() {}

    public static String lines(RunResult r) {
        ExperimentConfig c = r.config();
        StringBuilder out = new StringBuilder();
        if (c == null) return "";
        TrainConfig strong = c.strong().train();
        TrainConfig ceiling = c.ceilingModel().train();
        curve(out, "student", r.w2sCurve(), strong);
        curve(out, "ceiling", r.ceilingCurve(), ceiling);
        TrainConfig weak = c.weak().train();
        int weakSteps = weak.totalSteps(r.nA());
        last(out, "weak", weakSteps, weak, r.weakStoppedAt(), r.weakAccuracy());
        List<RunResult.Step> steps = r.steps();
        RunResult.Step student = steps == null || steps.isEmpty() ? null : steps.get(steps.size() - 1);
        last(out, "student", student != null ? student.totalSteps() : strong.totalSteps(r.nB()), strong,
                student != null ? student.stoppedAt() : null, r.w2sAccuracy());
        int ceilingSteps = ceiling.totalSteps("A".equals(c.ceilingOn()) ? r.nA() : r.nB());
        last(out, "ceiling", ceilingSteps, ceiling, r.ceilingStoppedAt(), r.ceilingAccuracy());
        return out.toString();
    }

    private static void curve(StringBuilder out, String model, List<RunResult.CurvePoint> points, TrainConfig train) {
        if (points == null) return;
        for (RunResult.CurvePoint p : points) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("model", model);
            line.put("step", p.step());
            line.put("total_steps", p.totalSteps());
            line.put("lr", train.lrAt(Math.max(0, p.step() - 1), p.totalSteps()));
            line.put("test_accuracy", p.accuracy());
            out.append(Json.compact(line)).append('\n');
        }
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
