package org.resnet4j.kernels;

/** {@link VectorKernels} (Vector API GEMM) against the scalar oracle. */
class VectorKernelsParityTest extends KernelParityTest {
    @Override
    Kernels fastKernels() {
        return new VectorKernels();
    }
}
