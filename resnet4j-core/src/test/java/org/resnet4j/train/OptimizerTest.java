package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.resnet4j.kernels.KernelRegistry;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.initializers.Constant;

/** Each optimizer's update against the same rule worked out in double precision, three steps. */
class OptimizerTest {

    private static final double[][] GRADS = {{0.5, -1.0}, {0.25, 2.0}, {-0.75, 0.1}};

    /** A weight of two values, 1 and -2, owned by a throwaway Dense layer. */
    private static Parameter weight() {
        Dense d = Dense.builder(2).useBias(false).kernelInitializer(new Constant(0)).build();
        d.apply(InputLayer.input(1));
        Parameter p = d.kernel();
        p.value().data()[0] = 1f;
        p.value().data()[1] = -2f;
        return p;
    }

    private static double[] run(Optimizer opt) {
        Parameter p = weight();
        for (double[] g : GRADS) {
            p.grad().data()[0] = (float) g[0];
            p.grad().data()[1] = (float) g[1];
            opt.apply(List.of(p));
            assertEquals(0f, p.grad().data()[0], "the step zeroes the gradient");
        }
        return new double[] {p.value().data()[0], p.value().data()[1]};
    }

    private static void assertClose(double[] want, double[] got) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])), "element " + i);
        }
    }

    @Test
    void adamFollowsKeras() {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
        double[] w = {1, -2}, m = new double[2], v = new double[2];
        for (int t = 1; t <= GRADS.length; t++) {
            double alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
            for (int i = 0; i < 2; i++) {
                double g = GRADS[t - 1][i];
                m[i] += (g - m[i]) * (1 - b1);
                v[i] += (g * g - v[i]) * (1 - b2);
                w[i] -= alpha * m[i] / (Math.sqrt(v[i]) + eps);
            }
        }
        assertClose(w, run(new Adam(lr)));
        // First step of Adam moves each weight by about lr, whatever the gradient's size.
        assertEquals(1 - 0.1, run1(new Adam(0.1))[0], 1e-5);
    }

    private static double[] run1(Optimizer opt) {
        Parameter p = weight();
        p.grad().data()[0] = 123f;
        opt.apply(List.of(p));
        return new double[] {p.value().data()[0]};
    }

    @Test
    void sgdPlainMomentumAndNesterov() {
        double lr = 0.1, mu = 0.9;
        double[] plain = {1, -2};
        double[] mom = {1, -2}, u = new double[2];
        double[] nes = {1, -2}, un = new double[2];
        for (double[] g : GRADS) {
            for (int i = 0; i < 2; i++) {
                plain[i] -= lr * g[i];
                u[i] = mu * u[i] - lr * g[i];
                mom[i] += u[i];
                un[i] = mu * un[i] - lr * g[i];
                nes[i] += mu * un[i] - lr * g[i];
            }
        }
        assertClose(plain, run(new SGD(lr)));
        assertClose(mom, run(new SGD(lr, mu, false)));
        assertClose(nes, run(new SGD(lr, mu, true)));
    }

    @Test
    void rmspropPlainCenteredAndWithMomentum() {
        double lr = 0.01, rho = 0.9, eps = 1e-7, mu = 0.5;
        double[] plain = {1, -2}, s1 = new double[2];
        double[] cen = {1, -2}, s2 = new double[2], a2 = new double[2];
        double[] mom = {1, -2}, s3 = new double[2], u3 = new double[2];
        for (double[] g : GRADS) {
            for (int i = 0; i < 2; i++) {
                s1[i] = rho * s1[i] + (1 - rho) * g[i] * g[i];
                plain[i] -= lr * g[i] / Math.sqrt(s1[i] + eps);
                s2[i] = rho * s2[i] + (1 - rho) * g[i] * g[i];
                a2[i] = rho * a2[i] + (1 - rho) * g[i];
                cen[i] -= lr * g[i] / Math.sqrt(s2[i] - a2[i] * a2[i] + eps);
                s3[i] = rho * s3[i] + (1 - rho) * g[i] * g[i];
                u3[i] = mu * u3[i] + lr * g[i] / Math.sqrt(s3[i] + eps);
                mom[i] -= u3[i];
            }
        }
        assertClose(plain, run(new RMSprop(lr)));
        assertClose(cen, run(new RMSprop(lr, rho, 0, eps, true)));
        assertClose(mom, run(new RMSprop(lr, rho, mu, eps, false)));
    }

    @Test
    void kerasDefaults() {
        assertEquals(0.001, new Adam().learningRate());
        assertEquals(0.9, (double) new Adam().getConfig().get("beta_1"));
        assertEquals(0.999, (double) new Adam().getConfig().get("beta_2"));
        assertEquals(1e-7, (double) new Adam().getConfig().get("epsilon"));
        assertEquals(0.01, new SGD().learningRate());
        assertEquals(0.001, new RMSprop().learningRate());
        assertEquals(0.9, (double) new RMSprop().getConfig().get("rho"));
    }

    @Test
    void frozenWeightsDoNotMove() {
        Parameter p = weight();
        p.owner().setTrainable(false);
        p.grad().data()[0] = 1f;
        new SGD(1).apply(List.of(p));
        assertEquals(1f, p.value().data()[0]);
    }

    /**
     * A large weight's update is split over the kernel threads: every optimizer gives the same
     * bits with one, two and three threads (each element's update reads that element alone).
     */
    @Test
    void updatesOfLargeWeightsDoNotDependOnTheThreadCount() {
        List<Supplier<Optimizer>> optimizers = List.of(() -> new Adam(0.01), () -> new SGD(0.1, 0.9, true),
                () -> new RMSprop(0.01, 0.9, 0.5, 1e-7, true));
        int saved = KernelRegistry.threads();
        try {
            for (Supplier<Optimizer> make : optimizers) {
                float[] one = null;
                for (int threads : new int[] {1, 2, 3}) {
                    KernelRegistry.setThreads(threads);
                    Dense d = Dense.builder(1000).useBias(false).kernelInitializer(new Constant(0.5)).build();
                    d.apply(InputLayer.input(33));
                    Parameter p = d.kernel();
                    Optimizer opt = make.get();
                    SplittableRandom rnd = new SplittableRandom(9);
                    for (int step = 0; step < 3; step++) {
                        float[] g = p.grad().data();
                        for (int i = 0; i < g.length; i++) {
                            g[i] = (float) (rnd.nextDouble() - 0.5);
                        }
                        opt.apply(List.of(p));
                    }
                    float[] w = p.value().data().clone();
                    if (one == null) {
                        one = w;
                    } else {
                        assertArrayEquals(one, w, opt.getClass().getSimpleName() + " with " + threads + " threads");
                    }
                }
            }
        } finally {
            KernelRegistry.setThreads(saved);
        }
    }
}
