package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.KerasApplications;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Keras's ImageNet weight-file layout: written, read back by name, misfits named. */
class WeightsH5Test {

    private static Model resnet50V2(long seed, int classes) {
        RandomSeeds.setSeed(seed);
        return KerasApplications.resNet50V2(new int[] {32, 32, 3}, KerasApplications.Options.classifier(classes));
    }

    @Test
    void aFreshModelLoadsTheWeightsByNameAndPredictsTheSame(@TempDir Path dir) {
        Model a = resnet50V2(1, 10);
        Path f = dir.resolve("resnet50v2_weights.h5");
        WeightsH5.save(f, a);
        Model b = resnet50V2(2, 10);
        WeightsReport r = WeightsH5.load(f, b, true);
        assertEquals(a.layers().stream().filter(l -> !l.weights().isEmpty()).count(), r.loaded().size());
        Tensor x = Tensor.fromFunction(Shape.of(2, 32, 32, 3), i -> Math.cos(i * 0.37));
        assertArrayEquals(a.predict(x).data(), b.predict(x).data());
    }

    @Test
    void aMisshapenLayerIsNamed(@TempDir Path dir) {
        Path f = dir.resolve("w.h5");
        WeightsH5.save(f, resnet50V2(1, 10));
        Model other = resnet50V2(3, 7);
        var e = assertThrows(ModelFileException.class, () -> WeightsH5.load(f, other, true));
        assertTrue(e.getMessage().contains("layer 'predictions': predictions/kernel:0 is (2048, 10), expected (2048, 7)"),
                e.getMessage());
    }

    @Test
    void aMissingLayerIsNamedWhenAllAreRequired(@TempDir Path dir) {
        Path f = dir.resolve("base.h5");
        WeightsH5.save(f, KerasApplications.resNet50V2(new int[] {32, 32, 3},
                KerasApplications.Options.base(KerasApplications.Pooling.AVG)));
        Model full = resnet50V2(4, 5);
        var e = assertThrows(ModelFileException.class, () -> WeightsH5.load(f, full, true));
        assertTrue(e.getMessage().endsWith("no weights for layer(s) predictions"), e.getMessage());
        WeightsReport r = WeightsH5.load(f, full, false);
        assertEquals(java.util.List.of("predictions"), r.missingInFile());
    }
}
