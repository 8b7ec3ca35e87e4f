package w2s.cli;

import java.io.UncheckedIOException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import w2s.data.DataException;
import w2s.model.source.HubException;
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
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable cause = e;
            if (cause instanceof DataException || cause instanceof IllegalArgumentException
                    || cause instanceof UncheckedIOException || cause instanceof HubException) {
                commandLine.getErr().println("w2s: " + cause.getMessage());
                return 2;
            }
            if (cause instanceof TrainingFailedException) {
                commandLine.getErr().println("w2s: run failed, no result written: " + cause.getMessage());
                return 3;
            }
            throw e;
        });
        return cli.execute(args);
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
