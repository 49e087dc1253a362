package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.ResidualBlocks;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Keras's load_weights: by order, by name with a report, and refusal of misfits. */
class LoadWeightsTest {

    /** A small network with deterministic names; {@code head} classes in its last layer named {@code headName}. */
    static Model named(long seed, int head, String headName) {
        RandomSeeds.setSeed(seed);
        SymbolicTensor x = InputLayer.input("in", 16, 16, 3);
        SymbolicTensor y = ResidualBlocks.convolutionalBlock(x, 3, new int[] {4, 4, 8}, 2, ResidualBlocks.RANDOM_UNIFORM, "b1");
        y = new GlobalAveragePooling2D("gap").apply(y);
        y = Dense.builder(head).activation(ActivationFunction.SOFTMAX).name(headName).build().apply(y);
        return new Model(x, y, "named");
    }

    @Test
    void byOrderAndByNameGiveTheSavedPredictions(@TempDir Path dir) {
        Model source = named(1, 5, "head");
        // Random initial values differ by seed, so a successful load is visible.
        source.getLayer("b1_1_conv").weights().get(0).value().data()[0] = 0.25f;
        Path f = dir.resolve("w.keras");
        ModelFiles.save(f, source, null, null, List.of(), new ModelMetadata());
        Tensor x = Tensor.fromFunction(Shape.of(2, 16, 16, 3), i -> Math.sin(i * 0.1));
        Model a = named(2, 5, "head");
        WeightsReport r = ModelFiles.loadWeights(a, f, false);
        assertEquals(9, r.loaded().size(), "4 convolutions, 4 normalizations and the head");
        assertArrayEquals(source.predict(x).data(), a.predict(x).data());
        Model b = named(3, 5, "head");
        ModelFiles.loadWeights(b, f, true);
        assertArrayEquals(source.predict(x).data(), b.predict(x).data());
    }

    @Test
    void byNameSkipsAndReportsWhatDoesNotCorrespond(@TempDir Path dir) {
        Path f = dir.resolve("w.keras");
        ModelFiles.save(f, named(1, 5, "head"), null, null, List.of(), new ModelMetadata());
        Model fresh = named(4, 3, "new_head");
        WeightsReport r = ModelFiles.loadWeights(fresh, f, true);
        assertEquals(List.of("new_head"), r.missingInFile());
        assertEquals(List.of("head"), r.unusedInFile());
        assertTrue(r.loaded().contains("b1_0_conv"));
    }

    @Test
    void aMisshapenLayerIsNamedAndNothingChanges(@TempDir Path dir) {
        Path f = dir.resolve("w.keras");
        ModelFiles.save(f, named(1, 5, "head"), null, null, List.of(), new ModelMetadata());
        Model other = named(5, 3, "head");
        float[] before = other.getLayer("b1_1_conv").weights().get(0).value().data().clone();
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.loadWeights(other, f, true));
        assertTrue(e.getMessage().contains("head/kernel is (8, 3), the file's head/kernel is (8, 5)"), e.getMessage());
        assertArrayEquals(before, other.getLayer("b1_1_conv").weights().get(0).value().data());
    }
}
