package org.resnet4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code resnet4j} command. Exit codes: 0 success, 1 an unexpected failure, 2 a user mistake
 * (bad option, missing file, incompatible shapes), reported in one line; {@code --verbose} adds the
 * stack trace.
 */
@Command(name = "resnet4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Keras-style residual networks in pure Java.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, SummaryCommand.class,
                ConvertCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code of a user mistake. */
    public static final int USAGE = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("resnet4j: " + ex.getMessage()
                    + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            if (main.verbose) {
                ex.printStackTrace(ex.getCommandLine().getErr());
            }
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            boolean userMistake = ex instanceof IllegalArgumentException || ex instanceof UserException;
            e.println("resnet4j: " + (userMistake ? "" : "error: ") + ex.getMessage());
            if (main.verbose) {
                ex.printStackTrace(e);
            }
            return userMistake ? USAGE : 1;
        });
        return cl.execute(args);
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"resnet4j " + (v != null ? v : "(development build)")};
        }
    }
}
