package w2s.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import w2s.elicit.CcsClassifier;
import w2s.encode.EncoderSpec;
import w2s.encode.Encoders;
import w2s.finetune.FineTuneClassifier;
import w2s.finetune.FineTuneConfig;
import w2s.finetune.Pretrained;
import w2s.encode.FeatureCache;
import w2s.encode.FeatureSpec;
import w2s.train.TrainConfig;

/**
 * The model registry: "bow" and every bundled encoder, each with default settings per mode, and the factory that
 * turns a {@link ModelConfig} into a {@link Classifier}.
 *
 * <p>Default training settings. Fine-tuning follows the reference (Adam, cosine, batch 32, 2 epochs, lr 5e-5, no
 * weight decay). Probes differ on purpose: a probe on frozen features fits its supervisor's mistakes within a few
 * hundred steps, so its defaults are a short schedule with strong L2 regularisation, which lets weak-to-strong
 * generalisation show where it exists (see the README); override them with --lr, --epochs, --weight-decay.
 */
public final class Models {
    public static final String BOW = "bow";

    public static final TrainConfig BOW_TRAIN = new TrainConfig(10, 32, 1e-2, 1e-4, "cosine", 0, 0);
    public static final TrainConfig PROBE_TRAIN = new TrainConfig(2, 32, 1e-3, 1.0, "cosine", 0, 0);
    public static final TrainConfig FINETUNE_TRAIN = new TrainConfig(2, 32, 5e-5, 0.0, "cosine", 0, 0);

    private Models() {}

    public static List<String> names() {
        List<String> names = new ArrayList<>();
        names.add(BOW);
        for (EncoderSpec e : Encoders.all()) names.add(e.name());
        for (EncoderSpec e : Encoders.all()) names.add(CcsClassifier.PREFIX + e.name());
        for (String p : Pretrained.names()) if (!names.contains(p)) names.add(p); // bert-base: fine-tuning only
        return names;
    }

    /** The default configuration of a model in a mode ("probe" or "finetune"; bow is always trained from scratch). */
    public static ModelConfig defaults(String name, String mode) {
        if (name.equals(BOW)) return new ModelConfig(BOW, "scratch", null, null, null, "linear", BOW_TRAIN, null);
        if (name.startsWith(CcsClassifier.PREFIX) && names().contains(name)) {
            // Unsupervised: CCS on the middle layer, as the probes read it; only the seed of the training settings is used.
            return new ModelConfig(name, "ccs", "middle", "mean", 256, "ccs", PROBE_TRAIN, null);
        }
        if (!names().contains(name) && !Pretrained.isFolder(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "'; valid models: " + String.join(", ", names())
                    + ", or the path of a Hugging Face BERT folder (config.json, model.safetensors, tokenizer.json)");
        }
        if (mode.equals("probe") && !onnx(name)) {
            // No ONNX graph to read features from (bert-base): probe as the reference's linear_probe does, a head
            // trained on the frozen backbone's last layer, every layer frozen.
            return new ModelConfig(name, "probe", "last", "mean", 128, "linear", PROBE_TRAIN,
                    Pretrained.get(name).layers());
        }
        return switch (mode) {
            // Probes read the middle layer, as EleutherAI's probes do: frozen final-layer states of sentence encoders
            // are tuned for similarity and carry less of what a task needs (on grammar, minilm-l6's last-layer
            // ceiling falls below the bag-of-words supervisor, its middle layer does not).
            case "probe" -> new ModelConfig(name, "probe", "middle", "mean", 256, "linear", PROBE_TRAIN, null);
            case "finetune" -> new ModelConfig(name, "finetune", "last", "mean", 128, "linear",
                    FINETUNE_TRAIN.withLr(Pretrained.get(name).learningRate()), 0);
            default -> throw new IllegalArgumentException("unknown mode '" + mode + "'; valid modes: probe, finetune");
        };
    }

    /**
     * A classifier for a configuration. Features of probes come from the given on-disk cache and are also memoised in
     * memory for the lifetime of the returned classifier, since a run asks for the same texts repeatedly.
     */
    public static Classifier classifier(ModelConfig config, FeatureCache features) {
        return switch (config.mode()) {
            case "scratch" -> BagOfWords.standard();
            case "probe" -> onnx(config.name()) ? new Probe(config.name(), memoised(config.features(), features),
                    config.head()) : fineTuned(config);
            case "ccs" -> {
                String encoder = config.name().substring(CcsClassifier.PREFIX.length());
                yield CcsClassifier.standard(encoder, memoised(new FeatureSpec(encoder, config.layer(),
                        config.pooling(), config.maxTokens()), features));
            }
            case "finetune" -> fineTuned(config);
            default -> throw new IllegalArgumentException("mode " + config.mode() + " is not available for "
                    + config.name());
        };
    }

    private static boolean onnx(String name) {
        return Encoders.all().stream().anyMatch(e -> e.name().equals(name));
    }

    private static Classifier fineTuned(ModelConfig config) {
        return new FineTuneClassifier(Pretrained.get(config.name()), FineTuneConfig.defaults()
                .withPooling(Pooling.parse(config.pooling())).withMaxTokens(config.maxTokens())
                .withFreezeLayers(config.freezeLayers() != null ? config.freezeLayers() : 0));
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
