package org.resnet4j.io;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;

/**
 * Weights-only HDF5 files in the layout of Keras's {@code save_weights("w.h5")} and of the
 * ImageNet weight files Keras's applications publish: the root's {@code layer_names} attribute
 * lists the layers, each layer's group holds a {@code weight_names} attribute
 * ({@code conv1_conv/kernel:0}, ...) and the datasets at those paths. Loading matches layers by
 * name, as {@code load_weights(by_name=True)} does.
 *
 */
public final class WeightsH5 {

    private WeightsH5() {
    }

    /**
     * Writes {@code model}'s weights to {@code file} (atomically) as Keras 2's
     * {@code save_weights("w.h5")} does: every layer in {@code layer_names}, those without
     * weights with an empty {@code weight_names}.
     */
    public static void save(Path file, Model model) {
        Hdf5Writer w = new Hdf5Writer();
        Hdf5Writer.Group root = w.root();
        LegacyH5.strings(root, "layer_names", model.layers().stream().map(Layer::name).toList());
        root.attribute("backend", "tensorflow");
        root.attribute("keras_version", "2.15.0");
        for (Layer l : model.layers()) {
            Hdf5Writer.Group g = root.group(l.name());
            List<String> weightNames = new ArrayList<>();
            for (Parameter p : l.weights()) {
                String name = l.name() + "/" + p.name() + ":0";
                weightNames.add(name);
                g.dataset(name, p.value().data(), p.value().shape().dims());
            }
            LegacyH5.strings(g, "weight_names", weightNames);
        }
        try {
            w.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the weights: " + e.getMessage(), e);
        }
    }

    /**
     * Loads by layer name every layer of {@code model} that the file has; every layer the file
     * has but that does not fit (count or shape), and every layer of the model the file lacks
     * when {@code requireAll}, is named in one error, and then nothing is changed.
     */
    public static WeightsReport load(Path file, Model model, boolean requireAll) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file + ": no such file");
        }
        Hdf5Files.checkComplete(file, file.toString());
        try (HdfFile h5 = new HdfFile(file)) {
            Group root = h5.getChildren().get("model_weights") instanceof Group mw ? mw : h5;
            Map<Parameter, Dataset> plan = new LinkedHashMap<>();
            List<String> loaded = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            // The file's layers that hold weights (Keras lists the others too, with no weight names).
            Set<String> fileLayers = new LinkedHashSet<>();
            for (String name : LegacyH5.stringListAttribute(root, "layer_names")) {
                if (!(root.getChildren().get(name) instanceof Group g) || !LegacyH5.stringListAttribute(g, "weight_names").isEmpty()) {
                    fileLayers.add(name);
                }
            }
            for (Layer l : model.layers()) {
                if (l.weights().isEmpty()) {
                    continue;
                }
                fileLayers.remove(l.name());
                if (!(root.getChildren().get(l.name()) instanceof Group g)) {
                    missing.add(l.name());
                    continue;
                }
                List<String> names = LegacyH5.stringListAttribute(g, "weight_names");
                if (names.size() != l.weights().size()) {
                    problems.add("layer '" + l.name() + "' has " + l.weights().size() + " weight(s), the file "
                            + names.size());
                    continue;
                }
                for (int i = 0; i < names.size(); i++) {
                    Parameter p = l.weights().get(i);
                    if (!(KerasWeights.node(g, names.get(i)) instanceof Dataset d)) {
                        problems.add(l.name() + "/" + names.get(i) + " is missing");
                    } else if (!org.resnet4j.tensor.Shape.of(d.getDimensions()).equals(p.value().shape())) {
                        problems.add("layer '" + l.name() + "': " + names.get(i) + " is "
                                + org.resnet4j.tensor.Shape.of(d.getDimensions()) + ", expected " + p.value().shape());
                    } else {
                        plan.put(p, d);
                    }
                }
                loaded.add(l.name());
            }
            if (requireAll && !missing.isEmpty()) {
                problems.add("no weights for layer(s) " + String.join(", ", missing));
            }
            if (!problems.isEmpty()) {
                throw new ModelFileException(file + ": the weights do not fit the model: " + String.join("; ", problems));
            }
            // Read everything before changing anything, so that a bad dataset leaves the model as it was.
            Map<Parameter, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<Parameter, Dataset> e : plan.entrySet()) {
                values.put(e.getKey(), KerasWeights.floats(e.getValue()));
            }
            for (Map.Entry<Parameter, float[]> e : values.entrySet()) {
                System.arraycopy(e.getValue(), 0, e.getKey().value().data(), 0, e.getValue().length);
            }
            return new WeightsReport(loaded, missing, new ArrayList<>(fileLayers));
        } catch (ModelFileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelFileException(file + ": not a readable HDF5 weight file (" + e.getMessage() + ")", e);
        }
    }
}
