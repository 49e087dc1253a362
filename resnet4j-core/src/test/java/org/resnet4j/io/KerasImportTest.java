package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.graph.Model;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.testing.Npy;
import org.resnet4j.testing.SharedFiles;

/** Real model files written by Keras 2 (../shared/keras), read and run. */
class KerasImportTest {

    @Test
    void circomModelReproducesKerasOutput() throws IOException {
        SavedModel m = ModelFiles.load(SharedFiles.path("keras/circom-cnn-bn-ref/alt_model.h5"));
        assertEquals(678, m.model().countParams());
        assertEquals(8, m.model().countNonTrainableParams());
        Map<String, Object> ref = Json.readObject(Files.readString(SharedFiles.path("keras/circom-cnn-bn-ref/alt_model.json")),
                "alt_model.json");
        List<?> x = (List<?>) ref.get("X");
        List<?> y = (List<?>) ref.get("y");
        Tensor input = Tensor.fromFunction(Shape.of(1, 28, 28, 1), i -> ((Number) x.get(i)).doubleValue());
        float[] out = m.model().predict(input).data();
        assertEquals(10, out.length);
        for (int i = 0; i < 10; i++) {
            assertEquals(((Number) y.get(i)).doubleValue(), out[i], 1e-5, "class " + i);
        }
    }

    @Test
    void dl4jSequentialModelReproducesItsFivePredictions() throws IOException {
        SavedModel m = ModelFiles.load(SharedFiles.path("keras/dl4j-cnn-bn-ref/cnn_batch_norm.h5"));
        assertEquals(79, m.model().countParams());
        assertEquals(2, m.model().countNonTrainableParams());
        Tensor input = Npy.read(SharedFiles.path("keras/dl4j-cnn-bn-ref/input.npy"));
        Tensor want = Npy.read(SharedFiles.path("keras/dl4j-cnn-bn-ref/predictions.npy"));
        Tensor got = m.model().predict(input);
        assertEquals(want.shape(), got.shape());
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.data()[i], got.data()[i], 1e-5, "prediction " + i);
        }
    }

    @Test
    void resnet8ImportsWithItsParameterCounts() {
        SavedModel m = ModelFiles.load(SharedFiles.path("keras/tiny-resnet8-k2.4/pretrainedResnet.h5"));
        Model model = m.model();
        assertEquals(78_666, model.countParams());
        assertEquals(480, model.countNonTrainableParams());
        assertEquals(Shape.batchOf(32, 32, 3), model.inputShape());
        assertTrue(m.optimizer() instanceof org.resnet4j.train.Adam, "training_config recreates Adam");
    }

    @Test
    void resnet8PredictsTheSameAfterARoundTripThroughKeras3(@TempDir Path dir) {
        SavedModel m = ModelFiles.load(SharedFiles.path("keras/tiny-resnet8-k2.4/pretrainedResnet.h5"));
        Tensor x = Tensor.fromFunction(Shape.of(4, 32, 32, 3), i -> (i * 7919L % 256));
        Tensor before = m.model().predict(x);
        Path f = dir.resolve("resnet8.keras");
        ModelFiles.save(f, m.model(), null, null, List.of(), new ModelMetadata());
        Tensor after = ModelFiles.load(f).model().predict(x);
        assertArrayEquals(before.data(), after.data());
    }

    @Test
    void channelsFirstIsRefusedWithTheLayerNamed() {
        Path f = SharedFiles.path("keras/dl4j-simpleconv2d-seq/simpleconv2d.hdf5");
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("'conv2d_1' (Conv2D) uses data_format 'channels_first'"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test
    void aWeightsOnlyOrForeignHdf5FileIsExplained() {
        Path f = SharedFiles.path("data/signs/test_signs.h5");
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("no 'model_config' attribute"), e.getMessage());
    }
}
