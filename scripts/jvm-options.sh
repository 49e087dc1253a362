# Sourced by the launchers (./resnet4j, examples/run, scripts/bench-peer.sh): the JVM options
# resnet4j runs with. Measured on the notebook's ResNet-50 training step at batch 32 (peak RSS,
# 10-s runs, two cores).
#
# --add-modules jdk.incubator.vector: the Vector API kernels, several times faster than the
#   scalar ones (without the module they run, after a one-line warning).
# -XX:+UseSerialGC -Xmn16m: the model's runs recycle their large arrays (see ArrayPool), so a
#   step leaves about 8 MB of garbage; the serial collector with a small young generation keeps
#   the process near its working set. The parallel collector's own tables cost about 100 MB
#   more at the same speed; a 32 MB young generation costs 11 MB more. A 12 MB one saves 4 to
#   5 MB in `resnet4j bench` but costs 30 MB in a whole `resnet4j train` (771 -> 802 MB over
#   three epochs): more of the data pipeline's short-lived arrays reach the old generation.
# (-XX:-TieredCompilation would save 12-18 MB more, but its training step is 6% slower.)
# -XX:CompileCommand=dontinline,org.resnet4j.graph.Recomputation::*: the bookkeeping of
#   activation recomputation is compiled method by method, not inlined into one another. C2
#   compiled Recomputation.release with all it calls in one piece, using 29 to 32 MB of compiler
#   memory several seconds into training, when the heap was at its largest; now it takes 4 MB.
#   Peak RSS of `resnet4j bench`: 569-573 -> 559-561 MiB; no measurable change in step time.
#   'quiet' keeps the JVM from announcing it on standard output. JvmOptionsTest checks that the
#   class exists.
resnet4j_jvm_options=(--add-modules jdk.incubator.vector -XX:+UseSerialGC -Xmn16m
  -XX:CompileCommand=quiet '-XX:CompileCommand=dontinline,org.resnet4j.graph.Recomputation::*')
# Gives the C heap the JIT compilers used back to the system every second (about 9 MB off the
# peak).
# Not for a process that runs PyTorch too (scripts/bench-peer.sh): its allocator is tuned to
# keep what it frees.
resnet4j_trim_options=(-XX:TrimNativeHeapInterval=1000)
