package org.resnet4j.io;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Names;
import org.resnet4j.layers.Parameter;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.train.Optimizer;

/**
 * Keras 3's {@code model.weights.h5}: one group per layer with weights,
 * {@code layers/<name>/vars/<i>}, where {@code <name>} is the snake-case class name counted
 * along the model's layers ({@code conv2d}, {@code conv2d_1}, ...), not the layer's own name,
 * exactly as Keras names them; and {@code optimizer/vars/<i>}: the step count, the learning
 * rate, then the optimizer's state for each trainable weight.
 *
 * <p>Layers without weights get no group: Keras reads a missing group as an empty one.
 */
public final class KerasWeights {

    private KerasWeights() {
    }

    /** Keras's weight-file group of every layer, by the class-name counting rule. */
    public static Map<Layer, String> groupNames(Model model) {
        Map<Layer, String> out = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (Layer l : model.layers()) {
            String base = Names.snakeCase(l.className());
            int n = counts.merge(base, 1, Integer::sum) - 1;
            out.put(l, n == 0 ? base : base + "_" + n);
        }
        return out;
    }

    /** Writes the weights (and, when not null, the optimizer state) of {@code model} to {@code file}. */
    public static void write(Path file, Model model, Optimizer optimizer) {
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            WritableGroup layers = null;
            for (Map.Entry<Layer, String> e : groupNames(model).entrySet()) {
                List<Parameter> ws = e.getKey().weights();
                if (ws.isEmpty()) {
                    continue;
                }
                if (layers == null) {
                    layers = h5.putGroup("layers");
                }
                WritableGroup vars = layers.putGroup(e.getValue()).putGroup("vars");
                for (int i = 0; i < ws.size(); i++) {
                    vars.putDataset(Integer.toString(i), nested(ws.get(i).value()));
                }
            }
            if (optimizer != null && optimizer.iterations() > 0) {
                WritableGroup vars = h5.putGroup("optimizer").putGroup("vars");
                vars.putDataset("0", Long.valueOf(optimizer.iterations()));
                vars.putDataset("1", Float.valueOf((float) optimizer.learningRate()));
                List<Parameter> trainable = model.trainableWeights();
                List<float[]> slots = optimizer.kerasSlotOrder(trainable);
                for (int i = 0; i < slots.size(); i++) {
                    // Slots follow the weights in order, weight-major or slot-major: either way
                    // slot i belongs to weight i modulo the weight count, or i / slots per weight.
                    Parameter owner = optimizer.kerasSlotOwner(trainable, i);
                    vars.putDataset(Integer.toString(i + 2), nested(slots.get(i), owner.value().shape().dims()));
                }
            }
        }
    }

    /** Reads weights written by Keras 3 (or by {@link #write}) into {@code model}; the optimizer too when given. */
    public static void read(HdfFile h5, Model model, Optimizer optimizer, String what) {
        List<String> problems = new ArrayList<>();
        Map<Layer, String> names = groupNames(model);
        for (Map.Entry<Layer, String> e : names.entrySet()) {
            List<Parameter> ws = e.getKey().weights();
            Group vars = group(h5, "layers/" + e.getValue() + "/vars");
            if (vars == null) {
                // Keras 2.13/2.14 wrote the same tree under another name.
                vars = group(h5, "_layer_checkpoint_dependencies/" + e.getValue() + "/vars");
            }
            int stored = vars == null ? 0 : datasetCount(vars);
            if (stored != ws.size()) {
                problems.add("layer '" + e.getKey().name() + "' (group layers/" + e.getValue() + ") expects "
                        + ws.size() + " weight(s), the file has " + stored);
                continue;
            }
            for (int i = 0; i < ws.size(); i++) {
                Parameter p = ws.get(i);
                Node n = vars.getChild(Integer.toString(i));
                String path = "layers/" + e.getValue() + "/vars/" + i;
                if (!(n instanceof Dataset d)) {
                    problems.add(path + " is missing");
                    continue;
                }
                String err = assign(p, d);
                if (err != null) {
                    problems.add(path + " (" + p.path() + "): " + err);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFileException(what + ": the weights do not fit the model: " + String.join("; ", problems));
        }
        Group opt = group(h5, "optimizer/vars");
        if (optimizer != null && opt != null) {
            List<Parameter> trainable = model.trainableWeights();
            List<float[]> slots = optimizer.kerasSlotOrder(trainable);
            if (datasetCount(opt) != 2 + slots.size()) {
                throw new ModelFileException(what + ": the optimizer state has " + datasetCount(opt)
                        + " variables; a " + optimizer.className() + " for this model has " + (2 + slots.size()));
            }
            if (!(opt.getChild("0") instanceof Dataset it) || !(it.getData() instanceof Number steps)
                    || !(opt.getChild("1") instanceof Dataset lrSet) || !(lrSet.getData() instanceof Number lr)) {
                throw new ModelFileException(what + ": optimizer/vars/0 and /1 must be the step count and the learning rate");
            }
            optimizer.setIterations(steps.longValue());
            optimizer.setLearningRate(lr.doubleValue());
            for (int i = 0; i < slots.size(); i++) {
                if (!(opt.getChild(Integer.toString(i + 2)) instanceof Dataset d)) {
                    throw new ModelFileException(what + ": optimizer/vars/" + (i + 2) + " is missing");
                }
                // Check the declared size before reading, so a crafted file cannot make us allocate.
                if (Shape.of(d.getDimensions()).size() != slots.get(i).length) {
                    throw new ModelFileException(what + ": optimizer/vars/" + (i + 2) + " has shape "
                            + Shape.of(d.getDimensions()) + "; expected " + slots.get(i).length + " values");
                }
                float[] values = floats(d);
                System.arraycopy(values, 0, slots.get(i), 0, values.length);
            }
        }
    }

    /** Copies a dataset into a weight after checking its shape and type; returns an error or null. */
    static String assign(Parameter p, Dataset d) {
        Shape want = p.value().shape();
        Shape got = Shape.of(d.getDimensions());
        if (!want.equals(got)) {
            return "shape " + got + ", expected " + want;
        }
        float[] values = floats(d);
        System.arraycopy(values, 0, p.value().data(), 0, values.length);
        return null;
    }

    /** A dataset's values as float32 (float64 is narrowed, as Keras's assign does). */
    static float[] floats(Dataset d) {
        Object flat = d.getDataFlat();
        if (flat instanceof float[] f) {
            return f;
        }
        if (flat instanceof double[] dd) {
            float[] f = new float[dd.length];
            for (int i = 0; i < dd.length; i++) {
                f[i] = (float) dd[i];
            }
            return f;
        }
        throw new ModelFileException(d.getPath() + ": expected float values; found " + flat.getClass().getSimpleName());
    }

    static Group group(Group root, String path) {
        Group g = root;
        for (String part : path.split("/")) {
            Node n = g.getChildren().get(part);
            if (!(n instanceof Group child)) {
                return null;
            }
            g = child;
        }
        return g;
    }

    private static int datasetCount(Group g) {
        int n = 0;
        for (Node c : g.getChildren().values()) {
            n += c instanceof Dataset ? 1 : 0;
        }
        return n;
    }

    /** A tensor as the nested Java array HDF5 writers take. */
    static Object nested(Tensor t) {
        return nested(t.data(), t.shape().dims());
    }

    static Object nested(float[] flat, int[] dims) {
        if (dims.length == 1) {
            return flat.clone();
        }
        Object out = Array.newInstance(float.class, dims);
        fill(out, flat, dims, 0, 0);
        return out;
    }

    private static int fill(Object arr, float[] flat, int[] dims, int level, int pos) {
        if (level == dims.length - 1) {
            float[] row = (float[]) arr;
            System.arraycopy(flat, pos, row, 0, row.length);
            return pos + row.length;
        }
        for (int i = 0; i < dims[level]; i++) {
            pos = fill(Array.get(arr, i), flat, dims, level + 1, pos);
        }
        return pos;
    }
}
