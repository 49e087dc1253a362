package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.resnet4j.graph.Model;
import org.resnet4j.graph.ModelSummary;
import org.resnet4j.models.Architectures;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet4j summary}: a model's layers, output shapes and parameter counts. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's layer-by-layer summary, as Keras's model.summary() does.")
final class SummaryCommand implements Callable<Integer> {

    /** Output layouts. */
    enum Format { table, tsv }

    @Option(names = "--arch", defaultValue = "resnet50",
            description = "Architecture to build: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = ArchNames.class)
    String arch;

    @Option(names = "--input", defaultValue = "64,64,3", split = ",",
            description = "Input shape height,width,channels. Default: ${DEFAULT-VALUE}.")
    int[] input;

    @Option(names = "--classes", defaultValue = "6", description = "Number of classes. Default: ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = "--format", defaultValue = "table",
            description = "table (Keras's table) or tsv (index, type, output_shape, params, extra). "
                    + "Default: ${DEFAULT-VALUE}.")
    Format format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (input.length != 3) {
            throw new UserException("--input must be height,width,channels (three numbers); received "
                    + input.length + " number(s)");
        }
        Model model = Architectures.build(arch, input, classes);
        ModelSummary summary = model.summary();
        PrintWriter out = spec.commandLine().getOut();
        out.print(format == Format.tsv ? summary.toTsv() : summary.toTable());
        out.flush();
        return 0;
    }

    /** The architecture names, for help and completion. */
    static final class ArchNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Architectures.names().iterator();
        }
    }
}
