#!/bin/sh
# Build step (pom.xml, execution "launcher"), not copied into bin/: picks the JDK the launcher runs, and
# so the kind of archive the build makes for it. Writes BIN/java-home (the JDK's folder), BIN/jdk.options
# (the flags that JDK needs beyond bin/jvm.options) and, for Ant to read, PROPERTIES:
#   launcher.java.home      the JDK: CHOSEN (-Dlauncher.jdk=FOLDER) if given; else the newest (by feature
#                           version, 17 or later) of the JDK running Maven and the JDKs installed in the
#                           usual folders; the one running Maven on a tie
#   launcher.archive        camel-d1-backup.aot on JDK 25 or later (an ahead-of-time cache: JDK 25's
#                           archive of classes loaded and linked, made in one training run), else
#                           camel-d1-backup.jsa (a dynamic class-data-sharing archive)
#   launcher.archive.make   the JVM flag that writes it at the end of the training run
# A newer JDK is worth choosing: on the 1,000,000-row benchmark the launcher on JDK 25 with its cache took
# 2.48 s where JDK 17 with its archive took 2.89 s (BENCHMARKS.md, "The launcher").
# Usage: pick-jdk.sh MAVEN_JAVA_HOME BIN PROPERTIES [CHOSEN]
set -eu
maven_jdk=$1 bin=$2 out=$3 chosen=${4:-}

# The feature version in a JDK's release file (JAVA_VERSION="25.0.3" -> 25), or nothing.
feature() {
  sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1
}

if [ -n "$chosen" ]; then
  [ -x "$chosen/bin/java" ] || { echo "launcher.jdk=$chosen has no bin/java" >&2; exit 1; }
  best=$chosen
else
  best=$maven_jdk
  best_version=$(feature "$maven_jdk")
  best_version=${best_version:-0}
  # Debian, Ubuntu, Fedora and Arch packages; macOS; SDKMAN!; IntelliJ's downloads.
  for jdk in /usr/lib/jvm/* /usr/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*; do
    [ -x "$jdk/bin/java" ] && [ ! -L "$jdk" ] || continue
    version=$(feature "$jdk")
    [ -n "$version" ] && [ "$version" -ge 17 ] && [ "$version" -gt "$best_version" ] || continue
    best=$jdk best_version=$version
  done
fi

best=$(cd "$best" && pwd -P)
version=$(feature "$best")
if [ "${version:-0}" -ge 25 ]; then
  archive=camel-d1-backup.aot make=-XX:AOTCacheOutput=
else
  archive=camel-d1-backup.jsa make=-XX:ArchiveClassesAtExit=
fi
printf 'launcher.java.home=%s\nlauncher.archive=%s\nlauncher.archive.make=%s\n' "$best" "$archive" "$make" > "$out"
printf '%s\n' "$best" > "$bin/java-home"
{
  echo "# The flags of the JDK in java-home beyond jvm.options (written by the build: src/main/launcher/pick-jdk.sh)."
  if [ "${version:-0}" -ge 24 ]; then
    # From JDK 24 on, Netty's first use of sun.misc.Unsafe (the run command's HTTP server) prints a
    # four-line warning at every start; JDK 17 refuses the flag.
    echo "--sun-misc-unsafe-memory-access=allow"
  fi
} > "$bin/jdk.options"
echo "launcher: runs $best (Java ${version:-unknown}), archive $archive"
