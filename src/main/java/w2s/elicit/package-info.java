/**
 * Eliciting latent knowledge from frozen models as "Discovering Latent Knowledge" reads them: contrast pairs from
 * prompt templates with label words ({@link w2s.elicit.ContrastTemplate}, fitted to the token limit without losing
 * the answer by {@link w2s.elicit.PromptFitter}), the last token's hidden state, contrast-consistent search
 * ({@link w2s.elicit.Ccs}) and VINC ({@link w2s.elicit.Vinc}) compared with a supervised probe, a random direction
 * and, for decoders, the zero-shot answer ({@link w2s.elicit.ZeroShot}) by {@link w2s.elicit.Elicit}
 * ({@code w2s elicit}), per template and ensembled over templates; CCS as a weak supervisor ({@code --weak ccs:MODEL},
 * {@link w2s.elicit.CcsClassifier}); repair of weak labels with the strong model's activations
 * ({@link w2s.elicit.LabelRepair}, judged by {@link w2s.elicit.RepairReport}); and calibration
 * ({@link w2s.elicit.Calibration}).
 *
 * <p>Intended wiring of label repair into the experiment (between steps 1 and 2 of {@code Experiment.run}): read the
 * strong model's features of B with the student's own {@code FeatureSpec} (the memoised cache the probe uses), then
 * either {@code weakLabels = LabelRepair.repair(method, xB, weakLabels, seed)} or
 * {@code keep = LabelRepair.filter(method, fraction, xB, weakLabels, seed)} and train the student on
 * {@code B[keep]} with {@code weakLabels[keep]}. The configuration needs {@code repair} (none, knn, logreg, topo) and
 * {@code filterFraction} (0 = off) fields, part of the student's stage key but not of the weak model's; the result
 * should carry {@code RepairReport.of(weak, repaired, labels(B))} (or {@code RepairReport.Filtered}), which reads
 * ground truth of B for reporting only. Likewise calibration: fit {@code Calibration.fitTemperature} on a slice of B
 * held out from the student, labeled by the weak supervisor, and report ECE before and after with
 * {@code Metrics.reliability} for the diagram.
 */
package w2s.elicit;
