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

/** {@code resnet4j convert}: a Keras model file to the other format (.keras or legacy .h5). */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Keras model file between Keras 3's .keras format and the legacy HDF5 format "
                + "(.h5/.hdf5): OUT's extension chooses.",
                "Weights, the optimizer (when the file names one) and what the file records travel along."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "The model file to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The .keras or .h5 file to write.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (ModelFiles.extension(out) == null) {
            throw new UserException("OUT must be a .keras or .h5 file; received " + out);
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
