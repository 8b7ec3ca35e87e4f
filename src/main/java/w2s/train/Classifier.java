package w2s.train;

import java.util.List;

import w2s.data.Example;

/**
 * A model family that learns a binary task from soft labels: the weak supervisor, the student and the ceiling are all
 * classifiers, trained by {@link #fit} and then asked for class probabilities. Implementations: a bag-of-words model
 * trained from scratch, a probe on frozen encoder features, a fully fine-tuned encoder.
 */
public interface Classifier {

    /** A short description used in tables and results, e.g. "minilm-l6 probe". */
    String describe();

    /**
     * Trains a fresh model.
     *
     * @param train   the training documents
     * @param labels  N×K soft labels, row i for train.get(i) (one-hot for ground truth); K = 2 for a binary task,
     *                and K classes for a K-class task, whose documents then come as examples whose own label is
     *                unused (probes and bag of words learn K outputs from the labels' width)
     * @param loss    the loss, called on the logits of each whole batch
     * @param config  optimisation settings
     * @param monitor called every {@code config.evalEvery()} steps with the model so far, and after every optimiser
     *                step with its training loss (may be {@link Monitor#NONE})
     */
    Trained fit(List<Example> train, double[][] labels, Loss loss, TrainConfig config, Monitor monitor);

    /** A trained model. */
    interface Trained {
        /** N×K class probabilities. */
        double[][] predict(List<Example> examples);

        /** What was trained and how it ran, where the model knows it; null otherwise. */
        default Footprint footprint() {
            return null;
        }
    }

    /**
     * How a model was trained, as results record it.
     *
     * @param trainableParameters parameters the optimiser updated (null where not counted)
     * @param totalParameters     every parameter of the model, frozen ones included (null where not counted)
     * @param dtype               the floating-point type the model's arithmetic ran in: "fp32" (torch, ONNX),
     *                            "fp64" (the bag-of-words model's Java arithmetic)
     * @param device              where it ran: "cpu" or "cuda:N"
     */
    record Footprint(Long trainableParameters, Long totalParameters, String dtype, String device) {}

    /** Observes training, for curves of test accuracy and of the training loss over steps. */
    interface Monitor {
        Monitor NONE = (step, totalSteps, model) -> {};

        /** Every {@code evalEvery} steps and at the last: the model so far, to score; it must not be kept. */
        void atStep(int step, int totalSteps, Trained model);

        /**
         * After every optimiser step (1-based): the loss the optimiser minimised on that step's batch, as the trainer
         * computed it (the mean over the batch, auxiliary terms such as logconf's included). Ignored by default.
         */
        default void loss(int step, int totalSteps, double loss) {}
    }
}
