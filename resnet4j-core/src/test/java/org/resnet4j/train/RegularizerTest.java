package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.Model;
import org.resnet4j.io.LayerConfigs;
import org.resnet4j.io.ModelFileException;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Regularizer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.Constant;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Keras's weight penalties: in the loss, in the gradient, and through configs. */
class RegularizerTest {

    @Test
    void anL2PenaltyShrinksWeightsAndIsPartOfTheLoss() {
        SymbolicTensor x = InputLayer.input(2);
        Dense d = Dense.builder(2).useBias(false).kernelInitializer(new Constant(1))
                .activation(ActivationFunction.SOFTMAX).kernelRegularizer(Regularizer.l2(0.5)).build();
        Model m = new Model(x, d.apply(x), "reg");
        Trainer t = new Trainer(m, new SGD(0.1), Losses.CATEGORICAL_CROSSENTROPY);
        // Zero inputs give zero data gradient: only the penalty moves the weights.
        double loss = t.trainStep(Tensor.zeros(1, 2), Tensor.of(Shape.of(1, 2), 1, 0), List.of());
        assertEquals(Math.log(2) + 0.5 * 4, loss, 1e-6, "cross-entropy of a uniform guess plus 0.5 * sum(w^2)");
        for (float w : d.kernel().value().data()) {
            assertEquals(1 - 0.1 * 2 * 0.5, w, 1e-6);
        }
    }

    @Test
    void regularizersSurviveTheKerasConfig() {
        Conv2D c = Conv2D.builder(4, 3).kernelRegularizer(Regularizer.l2(1e-4)).biasRegularizer(new Regularizer(1e-3, 2e-3))
                .name("reg_conv").build();
        c.apply(InputLayer.input(8, 8, 3));
        Layer back = LayerConfigs.fromConfig("Conv2D", c.getConfig());
        assertEquals(Map.of("kernel", Regularizer.l2(1e-4), "bias", new Regularizer(1e-3, 2e-3)), back.regularizers());
        // Keras 2's spelling.
        Map<String, Object> k2 = new java.util.HashMap<>(c.getConfig());
        k2.put("kernel_regularizer", Map.of("class_name", "L1L2", "config", Map.of("l1", 0.0, "l2", 5e-4)));
        assertEquals(new Regularizer(0, 5e-4), LayerConfigs.fromConfig("Conv2D", k2).regularizers().get("kernel"));
    }

    @Test
    void whatCannotBeHonouredIsRefused() {
        Dense d = Dense.builder(3).name("constrained").build();
        Map<String, Object> cfg = new java.util.HashMap<>(d.getConfig());
        cfg.put("kernel_constraint", Map.of("class_name", "MaxNorm", "config", Map.of("max_value", 2)));
        var e = assertThrows(ModelFileException.class, () -> LayerConfigs.fromConfig("Dense", cfg));
        assertTrue(e.getMessage().startsWith("layer 'constrained' (Dense) uses kernel_constraint"), e.getMessage());
    }
}
