package w2s.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import w2s.data.Item;
import w2s.data.ItemTask;
import w2s.data.Provenance;

/** Ground truth as one-hot rows: right values, and one row per (width, label), not one per item. */
class OneHotLabelsTest {
    private static final Provenance HERE = new Provenance("test", "here", "none", "0", Map.of());

    @Test
    void kClassGroundTruthSharesOneRowPerClass() {
        List<Item> items = List.of(new Item("a", List.of("x"), 2), new Item("b", List.of("y"), 0),
                new Item("c", List.of("z"), 2));
        ItemTask task = new ItemTask("k", ItemTask.Kind.CLASSES, List.of("r", "g", "b"), items, List.of(), HERE);
        double[][] y = ItemExperiment.oneHot(task, items);
        assertArrayEquals(new double[] {0, 0, 1}, y[0]);
        assertArrayEquals(new double[] {1, 0, 0}, y[1]);
        assertSame(y[0], y[2]);
        assertNotSame(y[0], y[1]);
    }

    @Test
    void choiceRowsAreAsWideAsTheirItemsCandidates() {
        List<Item> items = List.of(new Item("a", List.of("p", "q"), 1), new Item("b", List.of("p", "q", "r"), 1));
        ItemTask task = new ItemTask("c", ItemTask.Kind.CHOICE, List.of(), items, List.of(), HERE);
        double[][] y = ItemExperiment.oneHot(task, items);
        assertArrayEquals(new double[] {0, 1}, y[0]);
        assertArrayEquals(new double[] {0, 1, 0}, y[1]);
        assertEquals(2, y[0].length);
    }
}
