package org.resnet4j.kernels;

/** {@link BlockedKernels} against the scalar oracle. */
class BlockedKernelsParityTest extends KernelParityTest {
    @Override
    Kernels fastKernels() {
        return new BlockedKernels();
    }
}
