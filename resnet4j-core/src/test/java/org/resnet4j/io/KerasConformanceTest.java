package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jhdf.HdfFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.testing.SharedFiles;

/**
 * What we write against what Keras wrote: a real Keras file's model config, imported and
 * written again in Keras 3's form, has the same layers, in the same order, with the same
 * classes, connections and settings, node for node.
 */
class KerasConformanceTest {

    private static final List<String> SETTINGS = List.of("filters", "kernel_size", "strides", "padding", "units",
            "activation", "use_bias", "epsilon", "momentum", "center", "scale", "pool_size", "rate");

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @ValueSource(strings = {"keras/circom-cnn-bn-ref/alt_model.h5", "keras/tiny-resnet8-k2.4/pretrainedResnet.h5"})
    void reWrittenConfigMatchesKerasNodeForNode(String file) {
        Map<String, Object> original;
        try (HdfFile h5 = new HdfFile(SharedFiles.path(file))) {
            original = Json.readObject(LegacyH5.stringAttribute(h5, "model_config"), file);
        }
        SavedModel m = ModelFiles.load(SharedFiles.path(file));
        Map<String, Object> ours = ModelConfig.toKeras(m.model());
        List<Map<String, Object>> a = (List<Map<String, Object>>) ((Map<String, Object>) original.get("config")).get("layers");
        List<Map<String, Object>> b = (List<Map<String, Object>>) ((Map<String, Object>) ours.get("config")).get("layers");
        assertEquals(a.size(), b.size(), "layer count");
        for (int i = 0; i < a.size(); i++) {
            Map<String, Object> ka = a.get(i);
            Map<String, Object> kb = b.get(i);
            String where = file + " layer " + i + " (" + ka.get("name") + ")";
            assertEquals(ka.get("class_name"), kb.get("class_name"), where);
            assertEquals(ka.get("name"), kb.get("name"), where);
            assertEquals(inboundLayers(ka), inboundLayers(kb), where + " inbound layers");
            Map<String, Object> ca = (Map<String, Object>) ka.get("config");
            Map<String, Object> cb = (Map<String, Object>) kb.get("config");
            for (String key : SETTINGS) {
                if (ca.containsKey(key)) {
                    assertEquals(normalise(ca.get(key)), normalise(cb.get(key)), where + " " + key);
                }
            }
        }
    }

    /** Keras 2 writes tuples and Keras 3 lists, and numbers as ints or floats: compare values. */
    private static Object normalise(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(normalise(o));
            }
            return out;
        }
        return v;
    }

    /** The names of the layers feeding each node, from either spelling of inbound_nodes. */
    @SuppressWarnings("unchecked")
    private static List<List<String>> inboundLayers(Map<String, Object> layer) {
        List<List<String>> out = new ArrayList<>();
        for (Object node : (List<Object>) layer.get("inbound_nodes")) {
            List<String> names = new ArrayList<>();
            if (node instanceof Map<?, ?> m) {
                List<?> args = (List<?>) m.get("args");
                List<?> tensors = args.get(0) instanceof List<?> l ? l : args;
                for (Object t : tensors) {
                    names.add((String) ((List<?>) ((Map<?, ?>) ((Map<?, ?>) t).get("config")).get("keras_history")).get(0));
                }
            } else {
                for (Object ref : (List<?>) node) {
                    names.add((String) ((List<?>) ref).get(0));
                }
            }
            out.add(names);
        }
        return out;
    }
}
