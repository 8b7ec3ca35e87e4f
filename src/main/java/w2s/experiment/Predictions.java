package w2s.experiment;

import java.util.List;

/**
 * A run's per-example predictions, each the probability of class 1: on the test set those of the weak model, the
 * (last) student and the ceiling, with each document's id and ground-truth label; on B the weak labels the students
 * learned from (the weak model's, or those of {@code --weak-labels}) with each document's id and ground truth. The
 * student's are its raw predictions (before any {@code --calibrate} temperature), the ones accuracy and AUROC use.
 */
public record Predictions(List<String> testIds, int[] testLabels, double[] weak, double[] student, double[] ceiling,
                          List<String> bIds, int[] bLabels, double[] bWeak, Items items) {

    public Predictions(List<String> testIds, int[] testLabels, double[] weak, double[] student, double[] ceiling,
                       List<String> bIds, int[] bLabels, double[] bWeak) {
        this(testIds, testLabels, weak, student, ceiling, bIds, bLabels, bWeak, null);
    }

    /**
     * What K-class and choice runs add per test item (null for binary runs): each model's predicted class (or
     * candidate) and its accuracy credit (1, 0, or 1/t on a t-way tie), what the summary's bootstrap resamples. Their
     * {@code weak}, {@code student} and {@code ceiling} are then the probability each model gives the right answer, and
     * {@code bWeak} the weak label's probability of the right answer.
     */
    public record Items(int[] weakClass, int[] studentClass, int[] ceilingClass, double[] weakCredit,
                        double[] studentCredit, double[] ceilingCredit) {}

    /** What is wrong with the arrays (a missing one, lengths that differ), or null: a check for cached entries. */
    String problem() {
        if (testIds == null || testLabels == null || weak == null || student == null || ceiling == null
                || bIds == null || bLabels == null || bWeak == null) return "an array is missing";
        int n = testIds.size();
        if (testLabels.length != n || weak.length != n || student.length != n || ceiling.length != n) {
            return "test arrays of different lengths";
        }
        if (bLabels.length != bIds.size() || bWeak.length != bIds.size()) return "B arrays of different lengths";
        return null;
    }
}
