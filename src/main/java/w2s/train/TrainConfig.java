package w2s.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Optimisation settings shared by every trainer. Defaults follow the openai reference where it applies (Adam,
 * cosine annealing over all steps, batch 32 with the loss over the whole batch); the probe defaults differ and are
 * explained in the README, because a probe on frozen features imitates its supervisor's mistakes unless regularised.
 *
 * <p>The settings added later (warm-up, optimiser, β2, dropout) are left out of the JSON at their defaults, so the
 * configurations, cache keys and cell keys of runs that do not use them are what they were before.
 *
 * @param epochs       passes over the training set
 * @param batchSize    examples per optimiser step; the loss sees the whole batch (logconf's quantile needs it)
 * @param lr           peak learning rate
 * @param weightDecay  weight decay: with "adam" an L2 penalty added to the gradient (torch's Adam weight_decay),
 *                     with "adamw" decoupled, {@code p -= lr · wd · p} before the update (torch's AdamW)
 * @param schedule     "cosine" (annealed to 0 over all steps), "linear" (decayed linearly to 0) or "constant"; after
 *                     any warm-up, as Hugging Face's schedulers with warm-up compute them
 * @param evalEvery    call the monitor every this many steps (0: never; {@link #EVAL_AUTO}: at about
 *                     {@link #CURVE_POINTS} evenly spaced steps, see {@link #curveEvery})
 * @param seed         seed of initialisation, batch order and dropout
 * @param warmupSteps  the learning rate rises linearly from 0 over this many steps (0: no warm-up)
 * @param optimizer    "adam" or "adamw"
 * @param beta2        Adam's second-moment decay (0.999, torch's default; EleutherAI uses 0.95)
 * @param dropout      fine-tuning: dropout rate on the head's input during training (0: off, as the openai code)
 * @param minSteps     at least this many optimiser steps, however small the training set: more passes over it than
 *                     {@code epochs} when epochs would give fewer (0: epochs alone decide). The references' epoch
 *                     counts assume thousands of documents; on a few hundred they give a dozen steps, too few to train
 */
public record TrainConfig(int epochs, int batchSize, double lr, double weightDecay, String schedule, int evalEvery,
                          long seed,
                          @JsonInclude(JsonInclude.Include.NON_DEFAULT) int warmupSteps,
                          @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = IsAdam.class) String optimizer,
                          @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = IsDefaultBeta2.class) Double beta2,
                          @JsonInclude(JsonInclude.Include.NON_DEFAULT) double dropout,
                          @JsonInclude(JsonInclude.Include.NON_DEFAULT) int minSteps) {
    public static final java.util.List<String> SCHEDULES = java.util.List.of("cosine", "linear", "constant");
    public static final java.util.List<String> OPTIMIZERS = java.util.List.of("adam", "adamw");
    public static final double DEFAULT_BETA2 = 0.999;
    /** {@link #evalEvery} for "about {@link #CURVE_POINTS} evenly spaced evaluations, however long training is". */
    public static final int EVAL_AUTO = -1;
    /** Evaluations per training under {@link #EVAL_AUTO}: enough to draw a curve's shape. */
    public static final int CURVE_POINTS = 20;

    public TrainConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
        if (!SCHEDULES.contains(schedule)) {
            throw new IllegalArgumentException("--schedule must be one of " + String.join(", ", SCHEDULES) + ", got "
                    + schedule);
        }
        if (warmupSteps < 0) throw new IllegalArgumentException("--warmup-steps must be 0 or more, got " + warmupSteps);
        if (optimizer == null) optimizer = "adam";
        if (!OPTIMIZERS.contains(optimizer)) {
            throw new IllegalArgumentException("--optimizer must be one of " + String.join(", ", OPTIMIZERS) + ", got "
                    + optimizer);
        }
        if (beta2 == null) beta2 = DEFAULT_BETA2;
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("--adam-beta2 must be in [0, 1), got " + beta2);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        if (evalEvery < EVAL_AUTO) throw new IllegalArgumentException("--eval-every must be auto, 0 (never) or more, got " + evalEvery);
        if (minSteps < 0) throw new IllegalArgumentException("--min-steps must be 0 or more, got " + minSteps);
    }

    /** Without a minimum number of steps: epochs alone decide, as before the minimum existed. */
    public TrainConfig(int epochs, int batchSize, double lr, double weightDecay, String schedule, int evalEvery,
                       long seed, int warmupSteps, String optimizer, Double beta2, double dropout) {
        this(epochs, batchSize, lr, weightDecay, schedule, evalEvery, seed, warmupSteps, optimizer, beta2, dropout, 0);
    }

    /** Adam, no warm-up, no dropout: the settings every trainer had before the others existed. */
    public TrainConfig(int epochs, int batchSize, double lr, double weightDecay, String schedule, int evalEvery,
                       long seed) {
        this(epochs, batchSize, lr, weightDecay, schedule, evalEvery, seed, 0, "adam", DEFAULT_BETA2, 0);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, lr, weightDecay, schedule, evalEvery, s, warmupSteps, optimizer,
                beta2, dropout, minSteps);
    }

    public TrainConfig withLr(double rate) {
        return new TrainConfig(epochs, batchSize, rate, weightDecay, schedule, evalEvery, seed, warmupSteps, optimizer,
                beta2, dropout, minSteps);
    }

    public TrainConfig withEvalEvery(int every) {
        return new TrainConfig(epochs, batchSize, lr, weightDecay, schedule, every, seed, warmupSteps, optimizer,
                beta2, dropout, minSteps);
    }

    public TrainConfig withMinSteps(int steps) {
        return new TrainConfig(epochs, batchSize, lr, weightDecay, schedule, evalEvery, seed, warmupSteps, optimizer,
                beta2, dropout, steps);
    }

    /**
     * How many steps apart the monitor is called when training on n examples: {@link #evalEvery}, or under
     * {@link #EVAL_AUTO} the step count over {@link #CURVE_POINTS}, rounded (at least 1), so a curve has about that
     * many points (and the last step) whatever the training's length.
     */
    public int curveEvery(int n) {
        if (evalEvery != EVAL_AUTO) return evalEvery;
        return Math.max(1, (int) Math.round(totalSteps(n) / (double) CURVE_POINTS));
    }

    /** Whether weight decay is decoupled from the gradient (AdamW). */
    public boolean decoupled() {
        return optimizer.equals("adamw");
    }

    /**
     * Number of optimiser steps for n training examples: as the reference counts them (n · epochs / batch), or
     * {@link #minSteps()} if that is more (the trainers then keep cycling over the shuffled documents).
     */
    public int totalSteps(int n) {
        return Math.max(Math.max(1, minSteps), (int) ((long) n * epochs / batchSize));
    }

    /**
     * Learning rate at a step (0-based): a linear warm-up from 0 over {@code warmupSteps}, then cosine annealing to 0
     * over the remaining steps (torch's CosineAnnealingLR when there is no warm-up), a linear decay to 0, or constant.
     * With warm-up these are Hugging Face's get_{cosine,linear,constant}_schedule_with_warmup.
     */
    public double lrAt(int step, int totalSteps) {
        if (step < warmupSteps) return lr * step / warmupSteps;
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (schedule) {
            case "constant" -> lr;
            case "linear" -> lr * Math.max(0, 1 - progress);
            default -> lr * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }

    /** Leaves "adam", the default optimiser, out of the JSON. */
    static final class IsAdam {
        @Override
        public boolean equals(Object value) {
            return value == null || "adam".equals(value);
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** Leaves the default β2 out of the JSON. */
    static final class IsDefaultBeta2 {
        @Override
        public boolean equals(Object value) {
            return value == null || Double.valueOf(DEFAULT_BETA2).equals(value);
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
