package org.resnet4j.io;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.train.Optimizer;

/**
 * Reads the legacy HDF5 model files of {@code model.save("m.h5")} (Keras 2, tf.keras and
 * Keras 3's legacy writer): the {@code model_config} attribute (JSON; long ones split into
 * {@code model_config0}, {@code model_config1}, ...), and {@code model_weights/<layer>} groups
 * whose {@code weight_names} attribute lists the layer's datasets in Keras's order
 * ({@code conv2d/kernel:0} in Keras 2, {@code conv2d/kernel} in Keras 3).
 *
 * <p>Weights are matched to layers by name (the file's config and groups come from the same
 * model); a layer whose group is missing, or whose count or shapes differ, is named in one error
 * that lists every mismatch. A {@code training_config} recreates the optimizer when it is one
 * this library has (without its state).
 */
public final class LegacyH5 {

    /** The root attribute holding this library's {@link ModelMetadata} (Keras ignores it). */
    static final String METADATA = "resnet4j_metadata";

    /** Keras's limit for one attribute's data; longer lists are split into name0, name1, ... */
    private static final int HDF5_OBJECT_HEADER_LIMIT = 64512;

    private LegacyH5() {
    }

    /**
     * Writes {@code model} as Keras 3's {@code model.save("m.h5")} does: root attributes
     * {@code keras_version}, {@code backend}, {@code model_config} (legacy serialization) and,
     * with an optimizer, {@code training_config}; {@code model_weights} with {@code layer_names}
     * and one group per layer whose {@code weight_names} ({@code conv2d/kernel}, ...) name its
     * datasets; and, once the optimizer has taken a step, {@code optimizer_weights} in the order of
     * Keras's {@code optimizer.variables}. The metadata goes in a root attribute of its own.
     */
    public static void save(Path file, Model model, Optimizer optimizer, String loss, List<String> metrics,
                            ModelMetadata metadata) {
        Hdf5Writer w = new Hdf5Writer();
        Hdf5Writer.Group root = w.root();
        root.attribute("keras_version", ModelFiles.KERAS_VERSION);
        root.attribute("backend", "tensorflow");
        root.attribute("model_config", Json.writeAscii(ModelConfig.toKerasLegacy(model)));
        if (optimizer != null) {
            Map<String, Object> training = ModelFiles.compileConfig(optimizer, loss, metrics);
            training.remove("optimizer");
            Map<String, Object> opt = new LinkedHashMap<>();
            opt.put("class_name", optimizer.className());
            opt.put("config", optimizer.getConfig());
            training.put("optimizer_config", opt);
            root.attribute("training_config", Json.writeAscii(training));
        }
        root.attribute(METADATA, Json.writeAscii(metadata.toMap()));

        Hdf5Writer.Group weights = root.group("model_weights");
        strings(weights, "layer_names", model.layers().stream().map(Layer::name).toList());
        weights.attribute("backend", "tensorflow");
        weights.attribute("keras_version", ModelFiles.KERAS_VERSION);
        for (Layer layer : model.layers()) {
            Hdf5Writer.Group g = weights.group(layer.name());
            List<Parameter> ws = layer.weights();
            strings(g, "weight_names", ws.stream().map(Parameter::path).toList());
            for (Parameter p : ws) {
                g.dataset(p.path(), p.value().data(), p.value().shape().dims());
            }
        }
        strings(weights.group("top_level_model_weights"), "weight_names", List.of());

        if (optimizer != null && optimizer.iterations() > 0) {
            List<Parameter> trainable = model.trainableWeights();
            List<String> paths = optimizer.kerasVariablePaths(trainable);
            Hdf5Writer.Group g = root.group("optimizer_weights");
            strings(g, "weight_names", paths);
            KerasWeights.writeOptimizerVariables(g, optimizer, trainable, paths);
        }
        try {
            w.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the model: " + e.getMessage(), e);
        }
    }

    /**
     * A list of strings as Keras's {@code save_attributes_to_hdf5_group} stores it: one attribute,
     * or, when longer than Keras's limit, chunks {@code name0}, {@code name1}, ... split as
     * {@code numpy.array_split} splits.
     */
    static void strings(Hdf5Writer.Group g, String name, List<String> values) {
        int width = 1;
        for (String v : values) {
            width = Math.max(width, v.getBytes(StandardCharsets.UTF_8).length);
        }
        if (width > HDF5_OBJECT_HEADER_LIMIT) {
            // As Keras refuses: no chunking can fit a single string this long.
            throw new IllegalArgumentException("'" + name + "': a name of " + width + " bytes is longer than the "
                    + HDF5_OBJECT_HEADER_LIMIT + " an HDF5 attribute can hold");
        }
        int chunks = 1;
        while (chunkBytes(values.size(), chunks, width) > HDF5_OBJECT_HEADER_LIMIT) {
            chunks++;
        }
        if (chunks == 1) {
            g.attribute(name, values);
            return;
        }
        int from = 0;
        for (int c = 0; c < chunks; c++) {
            int n = values.size() / chunks + (c < values.size() % chunks ? 1 : 0);
            g.attribute(name + c, values.subList(from, from + n));
            from += n;
        }
    }

    /** Bytes of the largest of {@code chunks} near-equal chunks of {@code n} strings. */
    private static long chunkBytes(int n, int chunks, int width) {
        return (long) ((n + chunks - 1) / chunks) * width;
    }

    /**
     * Restores the optimizer's state from {@code optimizer_weights} when the file holds it in the
     * layout Keras 3 writes (step count, learning rate, then the state arrays); older layouts
     * (Keras 2 keeps no learning rate and orders its slots differently) leave the optimizer
     * fresh, as Keras does when the state does not fit.
     */
    private static void readOptimizerState(Group g, Model model, Optimizer optimizer, String what) {
        List<Parameter> trainable = model.trainableWeights();
        List<String> names = stringListAttribute(g, "weight_names");
        if (names.equals(optimizer.kerasVariablePaths(trainable))) {
            KerasWeights.readOptimizerVariables(g, "optimizer_weights", names, optimizer, trainable, what);
        }
    }

    /** Loads a legacy {@code .h5} Keras model. */
    public static SavedModel load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file + ": no such file");
        }
        String what = file.toString();
        Hdf5Files.checkComplete(file, what);
        HdfFile h5;
        try {
            h5 = new HdfFile(file);
        } catch (RuntimeException e) {
            throw new ModelFileException(what + ": not a readable HDF5 file (" + e.getMessage() + ")", e);
        }
        try (h5) {
            String configJson = stringAttribute(h5, "model_config");
            if (configJson == null) {
                throw new ModelFileException(what + ": no 'model_config' attribute: this HDF5 file holds weights only, "
                        + "not a whole Keras model (load them into a model built in Java instead)");
            }
            Model model = ModelConfig.fromKeras(Json.readObject(configJson, what + " model_config"), what);
            Node weightsNode = h5.getChildren().get("model_weights");
            Group weights = weightsNode instanceof Group g ? g : h5;
            readWeights(weights, model, what);
            Optimizer optimizer = null;
            String training = stringAttribute(h5, "training_config");
            if (training != null) {
                Map<String, Object> tc = Json.readObject(training, what + " training_config");
                Map<String, Object> cc = new LinkedHashMap<>();
                cc.put("optimizer", tc.get("optimizer_config"));
                optimizer = ModelFiles.optimizerFrom(cc, what);
                if (optimizer != null && h5.getChildren().get("optimizer_weights") instanceof Group ow) {
                    readOptimizerState(ow, model, optimizer, what);
                }
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            String ours = stringAttribute(h5, METADATA);
            if (ours != null) {
                meta.put("resnet4j", Json.readObject(ours, what + " " + METADATA));
            }
            return ModelFiles.savedModel(model, optimizer, meta);
        } catch (ModelFileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelFileException(what + ": cannot read the model (" + e.getMessage() + ")", e);
        }
    }

    /** Copies every layer's weights from its group under {@code root}; all mismatches in one error. */
    static void readWeights(Group root, Model model, String what) {
        List<String> problems = new ArrayList<>();
        for (Layer layer : model.layers()) {
            List<Parameter> ws = layer.weights();
            if (ws.isEmpty()) {
                continue;
            }
            Node node = root.getChildren().get(layer.name());
            if (!(node instanceof Group g)) {
                problems.add("layer '" + layer.name() + "' has no weight group in the file");
                continue;
            }
            List<String> weightNames = stringListAttribute(g, "weight_names");
            if (weightNames.size() != ws.size()) {
                problems.add("layer '" + layer.name() + "' expects " + ws.size() + " weight(s), the file has "
                        + weightNames.size() + " " + weightNames);
                continue;
            }
            for (int i = 0; i < ws.size(); i++) {
                if (!(KerasWeights.node(g, weightNames.get(i)) instanceof Dataset ds)) {
                    problems.add(layer.name() + "/" + weightNames.get(i) + " is missing");
                    continue;
                }
                String err = KerasWeights.assign(ws.get(i), ds);
                if (err != null) {
                    problems.add(weightNames.get(i) + " (" + ws.get(i).path() + "): " + err);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFileException(what + ": the weights do not fit the model: " + String.join("; ", problems));
        }
    }

    /** A string attribute, joining Keras's chunks ({@code name0}, {@code name1}, ...) of long values. */
    static String stringAttribute(Node node, String name) {
        Attribute a = node.getAttribute(name);
        if (a != null) {
            return asString(a.getData());
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; ; i++) {
            Attribute chunk = node.getAttribute(name + i);
            if (chunk == null) {
                break;
            }
            sb.append(asString(chunk.getData()));
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** A list-of-strings attribute (variable or fixed length, or a chunked one); empty when absent. */
    static List<String> stringListAttribute(Node node, String name) {
        List<String> out = new ArrayList<>();
        Attribute a = node.getAttribute(name);
        if (a == null) {
            for (int i = 0; node.getAttribute(name + i) != null; i++) {
                out.addAll(stringListAttribute(node, name + i));
            }
            return out;
        }
        Object data = a.getData();
        if (data instanceof Object[] arr) {
            for (Object o : arr) {
                out.add(asString(o));
            }
        } else if (data instanceof String s) {
            out.add(s);
        } else if (data != null && data.getClass().isArray() && java.lang.reflect.Array.getLength(data) == 0) {
            return out;
        } else if (data != null) {
            out.add(asString(data));
        }
        return out;
    }

    private static String asString(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (o instanceof Object[] arr && arr.length == 1) {
            return asString(arr[0]);
        }
        return String.valueOf(o);
    }
}
