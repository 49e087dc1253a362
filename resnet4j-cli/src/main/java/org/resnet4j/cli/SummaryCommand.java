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

    @Option(names = "--model", paramLabel = "FILE", description = "Summarise a saved Keras model (.keras or .h5) instead of building --arch.")
    java.nio.file.Path model;

    @Option(names = "--list-archs", description = "List the architectures --arch knows, and exit.")
    boolean listArchs;

    @Option(names = "--json", description = "Print one JSON object: layers and parameter totals.")
    boolean json;

    @Option(names = "--format", defaultValue = "table",
            description = "table (Keras's table) or tsv (index, type, output_shape, params, extra). "
                    + "Default: ${DEFAULT-VALUE}.")
    Format format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (listArchs) {
            for (String a : Architectures.names()) {
                spec.commandLine().getOut().println(a);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
        Model built;
        if (model != null) {
            built = org.resnet4j.io.ModelFiles.load(model).model();
        } else {
            if (input.length != 3) {
                throw new UserException("--input must be height,width,channels (three numbers); received "
                        + input.length + " number(s)");
            }
            built = Architectures.build(arch, input, classes);
        }
        ModelSummary summary = built.summary();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            java.util.List<Object> layers = new java.util.ArrayList<>();
            for (ModelSummary.Row r : summary.rows()) {
                java.util.Map<String, Object> l = new java.util.LinkedHashMap<>();
                l.put("name", r.name());
                l.put("type", r.type());
                l.put("output_shape", r.outputShape().toString());
                l.put("params", r.params());
                l.put("connected_to", r.connectedTo());
                l.put("extra", r.extra());
                layers.add(l);
            }
            java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
            o.put("model", built.name());
            o.put("layers", layers);
            o.put("total_params", summary.totalParams());
            o.put("trainable_params", summary.trainableParams());
            o.put("non_trainable_params", summary.nonTrainableParams());
            out.println(org.resnet4j.io.Json.write(o));
        } else {
            out.print(format == Format.tsv ? summary.toTsv() : summary.toTable());
        }
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
