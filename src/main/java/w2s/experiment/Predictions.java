package w2s.experiment;

import java.util.List;

/**
 * A run's per-example predictions, each the probability of class 1: on the test set those of the weak model, the
 * (last) student and the ceiling, with each document's id and ground-truth label; on B the weak labels the students
 * learned from (the weak model's, or those of {@code --weak-labels}) with each document's id and ground truth. The
 * student's are its raw predictions (before any {@code --calibrate} temperature), the ones accuracy and AUROC use.
 */
public record Predictions(List<String> testIds, int[] testLabels, double[] weak, double[] student, double[] ceiling,
                          List<String> bIds, int[] bLabels, double[] bWeak) {

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
