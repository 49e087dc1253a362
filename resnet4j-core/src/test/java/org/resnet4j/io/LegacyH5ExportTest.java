package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.testing.SharedFiles;

/**
 * The legacy {@code .h5} files we write against the ones Keras wrote (../shared/keras): each
 * real file, imported and exported again, has the same root attributes, the same
 * {@code model_weights} tree (layer list, one group per layer, weight names and datasets with
 * the same shapes and values, Keras 3 spelling without {@code :0}), and re-imports with
 * identical predictions.
 */
class LegacyH5ExportTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"keras/circom-cnn-bn-ref/alt_model.h5", "keras/tiny-resnet8-k2.4/pretrainedResnet.h5",
            "keras/dl4j-cnn-bn-ref/cnn_batch_norm.h5"})
    void exportMatchesKerasFileNodeForNode(String file) {
        Path original = SharedFiles.path(file);
        SavedModel m = ModelFiles.load(original);
        Path out = dir.resolve("export.h5");
        ModelFiles.save(out, m.model(), m.optimizer(), "categorical_crossentropy", List.of("accuracy"), new ModelMetadata());

        try (HdfFile theirs = new HdfFile(original); HdfFile ours = new HdfFile(out)) {
            for (String a : List.of("keras_version", "backend", "model_config", "training_config")) {
                assertEquals(theirs.getAttribute(a) != null, ours.getAttribute(a) != null, file + ": root attribute " + a);
            }
            Map<String, Object> config = Json.readObject(LegacyH5.stringAttribute(ours, "model_config"), "ours");
            assertEquals("Functional", config.get("class_name"));
            assertNull(config.get("module"), "the legacy config carries no Keras 3 module keys");

            Group tw = (Group) theirs.getChild("model_weights");
            Group ow = (Group) ours.getChild("model_weights");
            assertNotNull(ow.getAttribute("backend"));
            assertNotNull(ow.getAttribute("keras_version"));
            // A Keras 2 Sequential lists no input layer; its Functional equivalent does.
            List<String> inputs = m.model().layers().stream().filter(l -> l instanceof InputLayer).map(Layer::name).toList();
            List<String> theirNames = LegacyH5.stringListAttribute(tw, "layer_names");
            List<String> ourNames = LegacyH5.stringListAttribute(ow, "layer_names");
            assertEquals(theirNames.stream().filter(n -> !inputs.contains(n)).toList(),
                    ourNames.stream().filter(n -> !inputs.contains(n)).toList(), file + ": layer_names");
            for (String layer : ourNames) {
                assertInstanceOf(Group.class, ow.getChild(layer), file + ": group of " + layer);
            }
            for (String layer : theirNames) {
                Group tg = (Group) tw.getChild(layer);
                Group og = (Group) ow.getChild(layer);
                List<String> tn = LegacyH5.stringListAttribute(tg, "weight_names");
                List<String> on = LegacyH5.stringListAttribute(og, "weight_names");
                assertEquals(tn.stream().map(n -> n.replace(":0", "")).toList(), on, file + ": weight_names of " + layer);
                for (int i = 0; i < tn.size(); i++) {
                    Dataset td = dataset(tg, tn.get(i));
                    Dataset od = dataset(og, on.get(i));
                    assertArrayEquals(td.getDimensions(), od.getDimensions(), file + ": shape of " + layer + "/" + on.get(i));
                    assertEquals(float.class, od.getJavaType());
                    assertArrayEquals(KerasWeights.floats(td), KerasWeights.floats(od), file + ": " + layer + "/" + on.get(i));
                }
            }
            assertEquals(List.of(), LegacyH5.stringListAttribute((Group) ow.getChild("top_level_model_weights"), "weight_names"));
        }

        Model back = ModelFiles.load(out).model();
        Shape in = m.model().inputShape();
        Tensor x = Tensor.fromFunction(Shape.of(3, in.dim(1), in.dim(2), in.dim(3)), i -> (i * 7919L % 256) / 255.0);
        assertArrayEquals(m.model().predict(x).data(), back.predict(x).data(), file + ": predictions after re-import");
    }

    private static Dataset dataset(Group g, String path) {
        Node n = g;
        for (String part : path.split("/")) {
            n = ((Group) n).getChild(part);
        }
        assertTrue(n instanceof Dataset, g.getPath() + path);
        return (Dataset) n;
    }
}
