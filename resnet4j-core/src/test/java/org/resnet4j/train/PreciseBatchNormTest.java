package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.ForwardPass;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Node;
import org.resnet4j.tensor.Tensor;

/** Population statistics replace the moving averages, computed as training normalises. */
class PreciseBatchNormTest {

    private static Node nodeOf(Model m, BatchNormalization bn) {
        return m.nodes().stream().filter(n -> n.layer() == bn).findFirst().orElseThrow();
    }

    @Test
    void movingStatisticsBecomeThePopulationStatisticsOfTheInput() {
        Model m = TrainingTest.smallResNet(3, 6);
        Dataset d = SyntheticSigns.generate(24, 8);
        BatchNormalization first = (BatchNormalization) m.layers().stream()
                .filter(l -> l instanceof BatchNormalization).findFirst().orElseThrow();
        // One batch holding every sample: the statistics are those of that one training-mode forward.
        PreciseBatchNorm.recompute(m, d.x(), 24, 1, 0);
        ForwardPass pass = m.forward(java.util.List.of(d.x()), true, java.util.List.of(nodeOf(m, first).inputs().get(0)));
        Tensor in = pass.valueOf(nodeOf(m, first).inputs().get(0));
        int c = in.shape().dim(-1);
        int rows = in.size() / c;
        for (int ch = 0; ch < c; ch++) {
            double mean = 0;
            double sq = 0;
            for (int r = 0; r < rows; r++) {
                mean += in.data()[r * c + ch];
            }
            mean /= rows;
            for (int r = 0; r < rows; r++) {
                double dv = in.data()[r * c + ch] - mean;
                sq += dv * dv;
            }
            assertEquals(mean, first.movingMean().value().data()[ch], 1e-5 * (1 + Math.abs(mean)), "mean " + ch);
            assertEquals(sq / rows, first.movingVariance().value().data()[ch], 1e-4 * (1 + sq / rows), "variance " + ch);
        }
    }

    @Test
    void severalBatchesPoolIntoOnePopulation() {
        Model m = TrainingTest.smallResNet(4, 6);
        Dataset d = SyntheticSigns.generate(24, 9);
        BatchNormalization first = (BatchNormalization) m.layers().stream()
                .filter(l -> l instanceof BatchNormalization).findFirst().orElseThrow();
        PreciseBatchNorm.recompute(m, d.x(), 8, 3, 5);
        // The first layer's input does not depend on batch statistics: pooling three batches of
        // 8 must equal one batch of 24.
        float[] pooledMean = first.movingMean().value().data().clone();
        float[] pooledVar = first.movingVariance().value().data().clone();
        PreciseBatchNorm.recompute(m, d.x(), 24, 1, 5);
        for (int ch = 0; ch < pooledMean.length; ch++) {
            assertEquals(first.movingMean().value().data()[ch], pooledMean[ch], 1e-5);
            assertEquals(first.movingVariance().value().data()[ch], pooledVar[ch], 1e-4 * (1 + pooledVar[ch]));
        }
    }

    @Test
    void frozenLayersKeepTheirStatistics() {
        Model m = TrainingTest.smallResNet(5, 6);
        BatchNormalization bn = (BatchNormalization) m.layers().stream()
                .filter(l -> l instanceof BatchNormalization).findFirst().orElseThrow();
        bn.setTrainable(false);
        float[] before = bn.movingVariance().value().data().clone();
        PreciseBatchNorm.recompute(m, SyntheticSigns.generate(8, 1).x(), 8, 1, 0);
        assertArrayEquals(before, bn.movingVariance().value().data());
    }

    @Test
    void asACallbackItRunsBeforeValidation() {
        Dataset d = SyntheticSigns.generate(16, 2);
        Model m = TrainingTest.smallResNet(6, 6);
        Trainer t = new Trainer(m, new Adam(0.01), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        History h = t.fit(d, d, FitOptions.defaults().epochs(2).batchSize(8).verbose(false)
                .callbacks(new PreciseBatchNorm(d.x(), 8, 2, 0)));
        assertEquals(2, h.get("val_accuracy").size());
        // After the last epoch, the statistics are the precise ones, not the moving averages.
        BatchNormalization first = (BatchNormalization) m.layers().stream()
                .filter(l -> l instanceof BatchNormalization).findFirst().orElseThrow();
        assertTrue(first.movingVariance().value().data()[0] < 0.9, "variance moved off its initial 1.0");
    }
}
