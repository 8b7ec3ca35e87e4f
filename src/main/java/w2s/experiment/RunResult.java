package w2s.experiment;

import java.util.List;
import java.util.Map;

import w2s.data.Provenance;
import w2s.elicit.RepairReport;
import w2s.metrics.Bootstrap.Interval;
import w2s.metrics.Metrics;

/**
 * The outcome of one weak-to-strong experiment with the configuration and data provenance that produced it.
 * Accuracies, AUROC, ECE and Brier are on the test set; agreement compares student and weak supervisor on the test
 * set; weak_label_accuracy is the weak labels' accuracy on B (known to the experiment, never to the student), as are
 * label_repair / label_filter: how many weak labels a repair changed or dropped, and how many of those were wrong.
 * With --calibrate the student's test probabilities are temperature-scaled (w2s_temperature, fitted on a slice of B
 * with weak labels) and w2s_ece_uncalibrated keeps the ECE before; reliability holds each model's diagram on test.
 * Steps lists every student trained, in order: bootstrapping's intermediate models, the student, strong-to-strong
 * rounds; the w2s metrics are the last step's, the PGR is against the first weak model and the strong model's ceiling.
 * pgr_auroc is the PGR computed on AUROC, as EleutherAI reports it. The *_ci fields are 95% intervals [lo, hi] from a
 * paired bootstrap over test documents seeded with the run's seed (gap_ci: ceiling minus weak accuracy); a null bound
 * is unbounded. flags names what makes the run's PGR meaningless (see {@link w2s.metrics.Flags}); empty if nothing does.
 * With --n-val, n_val is the size of the validation split and, with --early-stop, weak_stopped_at and
 * ceiling_stopped_at are the steps whose models early stopping kept (null: the final model; the students' are in steps).
 * footprints tells, for "weak", "w2s" (the student) and "ceiling", the trainable and total parameters (fine-tuned
 * models; LoRA trains only its adapters and the head), the dtype the arithmetic ran in and the device it ran on.
 * With --long-texts drop, dropped_long_texts counts the training and test documents removed before the split for
 * being longer than the strong model's token limit (null: long texts were truncated). training_losses holds every
 * model's training loss at each optimiser step, in the order they trained: weak, each student, ceiling (a model that
 * reports none, a CCS supervisor or a stage cached before losses were recorded, is left out); log.jsonl writes them
 * out a line per step. ceiling_training says how the ceiling was trained: on A with ground truth and the run's seed it
 * is the same trained model (one stage cache entry) as the strong model as a weak supervisor with the same settings,
 * so the two roles report the same accuracy; otherwise (--ceiling-on B, --ceiling-* settings) it says how it differs.
 * Null in results written before it existed, whose ceilings trained with the run's seed + 2.
 */
public record RunResult(
        double weakAccuracy, double w2sAccuracy, double ceilingAccuracy, double pgr,
        double weakAuroc, double w2sAuroc, double ceilingAuroc, double pgrAuroc,
        Interval weakAccuracyCi, Interval w2sAccuracyCi, Interval ceilingAccuracyCi, Interval pgrCi,
        Interval weakAurocCi, Interval w2sAurocCi, Interval ceilingAurocCi, Interval pgrAurocCi, Interval gapCi,
        List<String> flags,
        double weakEce, double w2sEce, double ceilingEce,
        double weakBrier, double w2sBrier, double ceilingBrier,
        double agreementAll, double agreementWeakCorrect, double agreementWeakWrong,
        double weakLabelAccuracy,
        Double weakPairwiseAccuracy, Double w2sPairwiseAccuracy, Double ceilingPairwiseAccuracy,
        int nA, int nB, int nTest,
        Double w2sTemperature, Double w2sEceUncalibrated, Map<String, Metrics.Reliability> reliability,
        List<CurvePoint> w2sCurve, List<CurvePoint> ceilingCurve,
        RepairReport labelRepair, RepairReport.Filtered labelFilter,
        List<Step> steps,
        Map<String, Double> seconds,
        Map<String, w2s.train.Classifier.Footprint> footprints,
        ExperimentConfig config,
        TaskInfo task,
        Map<String, String> environment,
        int nVal, Integer weakStoppedAt, Integer ceilingStoppedAt,
        LongTexts.Dropped droppedLongTexts,
        List<LossCurve> trainingLosses,
        String ceilingTraining,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        ItemResult items) {

    /** A binary run's result (no K-class or choice part). */
    public RunResult(double weakAccuracy, double w2sAccuracy, double ceilingAccuracy, double pgr,
                     double weakAuroc, double w2sAuroc, double ceilingAuroc, double pgrAuroc,
                     Interval weakAccuracyCi, Interval w2sAccuracyCi, Interval ceilingAccuracyCi, Interval pgrCi,
                     Interval weakAurocCi, Interval w2sAurocCi, Interval ceilingAurocCi, Interval pgrAurocCi,
                     Interval gapCi, List<String> flags, double weakEce, double w2sEce, double ceilingEce,
                     double weakBrier, double w2sBrier, double ceilingBrier, double agreementAll,
                     double agreementWeakCorrect, double agreementWeakWrong, double weakLabelAccuracy,
                     Double weakPairwiseAccuracy, Double w2sPairwiseAccuracy, Double ceilingPairwiseAccuracy,
                     int nA, int nB, int nTest, Double w2sTemperature, Double w2sEceUncalibrated,
                     Map<String, Metrics.Reliability> reliability, List<CurvePoint> w2sCurve,
                     List<CurvePoint> ceilingCurve, RepairReport labelRepair, RepairReport.Filtered labelFilter,
                     List<Step> steps, Map<String, Double> seconds,
                     Map<String, w2s.train.Classifier.Footprint> footprints, ExperimentConfig config, TaskInfo task,
                     Map<String, String> environment, int nVal, Integer weakStoppedAt, Integer ceilingStoppedAt,
                     LongTexts.Dropped droppedLongTexts, List<LossCurve> trainingLosses, String ceilingTraining) {
        this(weakAccuracy, w2sAccuracy, ceilingAccuracy, pgr, weakAuroc, w2sAuroc, ceilingAuroc, pgrAuroc,
                weakAccuracyCi, w2sAccuracyCi, ceilingAccuracyCi, pgrCi, weakAurocCi, w2sAurocCi, ceilingAurocCi,
                pgrAurocCi, gapCi, flags, weakEce, w2sEce, ceilingEce, weakBrier, w2sBrier, ceilingBrier, agreementAll,
                agreementWeakCorrect, agreementWeakWrong, weakLabelAccuracy, weakPairwiseAccuracy, w2sPairwiseAccuracy,
                ceilingPairwiseAccuracy, nA, nB, nTest, w2sTemperature, w2sEceUncalibrated, reliability, w2sCurve,
                ceilingCurve, labelRepair, labelFilter, steps, seconds, footprints, config, task, environment, nVal,
                weakStoppedAt, ceilingStoppedAt, droppedLongTexts, trainingLosses, ceilingTraining, null);
    }

    /**
     * What a K-class or choice run adds (absent from a binary run's JSON). The accuracies, AUROC, ECE, Brier,
     * agreement and PGR of the result are then the K-class ones: accuracy with ties shared, the macro one-vs-rest
     * AUROC (NaN for choices, whose items have no classes), ECE over the predicted class or chosen candidate, the
     * multi-class Brier score. A preference task's choice accuracy is also its pairwise accuracy.
     *
     * @param kind           "classes", "choice" or "features"
     * @param classes        K (0 for a choice task)
     * @param classNames     the class names, when K ≤ 20 (null otherwise)
     * @param candidates     a choice task's smallest and largest number of candidates per item (null otherwise)
     * @param weakTop5Accuracy top-5 accuracy of the weak model (K ≥ 10; null otherwise), likewise the student's and
     *                       the ceiling's
     * @param confusion      "weak", "w2s", "ceiling" → counts[true class][predicted class] on the test set (K ≤ 20)
     * @param weakPretrained the weak model is a pretrained classifier whose predictions were given (--weak-labels on
     *                       a feature task): not trained here, its test accuracy is the weak accuracy
     */
    public record ItemResult(String kind, int classes, List<String> classNames, List<Integer> candidates,
                             Double weakTop5Accuracy, Double w2sTop5Accuracy, Double ceilingTop5Accuracy,
                             Map<String, int[][]> confusion, boolean weakPretrained) {}

    /**
     * Test accuracy after a number of optimiser steps, on {@code documents} test documents: all of them, or for
     * fine-tuning a fixed sample (see {@code Experiment.CurveDocs}); null in results from before it was recorded.
     */
    public record CurvePoint(int step, int totalSteps, double accuracy,
                             @com.fasterxml.jackson.annotation.JsonInclude(
                                     com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Integer documents) {
        public CurvePoint(int step, int totalSteps, double accuracy) {
            this(step, totalSteps, accuracy, null);
        }
    }

    /**
     * One student of the run.
     *
     * @param role        "via" (a bootstrapping step), "student", or "s2s" (a strong-to-strong round)
     * @param model       the model trained
     * @param accuracy    its test accuracy
     * @param stoppedAt   the step whose model early stopping kept (null without early stopping)
     * @param totalSteps  optimiser steps of its training
     */
    public record Step(String role, String model, double accuracy, Integer stoppedAt, int totalSteps) {
        /**
         * How the training log names the student of a role: "student", else the role and its place among the
         * students of that role, counted from 1 ("via 1", "s2s 2").
         */
        public static String name(String role, int ordinal) {
            return role.equals("student") ? "student" : role + " " + ordinal;
        }
    }

    /**
     * One model's training loss, a value per optimiser step from step 1: the mean over that step's batch of the loss
     * the optimiser minimised (for a student, its weak-label loss, auxiliary terms included). Early stopping with
     * patience may end training before totalSteps.
     *
     * @param model      "weak", "ceiling", or a student as {@link Step#name} names it
     * @param totalSteps the optimiser steps its training was set to run
     * @param losses     the loss after each step run
     */
    public record LossCurve(String model, int totalSteps, List<Double> losses) {}

    /** The task as it was read: its name, where it came from, and its size before splitting. */
    public record TaskInfo(String name, int trainDocuments, int testDocuments, Provenance provenance) {}
}
