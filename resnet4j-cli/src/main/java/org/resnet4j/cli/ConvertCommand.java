package org.resnet4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.resnet4j.io.ModelFiles;
import org.resnet4j.io.ModelMetadata;
import org.resnet4j.io.SavedModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code resnet4j convert}: a Keras model file (legacy .h5 or .keras) to Keras 3's .keras format. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Keras model file (legacy .h5/.hdf5 or .keras) to Keras 3's .keras format.",
                "Weights, the optimizer (when the file names one) and what the file records travel along."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "The model file to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The .keras file to write.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String name = out.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".h5") || name.endsWith(".hdf5")) {
            throw new UserException("writing the legacy .h5 format is not supported yet: its model config, over 64 KiB "
                    + "for a ResNet, needs HDF5 dense attribute storage; write " + out.getFileName() + " as .keras");
        }
        if (!name.endsWith(".keras")) {
            throw new UserException("OUT must be a .keras file; received " + out);
        }
        SavedModel m = ModelFiles.load(in);
        ModelMetadata meta = new ModelMetadata().classNames(m.classNames()).preprocessing(m.preprocessing())
                .put("converted_from", in.getFileName().toString());
        m.metadata().forEach((k, v) -> {
            if (!k.startsWith("format_version") && !k.startsWith("library")) {
                meta.put(k, v);
            }
        });
        ModelFiles.save(out, m.model(), m.optimizer(), m.optimizer() != null ? "categorical_crossentropy" : null,
                List.of("accuracy"), meta);
        spec.commandLine().getOut().printf("%s -> %s (%,d parameters)%n", in, out, m.model().countParams());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
