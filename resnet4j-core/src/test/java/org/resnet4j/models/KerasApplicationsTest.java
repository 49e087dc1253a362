package org.resnet4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.tensor.Shape;

/** The ResNet family against Keras's applications: parameter totals and layer names. */
class KerasApplicationsTest {

    static Stream<Arguments> kerasModels() {
        return Stream.of(
                Arguments.of("ResNet50", (BiFunction<int[], KerasApplications.Options, Model>) KerasApplications::resNet50,
                        25_636_712L, "conv5_block3_out"),
                Arguments.of("ResNet101", (BiFunction<int[], KerasApplications.Options, Model>) KerasApplications::resNet101,
                        44_707_176L, "conv5_block3_out"),
                Arguments.of("ResNet152", (BiFunction<int[], KerasApplications.Options, Model>) KerasApplications::resNet152,
                        60_419_944L, "conv5_block3_out"),
                Arguments.of("ResNet50V2", (BiFunction<int[], KerasApplications.Options, Model>) KerasApplications::resNet50V2,
                        25_613_800L, "post_relu"),
                Arguments.of("ResNet101V2", (BiFunction<int[], KerasApplications.Options, Model>) KerasApplications::resNet101V2,
                        44_675_560L, "post_relu"),
                Arguments.of("ResNet152V2", (BiFunction<int[], KerasApplications.Options, Model>) KerasApplications::resNet152V2,
                        60_380_648L, "post_relu"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kerasModels")
    void totalsAndNamesAreKeras(String name, BiFunction<int[], KerasApplications.Options, Model> build, long params,
                                String lastBeforeTop) {
        Model m = build.apply(new int[] {224, 224, 3}, KerasApplications.Options.defaults());
        assertEquals(params, m.countParams(), name + " parameters with the top and 1000 classes");
        List<Layer> layers = m.layers();
        assertEquals("input_1", layers.get(0).name());
        assertEquals("conv1_pad", layers.get(1).name());
        assertEquals("conv1_conv", layers.get(2).name());
        assertEquals("predictions", layers.get(layers.size() - 1).name());
        assertEquals("avg_pool", layers.get(layers.size() - 2).name());
        assertEquals(lastBeforeTop, layers.get(layers.size() - 3).name());
        assertEquals(Shape.of(Shape.UNKNOWN, 1000), m.outputs().get(0).shape());
    }

    @Test
    void headlessModelsEndWithThePoolingAsked() {
        Model avg = KerasApplications.resNet50(new int[] {64, 64, 3}, KerasApplications.Options.base(KerasApplications.Pooling.AVG));
        assertEquals(Shape.batchOf(2048), avg.outputs().get(0).shape());
        assertEquals(25_636_712L - 2_049_000L, avg.countParams(), "all but the 2048x1000 classifier and its bias");
        Model none = KerasApplications.resNet50V2(new int[] {64, 64, 3}, KerasApplications.Options.base(KerasApplications.Pooling.NONE));
        assertEquals(Shape.batchOf(2, 2, 2048), none.outputs().get(0).shape());
        Model max = KerasApplications.resNet101(new int[] {64, 64, 3}, KerasApplications.Options.base(KerasApplications.Pooling.MAX));
        assertEquals("max_pool", max.layers().get(max.layers().size() - 1).name());
    }

    @Test
    void basicResNetsFollowThePaper() {
        // Published totals of the ImageNet ResNet-18 and -34 (torchvision's, same layout): 11,689,512 and
        // 21,797,672 learned parameters; the moving statistics (two per normalised channel: 4,800 and 8,512
        // channels) come on top in Keras's count.
        Model r18 = BasicResNets.resNet18(new int[] {224, 224, 3}, KerasApplications.Options.defaults());
        assertEquals(11_689_512L, r18.countTrainableParams());
        assertEquals(2L * 4_800, r18.countNonTrainableParams());
        Model r34 = BasicResNets.resNet34(new int[] {224, 224, 3}, KerasApplications.Options.defaults());
        assertEquals(21_797_672L, r34.countTrainableParams());
        assertEquals(2L * 8_512, r34.countNonTrainableParams());
        Model small = BasicResNets.resNet18(new int[] {64, 64, 3}, KerasApplications.Options.classifier(10));
        assertEquals(Shape.batchOf(10), small.outputs().get(0).shape());
    }
}
