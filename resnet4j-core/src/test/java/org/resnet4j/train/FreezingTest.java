package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.models.BasicResNets;
import org.resnet4j.models.KerasApplications;

/** Transfer learning: a frozen base stays bit-identical, BatchNormalization statistics included. */
class FreezingTest {

    @Test
    void aFineTuningEpochChangesOnlyTheHead() {
        Model m = BasicResNets.resNet18(new int[] {64, 64, 3}, KerasApplications.Options.classifier(6));
        long before = m.countTrainableParams();
        for (Layer l : m.layers()) {
            l.setTrainable(l.name().equals("predictions"));
        }
        assertEquals(512L * 6 + 6, m.countTrainableParams(), "only the head is trainable");
        assertEquals(m.countParams() - 512L * 6 - 6, m.countNonTrainableParams());
        assertFalse(before == m.countTrainableParams());
        List<float[]> frozen = new ArrayList<>();
        List<float[]> head = new ArrayList<>();
        for (Parameter p : m.weights()) {
            (p.owner().name().equals("predictions") ? head : frozen).add(p.value().data().clone());
        }
        Dataset d = SyntheticSigns.generate(16, 4);
        Trainer t = new Trainer(m, new Adam(0.01), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        t.fit(d, d, FitOptions.defaults().epochs(1).batchSize(8).verbose(false)
                .callbacks(new PreciseBatchNorm(d.x(), 8, 2, 0)));
        int f = 0;
        int h = 0;
        for (Parameter p : m.weights()) {
            if (p.owner().name().equals("predictions")) {
                assertFalse(Arrays.equals(head.get(h++), p.value().data()), "the head learned: " + p.path());
            } else {
                assertArrayEquals(frozen.get(f++), p.value().data(), "frozen: " + p.path());
            }
        }
    }
}
