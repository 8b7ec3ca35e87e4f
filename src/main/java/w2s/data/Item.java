package w2s.data;

import java.util.List;

/**
 * One item of a task that is not a binary label on one text (see {@link ItemTask}).
 *
 * @param id    unique within the task
 * @param texts what a model reads: the one text of a K-class item; each candidate of a choice item as a whole
 *              document (prompt, blank line, candidate), so one scalar head scores every candidate alike; empty for a
 *              feature-matrix item, whose vectors come from per-model feature files by id
 * @param label the class, 0..K−1, or the index of the right candidate among the texts
 */
public record Item(String id, List<String> texts, int label) {
    public Item {
        texts = List.copyOf(texts);
        if (label < 0) throw new IllegalArgumentException("label must be 0 or more, got " + label + " for item " + id);
    }
}
