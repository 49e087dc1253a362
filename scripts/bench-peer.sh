#!/usr/bin/env bash
# resnet4j and DJL/PyTorch on the notebook's ResNet-50, side by side in one process:
#   scripts/bench-peer.sh [--rounds 7] [--json] [--min-train-ratio 1.5] [--min-infer-ratio 1.5]
#                         [--max-b1-latency-ratio 0.7]
# Exits with status 3 when a target (the defaults above) is missed.
# Builds the peer module (Maven profile 'peer', which pulls PyTorch's CPU library from Maven
# Central once). PyTorch gets two intra-op threads and the glibc settings that steadied it.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$root/scripts/jdk25.sh"
source "$root/scripts/jvm-options.sh"
(cd "$root" && ./mvnw -q -B -Ppeer -DskipTests -pl resnet4j-peer -am install) >&2
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456
cp="$root/resnet4j-peer/target/resnet4j-peer-0.1.0-SNAPSHOT.jar:$root/resnet4j-peer/target/lib/*"
exec "$JAVA_HOME/bin/java" "${resnet4j_jvm_options[@]}" -Xmx8g \
  -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 \
  ${PEER_JAVA_OPTS:-} -cp "$cp" org.resnet4j.peer.PeerBenchmark "$@" 2> >(grep --line-buffered -v '^WARNING: Using incubator modules' >&2)
