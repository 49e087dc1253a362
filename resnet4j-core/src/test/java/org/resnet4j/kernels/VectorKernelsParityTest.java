package org.resnet4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link VectorKernels} (Vector API GEMM) against the scalar oracle. */
class VectorKernelsParityTest extends KernelParityTest {
    @Override
    Kernels fastKernels() {
        return new VectorKernels();
    }

    /** The parity cases above with a small C over a long depth do take the depth-split path. */
    @Test
    void smallOutputsOverLongDepthsAreSplit() {
        assertEquals(2560, VectorKernels.depthChunk(37, 70, 5000));
        assertEquals(2304, VectorKernels.depthChunk(147, 64, 9000));
        assertEquals(2048, VectorKernels.depthChunk(147, 16, 4096));
        // A large C, or a short depth, is not split.
        assertEquals(9000, VectorKernels.depthChunk(300, 300, 9000));
        assertEquals(4000, VectorKernels.depthChunk(37, 70, 4000));
    }
}
