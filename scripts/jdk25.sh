# Sourced by ./resnet4j and .ci/run: points JAVA_HOME at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, else the java on PATH if it is 25+, else a JDK in /usr/lib/jvm.

_resnet4j_java_major() {
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }'
}

_resnet4j_ok() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local major
  major=$(_resnet4j_java_major "$1")
  [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null
}

_resnet4j_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && _resnet4j_ok "$JAVA_HOME"; then
    echo "$JAVA_HOME"; return 0
  fi
  if command -v javac >/dev/null 2>&1; then
    local home
    home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if _resnet4j_ok "$home"; then echo "$home"; return 0; fi
  fi
  local d
  for d in /usr/lib/jvm/*; do
    if _resnet4j_ok "$d"; then echo "$d"; return 0; fi
  done
  return 1
}

if ! JAVA_HOME=$(_resnet4j_find_jdk); then
  echo "resnet4j: needs a JDK 25 or newer. Set JAVA_HOME to one (none found in JAVA_HOME, on PATH or in /usr/lib/jvm)." >&2
  exit 1
fi
export JAVA_HOME
