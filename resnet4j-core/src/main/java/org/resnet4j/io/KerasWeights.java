package org.resnet4j.io;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.resnet4j.train.Optimizer;

/**
 * Keras 3's {@code model.weights.h5}: one group per layer with weights,
 * {@code layers/<name>/vars/<i>}, where {@code <name>} is the snake-case class name counted
 * along the model's layers ({@code conv2d}, {@code conv2d_1}, ...), not the layer's own name,
 * exactly as Keras names them; and {@code optimizer/vars/<i>}: the step count, the learning
 * rate, then the optimizer's state for each trainable weight.
 *
 * <p>Layers without weights get an empty {@code vars} group, as Keras writes them; reading also
 * accepts a missing group as an empty one.
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

    /**
     * Writes the weights (and, when not null and stepped, the optimizer state) of {@code model}
     * to {@code file}, atomically. As Keras does, every layer gets its {@code vars} group, an
     * empty one when it has no weights, and so does the model itself.
     */
    public static void write(Path file, Model model, Optimizer optimizer) {
        Hdf5Writer w = new Hdf5Writer();
        Hdf5Writer.Group root = w.root();
        for (Map.Entry<Layer, String> e : groupNames(model).entrySet()) {
            Hdf5Writer.Group vars = root.group("layers/" + e.getValue() + "/vars");
            List<Parameter> ws = e.getKey().weights();
            for (int i = 0; i < ws.size(); i++) {
                vars.dataset(Integer.toString(i), ws.get(i).value().data(), ws.get(i).value().shape().dims());
            }
        }
        if (optimizer != null && optimizer.iterations() > 0) {
            List<Parameter> trainable = model.trainableWeights();
            writeOptimizerVariables(root.group("optimizer/vars"), optimizer, trainable,
                    indexNames(2 + optimizer.kerasSlotOrder(trainable).size()));
        }
        root.group("vars");
        try {
            // Only ever a scratch file inside the .keras being written, which is itself atomic.
            w.writeTo(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the weights: " + e.getMessage(), e);
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
            int count = 2 + optimizer.kerasSlotOrder(trainable).size();
            if (datasetCount(opt) != count) {
                throw new ModelFileException(what + ": the optimizer state has " + datasetCount(opt)
                        + " variables; a " + optimizer.className() + " for this model has " + count);
            }
            readOptimizerVariables(opt, "optimizer/vars", indexNames(count), optimizer, trainable, what);
        }
    }

    /** Keras 3's names of a {@code vars} group's datasets: {@code "0"} to {@code count - 1}. */
    private static List<String> indexNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    /**
     * Writes the optimizer's variables in Keras's order (the step count, the learning rate, then
     * its state arrays as {@link Optimizer#kerasSlotOrder} lists them) as datasets of {@code g}
     * named {@code names}.
     */
    static void writeOptimizerVariables(Hdf5Writer.Group g, Optimizer optimizer, List<Parameter> trainable,
                                        List<String> names) {
        g.dataset(names.get(0), optimizer.iterations());
        g.dataset(names.get(1), new float[] {(float) optimizer.learningRate()});
        List<float[]> slots = optimizer.kerasSlotOrder(trainable);
        for (int i = 0; i < slots.size(); i++) {
            // Slot i belongs to the weight kerasSlotOwner names (weight-major or slot-major order).
            g.dataset(names.get(i + 2), slots.get(i), optimizer.kerasSlotOwner(trainable, i).value().shape().dims());
        }
    }

    /**
     * Restores the optimizer from the datasets {@code names} of {@code g}, in the order
     * {@link #writeOptimizerVariables} writes them. Sizes are checked before anything is read, and
     * everything is read before the optimizer changes. {@code where} names {@code g} in errors.
     */
    static void readOptimizerVariables(Group g, String where, List<String> names, Optimizer optimizer,
                                       List<Parameter> trainable, String what) {
        List<float[]> slots = optimizer.kerasSlotOrder(trainable);
        List<Dataset> datasets = new ArrayList<>();
        for (String name : names) {
            if (!(node(g, name) instanceof Dataset d)) {
                throw new ModelFileException(what + ": " + where + "/" + name + " is missing");
            }
            datasets.add(d);
        }
        if (!(datasets.get(0).getData() instanceof Number steps) || !(datasets.get(1).getData() instanceof Number lr)) {
            throw new ModelFileException(what + ": " + where + "/" + names.get(0) + " and " + names.get(1)
                    + " must be the step count and the learning rate");
        }
        List<float[]> values = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            Dataset d = datasets.get(i + 2);
            // The declared size first, so that a crafted file cannot make us allocate.
            if (d.getSize() != slots.get(i).length) {
                throw new ModelFileException(what + ": " + where + "/" + names.get(i + 2) + " has " + d.getSize()
                        + " values; expected " + slots.get(i).length);
            }
            values.add(floats(d));
        }
        optimizer.setIterations(steps.longValue());
        optimizer.setLearningRate(lr.doubleValue());
        for (int i = 0; i < slots.size(); i++) {
            System.arraycopy(values.get(i), 0, slots.get(i), 0, slots.get(i).length);
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

    /** The node at {@code path} ({@code a/b/c}) below {@code root}, or {@code null}. */
    static Node node(Group root, String path) {
        Node n = root;
        for (String part : path.split("/")) {
            n = n instanceof Group g ? g.getChildren().get(part) : null;
        }
        return n;
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
}
