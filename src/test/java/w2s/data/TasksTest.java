package w2s.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class TasksTest {
    @Test
    void namesAndDataMustMatch() {
        assertTrue(assertThrows(DataException.class, () -> Tasks.load("ppa", Path.of("x.jsonl"))).getMessage()
                .contains("built-in task 'ppa' takes no --data"));
        // The tests run with HF_HUB_OFFLINE=1 and a cache without sciq.
        String offline = assertThrows(w2s.hub.HubException.class, () -> Tasks.load("sciq")).getMessage();
        assertTrue(offline.contains("allenai/sciq is not in the Hugging Face cache") && offline.contains("--data PATH"),
                offline);
        assertTrue(assertThrows(DataException.class, () -> Tasks.load("nope", Path.of("x"))).getMessage()
                .contains("no converter named 'nope'"));
        String unknown = assertThrows(DataException.class, () -> Tasks.load("nope")).getMessage();
        assertTrue(unknown.contains("built-in tasks: grammar, grammar_pref, ppa") && unknown.contains("sciq"), unknown);
    }
}
