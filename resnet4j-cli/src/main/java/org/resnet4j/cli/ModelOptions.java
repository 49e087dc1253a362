package org.resnet4j.cli;

import java.nio.file.Path;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.io.ModelFiles;
import org.resnet4j.io.SavedModel;
import org.resnet4j.kernels.KernelRegistry;
import picocli.CommandLine.Option;

/** The options that every command reading a saved model shares. */
final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A Keras model file: .keras or legacy .h5.")
    Path model;

    @Option(names = "--preprocess", paramLabel = "MODE",
            description = "none, unit, caffe, tf or torch. Default: what the model was trained with (unit if unknown).")
    String preprocess;

    @Option(names = "--threads", description = "Kernel threads. Default: all processors.")
    Integer threads;

    /** Loads the model, applying the thread count first. */
    SavedModel load() {
        if (threads != null) {
            KernelRegistry.setThreads(threads);
        }
        return ModelFiles.load(model);
    }

    /** The preprocessing to use: the option when given, else the model's. */
    Preprocessing preprocessing(SavedModel m) {
        return preprocess != null ? Preprocessing.of(preprocess) : m.preprocessing();
    }
}
