package w2s.zoo;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a model learns a task. Written in results as its lower-case name. */
public enum Training {
    /** Trained from nothing (the bag-of-words model). */
    SCRATCH,
    /** A head on the frozen backbone's cached features (the reference's {@code linear_probe}). */
    PROBE,
    /** Every weight of the backbone trained with the head (or all above {@code --freeze-layers}). */
    FINETUNE,
    /** Unsupervised: contrast-consistent search on the frozen features (a supervisor only). */
    CCS;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Training parse(String name) {
        for (Training t : values()) if (t.id().equals(name.trim().toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("unknown mode '" + name + "'; valid modes: probe, finetune");
    }

    @Override
    public String toString() {
        return id();
    }
}
