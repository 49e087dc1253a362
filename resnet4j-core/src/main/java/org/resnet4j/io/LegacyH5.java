package org.resnet4j.io;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.data.Preprocessing;
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

    private LegacyH5() {
    }

    /** Loads a legacy {@code .h5} Keras model. */
    public static SavedModel load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file + ": no such file");
        }
        String what = file.toString();
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
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            String version = stringAttribute(h5, "keras_version");
            if (version != null) {
                meta.put("keras_version", version);
            }
            int classes = model.outputs().get(0).shape().dim(-1);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add(Integer.toString(i));
            }
            return new SavedModel(model, optimizer, names, Preprocessing.UNIT, meta);
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
                Node d = g;
                for (String part : weightNames.get(i).split("/")) {
                    d = d instanceof Group gg ? gg.getChildren().get(part) : null;
                }
                if (!(d instanceof Dataset ds)) {
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
