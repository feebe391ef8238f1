# Sourced by the launcher, the test script and CI: finds a Java 25 JDK and Maven, or says what to install.
if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" ]] || ! "${JAVA_HOME}/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  JAVA_HOME=""
  for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*; do
    if [[ -x "$d/bin/javac" ]] && "$d/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then JAVA_HOME="$d"; break; fi
  done
  if [[ -z "$JAVA_HOME" ]]; then
    echo "vmqos needs a Java 25 JDK: install Temurin 25 (or openjdk-25-jdk) under /usr/lib/jvm, or set JAVA_HOME" >&2
    exit 2
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "vmqos: installing maven with apt-get..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >&2
  else
    echo "vmqos needs Maven: sudo apt-get install -y maven" >&2
    exit 2
  fi
fi
