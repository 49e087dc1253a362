package org.resnet4j.io;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.Shape;

/**
 * A functional model to and from Keras's model config: the JSON of {@code config.json} in a
 * {@code .keras} file and of the {@code model_config} attribute of a legacy {@code .h5} file.
 *
 * <p>Writing follows Keras 3: layers in Keras's own order (so that Keras names the weight
 * groups as we do), each with {@code module}, {@code class_name}, {@code config},
 * {@code registered_name}, {@code build_config}, {@code name} and {@code inbound_nodes} in the
 * {@code {"args": [...], "kwargs": {}}} form. Reading accepts Keras 3 and Keras 2 spellings
 * ({@code __keras_tensor__} nodes or nested lists, {@code batch_shape} or
 * {@code batch_input_shape}, flat or nested {@code input_layers}), and Sequential models.
 */
public final class ModelConfig {

    private ModelConfig() {
    }

    /** The Keras 3 serialization of {@code model} (without {@code compile_config}). */
    public static Map<String, Object> toKeras(Model model) {
        Map<Layer, List<Node>> nodesOf = nodesByLayer(model);
        List<Object> layers = new ArrayList<>();
        for (Layer layer : model.layers()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("module", "keras.layers");
            entry.put("class_name", layer.className());
            Map<String, Object> config = layer.getConfig();
            if (layer instanceof InputLayer) {
                // Keras's InputLayer config carries no 'trainable' and a plain dtype string.
                config.remove("trainable");
            }
            entry.put("config", config);
            entry.put("registered_name", null);
            List<Node> nodes = nodesOf.getOrDefault(layer, List.of());
            if (!(layer instanceof InputLayer) && !nodes.isEmpty()) {
                List<SymbolicTensor> ins = nodes.get(0).inputs();
                entry.put("build_config", Map.of("input_shape",
                        ins.size() == 1 ? shapeList(ins.get(0).shape()) : ins.stream().map(t -> shapeList(t.shape())).toList()));
            }
            entry.put("name", layer.name());
            List<Object> inbound = new ArrayList<>();
            for (Node node : nodes) {
                if (node.isInput()) {
                    continue;
                }
                List<Object> tensors = new ArrayList<>();
                for (SymbolicTensor t : node.inputs()) {
                    tensors.add(kerasTensor(t, nodesOf));
                }
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("args", node.inputs().size() == 1 ? tensors : List.of(tensors));
                n.put("kwargs", Map.of());
                inbound.add(n);
            }
            entry.put("inbound_nodes", inbound);
            layers.add(entry);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", model.name());
        config.put("trainable", true);
        config.put("layers", layers);
        config.put("input_layers", endpoints(model.inputs(), nodesOf));
        config.put("output_layers", endpoints(model.outputs(), nodesOf));
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("module", "keras.src.models.functional");
        top.put("class_name", "Functional");
        top.put("config", config);
        top.put("registered_name", "Functional");
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("input_shape", null);
        top.put("build_config", build);
        return top;
    }

    /**
     * The model config Keras 3 writes into a legacy {@code .h5} file ({@code model.save("m.h5")}):
     * {@code {"class_name": "Functional", "config": ...}}, each layer and nested object
     * (initializer, regularizer) as {@code {"class_name", "config"}} without {@code module},
     * {@code registered_name} or {@code build_config}, and inbound nodes as in {@link #toKeras}.
     */
    public static Map<String, Object> toKerasLegacy(Model model) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class_name", "Functional");
        out.put("config", legacy(toKeras(model).get("config")));
        return out;
    }

    private static Object legacy(Object v) {
        if (v instanceof Map<?, ?> m) {
            boolean serialized = m.containsKey("module") && m.containsKey("class_name");
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = (String) e.getKey();
                if (serialized && (key.equals("module") || key.equals("registered_name") || key.equals("build_config"))) {
                    continue;
                }
                out.put(key, legacy(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(legacy(o));
            }
            return out;
        }
        return v;
    }

    private static Object endpoints(List<SymbolicTensor> ts, Map<Layer, List<Node>> nodesOf) {
        List<Object> out = new ArrayList<>();
        for (SymbolicTensor t : ts) {
            out.add(List.of(t.node().layer().name(), nodesOf.get(t.node().layer()).indexOf(t.node()), 0));
        }
        return out.size() == 1 ? out.get(0) : out;
    }

    private static Map<String, Object> kerasTensor(SymbolicTensor t, Map<Layer, List<Node>> nodesOf) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("shape", shapeList(t.shape()));
        config.put("dtype", "float32");
        config.put("keras_history", List.of(t.node().layer().name(), nodesOf.get(t.node().layer()).indexOf(t.node()), 0));
        Map<String, Object> kt = new LinkedHashMap<>();
        kt.put("class_name", "__keras_tensor__");
        kt.put("config", config);
        return kt;
    }

    /** The nodes of each layer that belong to the model, in the order they run. */
    private static Map<Layer, List<Node>> nodesByLayer(Model model) {
        Map<Layer, List<Node>> out = new IdentityHashMap<>();
        for (Node n : model.nodes()) {
            out.computeIfAbsent(n.layer(), l -> new ArrayList<>()).add(n);
        }
        return out;
    }

    static List<Object> shapeList(Shape s) {
        List<Object> out = new ArrayList<>();
        for (int d : s.dims()) {
            out.add(d == Shape.UNKNOWN ? null : d);
        }
        return out;
    }

    /**
     * Builds the model a Keras model config describes. Unsupported layers are all named in one
     * error, before anything is built.
     *
     * @param what names the source in error messages (a file, an entry)
     */
    @SuppressWarnings("unchecked")
    public static Model fromKeras(Map<String, Object> top, String what) {
        Object cls = top.get("class_name");
        if ("Sequential".equals(cls) && top.get("config") instanceof List<?> oldStyle) {
            // Keras 2.1 wrote a Sequential model's config as the bare list of its layers.
            Map<String, Object> wrapped = new java.util.HashMap<>();
            wrapped.put("layers", oldStyle);
            wrapped.put("name", "sequential");
            Map<String, Object> t = new java.util.HashMap<>(top);
            t.put("config", wrapped);
            top = t;
        }
        if (!(top.get("config") instanceof Map<?, ?> cfgRaw)) {
            throw new ModelFileException(what + ": the model config has no 'config' object");
        }
        Map<String, Object> config = (Map<String, Object>) cfgRaw;
        if (!(config.get("layers") instanceof List<?> layerList)) {
            throw new ModelFileException(what + ": the model config has no 'layers' list");
        }
        List<Map<String, Object>> layers = new ArrayList<>();
        for (Object o : layerList) {
            if (!(o instanceof Map<?, ?>)) {
                throw new ModelFileException(what + ": every entry of 'layers' must be an object; found " + Json.typeName(o));
            }
            layers.add((Map<String, Object>) o);
        }
        List<Map<String, Object>> checked = new ArrayList<>();
        for (Map<String, Object> l : layers) {
            if (!"InputLayer".equals(l.get("class_name"))) {
                checked.add(l);
            }
        }
        List<String> unsupported = LayerConfigs.unsupportedLayers(checked);
        if (!unsupported.isEmpty()) {
            throw new ModelFileException(what + ": unsupported layer(s) " + String.join(", ", unsupported)
                    + ". Supported: " + String.join(", ", LayerConfigs.SUPPORTED));
        }
        String name = config.get("name") instanceof String s ? s : "model";
        if ("Sequential".equals(cls)) {
            return sequential(layers, name, what);
        }
        if (!"Functional".equals(cls) && !"Model".equals(cls)) {
            throw new ModelFileException(what + ": the model is a " + cls + "; expected Functional, Model or Sequential");
        }
        return functional(config, layers, name, what);
    }

    private static Model sequential(List<Map<String, Object>> layers, String name, String what) {
        SymbolicTensor input = null;
        SymbolicTensor x = null;
        for (Map<String, Object> entry : layers) {
            Map<String, Object> cfg = layerConfig(entry, what);
            String cls = (String) entry.get("class_name");
            if ("InputLayer".equals(cls)) {
                input = inputLayer(cfg, what);
                x = input;
                continue;
            }
            if (x == null) {
                Object shape = cfg.containsKey("batch_input_shape") ? cfg.get("batch_input_shape") : cfg.get("batch_shape");
                if (shape == null) {
                    throw new ModelFileException(what + ": a Sequential model must start with an InputLayer or give "
                            + "batch_input_shape on its first layer");
                }
                Map<String, Object> inCfg = new HashMap<>();
                inCfg.put("batch_shape", shape);
                inCfg.put("name", "input_1");
                input = inputLayer(inCfg, what);
                x = input;
            }
            x = apply(layer(cls, cfg, what), List.of(x), what);
        }
        if (input == null) {
            throw new ModelFileException(what + ": the Sequential model has no layers");
        }
        return new Model(input, x, name);
    }

    private static Model functional(Map<String, Object> config, List<Map<String, Object>> layers, String name,
                                    String what) {
        Map<String, Layer> created = new HashMap<>();
        Map<String, List<SymbolicTensor>> outputs = new HashMap<>();
        // Layers are listed in a topological order by Keras, but resolve repeatedly anyway, as
        // Keras does, so that any valid order loads.
        List<Object[]> pending = new ArrayList<>();
        for (Map<String, Object> entry : layers) {
            Map<String, Object> cfg = layerConfig(entry, what);
            String cls = (String) entry.get("class_name");
            String layerName = entry.get("name") instanceof String s ? s : (String) cfg.get("name");
            if (layerName == null) {
                throw new ModelFileException(what + ": a " + cls + " layer has no name");
            }
            if ("InputLayer".equals(cls)) {
                outputs.computeIfAbsent(layerName, k -> new ArrayList<>()).add(inputLayer(cfg, what));
                continue;
            }
            created.put(layerName, layer(cls, cfg, what));
            Object nodes = entry.get("inbound_nodes");
            if (!(nodes instanceof List<?> nodeList)) {
                throw new ModelFileException(what + ": layer '" + layerName + "' has no 'inbound_nodes' list");
            }
            for (Object node : nodeList) {
                pending.add(new Object[] {layerName, node});
            }
        }
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (int i = 0; i < pending.size(); i++) {
                String layerName = (String) pending.get(i)[0];
                List<SymbolicTensor> ins = resolve(pending.get(i)[1], outputs, layerName, what);
                if (ins == null) {
                    continue;
                }
                SymbolicTensor y = apply(created.get(layerName), ins, what);
                outputs.computeIfAbsent(layerName, k -> new ArrayList<>()).add(y);
                pending.remove(i--);
                progress = true;
            }
        }
        if (!pending.isEmpty()) {
            throw new ModelFileException(what + ": layer '" + pending.get(0)[0]
                    + "' takes inputs that no layer of the model produces");
        }
        return new Model(endpoints(config.get("input_layers"), outputs, what),
                endpoints(config.get("output_layers"), outputs, what), name);
    }

    /** A layer from its config, errors prefixed with the file they come from. */
    private static Layer layer(String cls, Map<String, Object> cfg, String what) {
        try {
            return LayerConfigs.fromConfig(cls, cfg);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(what + ": " + e.getMessage(), e);
        }
    }

    private static SymbolicTensor apply(Layer layer, List<SymbolicTensor> ins, String what) {
        try {
            return layer.apply(ins);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(what + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> layerConfig(Map<String, Object> entry, String what) {
        if (!(entry.get("class_name") instanceof String)) {
            throw new ModelFileException(what + ": a layer entry has no class_name");
        }
        if (!(entry.get("config") instanceof Map<?, ?> m)) {
            throw new ModelFileException(what + ": layer entry " + entry.get("name") + " has no config object");
        }
        return (Map<String, Object>) m;
    }

    private static SymbolicTensor inputLayer(Map<String, Object> cfg, String what) {
        Object shape = cfg.containsKey("batch_shape") ? cfg.get("batch_shape") : cfg.get("batch_input_shape");
        String name = cfg.get("name") instanceof String s ? s : null;
        if (!(shape instanceof List<?> dims) || dims.size() < 2) {
            throw new ModelFileException(what + ": InputLayer '" + name + "' has no batch_shape");
        }
        int[] d = new int[dims.size() - 1];
        for (int i = 1; i < dims.size(); i++) {
            if (!(dims.get(i) instanceof Number n) || n.intValue() <= 0) {
                throw new ModelFileException(what + ": InputLayer '" + name + "' needs every dimension but the batch; found "
                        + dims);
            }
            d[i - 1] = n.intValue();
        }
        return InputLayer.input(name, d);
    }

    /** The input tensors of one inbound node, or null when one of them is not created yet. */
    @SuppressWarnings("unchecked")
    private static List<SymbolicTensor> resolve(Object node, Map<String, List<SymbolicTensor>> outputs, String layer,
                                                String what) {
        List<List<Object>> refs = new ArrayList<>();
        if (node instanceof Map<?, ?> m) {
            // Keras 3: {"args": [kt] or [[kt, kt]], "kwargs": {...}}
            Object args = m.get("args");
            if (!(args instanceof List<?> argList) || argList.isEmpty()) {
                throw new ModelFileException(what + ": layer '" + layer + "' has an inbound node without args");
            }
            Object first = argList.get(0);
            List<?> tensors = first instanceof List<?> l ? l : argList.subList(0, 1);
            for (Object t : tensors) {
                if (!(t instanceof Map<?, ?> kt) || !(kt.get("config") instanceof Map<?, ?> ktc)
                        || !(ktc.get("keras_history") instanceof List<?> h)) {
                    throw new ModelFileException(what + ": layer '" + layer + "' has an inbound tensor without keras_history");
                }
                refs.add((List<Object>) h);
            }
        } else if (node instanceof List<?> l) {
            // Keras 2: [["name", node_index, tensor_index, {kwargs}], ...]
            for (Object r : l) {
                if (!(r instanceof List<?> ref) || ref.size() < 3) {
                    throw new ModelFileException(what + ": layer '" + layer + "' has a malformed inbound node " + r);
                }
                refs.add((List<Object>) ref);
            }
        } else {
            throw new ModelFileException(what + ": layer '" + layer + "' has a malformed inbound node");
        }
        List<SymbolicTensor> out = new ArrayList<>();
        for (List<Object> ref : refs) {
            SymbolicTensor t = lookup(ref, outputs, what);
            if (t == null) {
                return null;
            }
            out.add(t);
        }
        return out;
    }

    private static SymbolicTensor lookup(List<Object> ref, Map<String, List<SymbolicTensor>> outputs, String what) {
        if (ref.size() < 2 || !(ref.get(0) instanceof String name) || !(ref.get(1) instanceof Number nodeIndex)
                || nodeIndex.intValue() < 0) {
            throw new ModelFileException(what + ": malformed tensor reference " + ref);
        }
        List<SymbolicTensor> made = outputs.get(name);
        if (made == null || nodeIndex.intValue() >= made.size()) {
            return null;
        }
        return made.get(nodeIndex.intValue());
    }

    @SuppressWarnings("unchecked")
    private static List<SymbolicTensor> endpoints(Object spec, Map<String, List<SymbolicTensor>> outputs, String what) {
        if (!(spec instanceof List<?> list) || list.isEmpty()) {
            throw new ModelFileException(what + ": the model config has no input_layers or output_layers");
        }
        List<List<Object>> refs = new ArrayList<>();
        if (list.get(0) instanceof String) {
            refs.add((List<Object>) list);
        } else {
            for (Object o : list) {
                if (!(o instanceof List<?> r)) {
                    throw new ModelFileException(what + ": malformed input_layers/output_layers " + spec);
                }
                refs.add((List<Object>) r);
            }
        }
        List<SymbolicTensor> out = new ArrayList<>();
        for (List<Object> r : refs) {
            SymbolicTensor t = lookup(r, outputs, what);
            if (t == null) {
                throw new ModelFileException(what + ": input/output '" + r.get(0) + "' is not a layer of the model");
            }
            out.add(t);
        }
        return out;
    }
}
