package w2s.cli;

import java.io.UncheckedIOException;

import picocli.CommandLine.Command;
import picocli.CommandLine;

import w2s.base.EditDistance;
import w2s.data.DataException;
import w2s.hub.HubException;
import w2s.train.TrainingFailedException;

/** The {@code w2s} command line. */
@Command(name = "w2s", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Weak-to-strong generalization experiments on pretrained encoders and decoder language models.",
        subcommands = {DemoCommand.class, RunCommand.class, SweepCommand.class, ResultsCommand.class,
                ReportCommand.class, TasksCommand.class, ModelsCommand.class, ElicitCommand.class, EmbedCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit status: 0 success, 2 bad input, 3 a failed run. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // A mistyped option: the error, picocli's "did you mean", and where the full usage is, not the whole usage.
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            java.io.PrintWriter err = command.getErr();
            err.println("w2s: " + e.getMessage());
            boolean suggested = CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            if (!suggested && e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
                // picocli only suggests options that share the first two letters; catch --n_train for --n-train too.
                String typed = u.getUnmatched().get(0).split("=", 2)[0];
                java.util.List<String> close = typed.startsWith("-") ? closeOptions(command, typed) : java.util.List.of();
                if (!close.isEmpty()) err.println("Did you mean: " + String.join(" or ", close) + "?");
            }
            err.println("see 'w2s " + (command.getParent() == null ? "" : command.getCommandName() + " ") + "--help'");
            err.flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable cause = e;
            if (cause instanceof DataException || cause instanceof IllegalArgumentException
                    || cause instanceof UncheckedIOException || cause instanceof HubException) {
                commandLine.getErr().println("w2s: " + cause.getMessage());
                return 2;
            }
            if (cause instanceof TrainingFailedException || cause instanceof ArithmeticException) {
                commandLine.getErr().println("w2s: run failed, no result written: " + cause.getMessage());
                return 3;
            }
            if (cause instanceof java.io.IOException) {
                commandLine.getErr().println("w2s: " + cause.getMessage());
                return 2;
            }
            // Anything else is a defect of w2s: one line, and the stack trace only when asked for.
            if (System.getenv("W2S_DEBUG") != null) throw e;
            commandLine.getErr().println("w2s: internal error: " + cause + " (W2S_DEBUG=1 shows the stack trace)");
            return 4;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // Every file is written whole or not at all, so what a run had finished is kept and a rerun resumes.
            System.err.printf("w2s: out of Java heap (%,d MB): give the JVM more, e.g. W2S_JAVA_OPTS=-Xmx%dg bin/w2s ..."
                    + " (bin/w2s's default is -Xmx6g)%n", Runtime.getRuntime().maxMemory() >> 20,
                    Math.max(2, 2 * (Runtime.getRuntime().maxMemory() >> 30)));
            return 3;
        }
    }

    /** The command's options closest to a mistyped one ({@code --n_train}: {@code --n-train}), by edit distance. */
    static java.util.List<String> closeOptions(CommandLine command, String typed) {
        String t = typed.replace('_', '-').toLowerCase(java.util.Locale.ROOT);
        int best = Integer.MAX_VALUE;
        java.util.List<String> out = new java.util.ArrayList<>();
        for (CommandLine.Model.OptionSpec o : command.getCommandSpec().options()) {
            for (String name : o.names()) {
                int d = EditDistance.between(t, name);
                if (d > Math.max(2, name.length() / 3)) continue;
                if (d < best) {
                    best = d;
                    out.clear();
                }
                if (d == best && !out.contains(o.longestName())) out.add(o.longestName());
            }
        }
        return out;
    }

    /** {@code --quiet}, accepted by every command: no progress bars (results, warnings and errors still print). */
    @picocli.CommandLine.Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT,
            description = "no progress bars; results, warnings and errors still print")
    void setQuiet(boolean quiet) {
        w2s.base.Progress.setQuiet(quiet);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** {@code w2s --version}: the version and commit the build recorded, as every result records them. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"w2s " + w2s.experiment.Build.CURRENT.version() + " (commit "
                    + w2s.experiment.Build.CURRENT.commit() + ")"};
        }
    }
}
