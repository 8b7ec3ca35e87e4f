package w2s.zoo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import w2s.torch.Device;
import w2s.torch.Dtype;
import w2s.torch.Torch;
import w2s.elicit.CcsClassifier;
import w2s.encode.EncoderSpec;
import w2s.encode.Encoders;
import w2s.encode.FeatureCache;
import w2s.encode.FeatureSource;
import w2s.encode.FeatureSpec;
import w2s.finetune.FineTuneClassifier;
import w2s.finetune.FineTuneConfig;
import w2s.model.Pooling;
import w2s.model.source.Pretrained;
import w2s.train.BagOfWords;
import w2s.train.Classifier;
import w2s.train.Probe;
import w2s.train.TrainConfig;

/**
 * Every model by name — "bow", the bundled encoders, bert-base, a model folder's path, a Hugging Face id, and
 * "ccs:MODEL" — with its default settings per {@link Training}, and the factory that turns a {@link ModelConfig}
 * into a {@link Classifier}.
 *
 * <p>Default training settings. Fine-tuning follows the reference (Adam, cosine, batch 32, 2 epochs, lr 5e-5 up to
 * GPT-2-medium's size and 1e-5 above, no weight decay). Probes differ on purpose: a probe on frozen features fits its
 * supervisor's mistakes within a few hundred steps, so its defaults are a short schedule with strong L2
 * regularisation, which lets weak-to-strong generalisation show where it exists (see the README); override them
 * with --lr, --epochs, --weight-decay.
 */
public final class Models {
    public static final String BOW = "bow";

    // Every model records its test accuracy at about TrainConfig.CURVE_POINTS steps unless told otherwise: training
    // curves by default. The cadence changes no model and enters no cache key (see StageCache.key).

    public static final TrainConfig BOW_TRAIN = new TrainConfig(10, 32, 1e-2, 1e-4, "cosine", TrainConfig.EVAL_AUTO, 0);
    public static final TrainConfig PROBE_TRAIN = new TrainConfig(2, 32, 1e-3, 1.0, "cosine", TrainConfig.EVAL_AUTO, 0);
    /**
     * Fine-tuning trains at least this many optimiser steps: the references' epochs assume thousands of documents
     * (openai: 2 epochs over 10,000 per half, batch 32, 625 steps; EleutherAI: 3 epochs, about 470), and on a few
     * hundred documents give a dozen steps, which leave every probability near 0.5 (see the README).
     */
    public static final int FINETUNE_MIN_STEPS = 200;
    public static final TrainConfig FINETUNE_TRAIN = new TrainConfig(2, 32, 5e-5, 0.0, "cosine", TrainConfig.EVAL_AUTO, 0)
            .withMinSteps(FINETUNE_MIN_STEPS);

    /** The precision probes and CCS read features in. */
    public static final String FP32 = "fp32";
    public static final List<String> DTYPES = List.of("auto", "fp32", "bf16");

    private Models() {}

    /** Refuses a precision name that does not exist (null: none asked for). */
    public static void checkDtype(String dtype) {
        if (dtype == null || DTYPES.contains(dtype)) return;
        throw new IllegalArgumentException("unknown dtype '" + dtype + "'; valid: " + String.join(", ", DTYPES));
    }

    /**
     * The precision a fine-tuned model trains in on a device, resolved before the model's configuration is keyed,
     * so that a result and its cache entry always name the dtype that produced them ("auto" never is recorded).
     */
    public static Dtype.Choice dtype(String dtype, String device) {
        checkDtype(dtype);
        return Torch.resolve(dtype, Device.parse(device));
    }

    /** The names known without a path or id: bow, the bundled encoders, their CCS supervisors, bert-base. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        names.add(BOW);
        for (EncoderSpec e : Encoders.all()) names.add(e.name());
        for (EncoderSpec e : Encoders.all()) names.add(CcsClassifier.PREFIX + e.name());
        for (String p : Pretrained.names()) if (!names.contains(p)) names.add(p);
        return names;
    }

    /** The default configuration of a model trained as {@code mode} ("probe" or "finetune"; bow ignores it). */
    public static ModelConfig defaults(String name, String mode) {
        if (name.equals(BOW)) return new ModelConfig(BOW, Training.SCRATCH, null, null, null, "linear", BOW_TRAIN, null);
        if (name.startsWith(CcsClassifier.PREFIX)) {
            // Unsupervised: CCS on the middle layer, read as `w2s elicit` reads it (the last token of prompts with
            // label words); only the seed of the training settings is used.
            FeatureSource source = FeatureSource.of(name.substring(CcsClassifier.PREFIX.length()));
            return new ModelConfig(name, Training.CCS, "middle", Pooling.LAST.id(), Math.min(256,
                    source.maxPositions()), "ccs", PROBE_TRAIN, null);
        }
        Training training = Training.parse(mode);
        FeatureSource source = FeatureSource.of(name);
        return switch (training) {
            // Probes of encoders read the middle layer, as EleutherAI's probes do: frozen final-layer states of
            // sentence encoders are tuned for similarity and carry less of what a task needs (on grammar,
            // minilm-l6's last-layer ceiling falls below the bag-of-words supervisor, its middle layer does not).
            // Decoders are probed as the openai reference's linear_probe reads them: the last token's final state.
            case PROBE -> new ModelConfig(name, Training.PROBE, source.causal() ? "last" : "middle",
                    defaultPooling(source), Math.min(256, source.maxPositions()), "linear", PROBE_TRAIN, null);
            case FINETUNE -> new ModelConfig(name, Training.FINETUNE, null, defaultPooling(source),
                    Math.min(128, source.maxPositions()), "linear",
                    FINETUNE_TRAIN.withLr(Pretrained.get(name).learningRate()), 0, null, dtype("auto", "auto").dtype().id(),
                    "auto", false);
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "'; valid modes: probe, finetune");
        };
    }

    /**
     * A model known only by its feature file (a feature-matrix task's {@code --features NAME=FILE}): a probe on the
     * file's vectors, with the probe's training defaults; no layer, pooling or token limit, since nothing is encoded.
     */
    public static ModelConfig featureModel(String name) {
        return new ModelConfig(name, Training.PROBE, null, null, null, "linear", PROBE_TRAIN, null);
    }

    /** Encoders are read as their sentence-embedding training pooled them (the mean); decoders at the last token. */
    private static String defaultPooling(FeatureSource source) {
        return source.causal() ? Pooling.LAST.id() : Pooling.MEAN.id();
    }

    /**
     * A classifier for a configuration. Features of probes come from the given on-disk cache and are also memoised in
     * memory for the lifetime of the returned classifier, since a run asks for the same texts repeatedly.
     */
    public static Classifier classifier(ModelConfig config, FeatureCache features) {
        return classifier(config, features, null);
    }

    /** As {@link #classifier(ModelConfig, FeatureCache)}; the task's name picks CCS's prompt templates. */
    public static Classifier classifier(ModelConfig config, FeatureCache features, String task) {
        return switch (config.mode()) {
            case SCRATCH -> BagOfWords.standard();
            case PROBE -> new Probe(config.name(), memoised(config.features(), features), config.head());
            case CCS -> {
                String encoder = config.name().substring(CcsClassifier.PREFIX.length());
                yield CcsClassifier.standard(encoder, memoised(new FeatureSpec(encoder, config.layer(),
                        config.pooling(), config.maxTokens(), config.truncate()), features), task, config.maxTokens());
            }
            case FINETUNE -> {
                yield new FineTuneClassifier(Pretrained.get(config.name()), FineTuneConfig.defaults()
                        .withPooling(Pooling.parse(config.pooling())).withMaxTokens(config.maxTokens())
                        .withFreezeLayers(config.freezeLayers() != null ? config.freezeLayers() : 0)
                        .withLora(config.lora()).withDevice(config.device() != null ? config.device() : "auto")
                        .withKeepGraphs(!Boolean.TRUE.equals(config.gradCheckpoint()))
                        .withTruncateLeft("left".equals(config.truncate()))
                        .withDtype(config.dtype() != null ? config.dtype() : FP32));
            }
        };
    }

    /**
     * What a model's configuration implies about how it runs, for models that do not report it themselves: bow
     * computes in Java doubles; probes and CCS read fp32 features on the CPU (their heads train in Java doubles);
     * a fine-tuned model in fp32 on its device. Parameter counts are left out (null) here.
     */
    public static Classifier.Footprint footprint(ModelConfig config) {
        return switch (config.mode()) {
            case SCRATCH -> new Classifier.Footprint(null, null, "fp64", "cpu");
            case PROBE, CCS -> new Classifier.Footprint(null, null, FP32, "cpu");
            case FINETUNE -> new Classifier.Footprint(null, null, config.dtype() != null ? config.dtype() : FP32,
                    config.device() != null ? config.device() : "auto");
        };
    }

    /**
     * A pretrained model's frozen features of texts, as its probe reads them (its layer, pooling and token limit), from
     * the on-disk cache and memoised in memory for the lifetime of the function: for heads other than a
     * {@link Classifier}'s, such as a choice task's candidate scorer.
     */
    public static java.util.function.Function<List<String>, float[][]> textFeatures(ModelConfig config,
                                                                                  FeatureCache cache) {
        if (config.mode() != Training.PROBE) {
            throw new IllegalArgumentException(config.describe() + " has no frozen features; a probe (--mode probe) has");
        }
        return memoised(config.features(), cache);
    }

    private static java.util.function.Function<List<String>, float[][]> memoised(FeatureSpec spec, FeatureCache cache) {
        Map<String, float[]> memo = new HashMap<>();
        return texts -> {
            List<String> missing = texts.stream().filter(t -> !memo.containsKey(t)).distinct().toList();
            if (!missing.isEmpty()) {
                float[][] x = cache.features(spec, missing, true);
                for (int i = 0; i < x.length; i++) memo.put(missing.get(i), x[i]);
            }
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) out[i] = memo.get(texts.get(i));
            return out;
        };
    }
}
