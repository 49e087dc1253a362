package org.resnet4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.resnet4j.models.ResNet50;

/** The arithmetic behind the reported rates (timings themselves are not tested). */
class BenchmarkTest {

    @Test
    void resnet50CostsWhatTheNotebooksNetworkCosts() {
        // 0.616 GFLOP per 64x64 image forward, counting multiply-adds twice.
        double gflop = Benchmark.forwardFlopsPerImage(ResNet50.build(new int[] {64, 64, 3}, 6)) / 1e9;
        assertEquals(0.616, gflop, 0.005);
    }

    @Test
    void medianOfAnOddAndAnEvenCount() {
        assertEquals(3.0, Benchmark.Timing.of(new double[] {5, 1, 3}).medianMs());
        assertEquals(2.5, Benchmark.Timing.of(new double[] {4, 1, 3, 2}).medianMs());
        assertEquals(1.0, Benchmark.Timing.of(new double[] {4, 1, 3, 2}).minMs());
    }

    @Test
    void peakMemoryIsReadOnLinux() {
        assertTrue(Benchmark.peakRssMb() > 0);
    }
}
